//! Scenarios as users write them: the scenario file ([`config`]), the documents it points at
//! (OpenAPI definitions, `openapi`; CloudFormation and SAM templates, [`cloudformation`];
//! both read by `document`), the console's Example API ([`examples`]), and the way back out
//! (`get-export`, `export`).
//!
//! Nothing here is validated against the rest of the scenario: that is [`crate::model`]'s job.

pub mod cloudformation;
pub mod config;
pub(crate) mod document;
pub mod examples;
pub(crate) mod export;
