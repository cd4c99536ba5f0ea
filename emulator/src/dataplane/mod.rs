//! The request's way, in order: the embedded [`dns`] server answers for the endpoint's names,
//! the [`tls`] front end (certificates from the local CA) accepts the connection, the
//! [`gateway`] routes it and applies the endpoint and resource policies, an [`integration`]
//! answers, and the stage's [`access_log`] records it.
//!
//! The access log lives here, not with the teaching tools: it is written on the request path,
//! as a stage's `accessLogSettings` are on AWS.

pub mod access_log;
pub mod context;
pub mod dns;
pub mod gateway;
pub mod integration;
pub mod tls;
