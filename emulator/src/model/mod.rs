//! The validated, immutable model the servers read: the [`topology`] (VPCs, endpoints, REST APIs
//! with their deployed stages), each deployment's resource tree ([`api`]), built from OpenAPI
//! documents by the importer (`openapi`), and who a client is in the AWS picture ([`network`]).
//!
//! A scenario becomes a model once, through [`topology::Topology::from_config`]; servers hold it
//! through an `Arc` swapped whole. The OpenAPI importer lives here rather than with the
//! scenario because what it builds is the model's resource tree.

pub mod api;
pub mod network;
pub(crate) mod openapi;
pub mod topology;
