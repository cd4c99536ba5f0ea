//! The validated, immutable model the servers read: the [`topology`] (VPCs, endpoints, REST APIs
//! with their deployed stages), each deployment's resource tree ([`api`]), the names AWS derives
//! ([`names`]) and who a client is in the AWS picture ([`network`]).
//!
//! A scenario becomes a model once, through [`topology::Topology::from_config`]; servers hold it
//! through an `Arc` swapped whole.

pub mod api;
pub mod ids;
pub mod names;
pub mod network;
pub(crate) mod percent;
pub(crate) mod timestamps;
pub mod topology;
