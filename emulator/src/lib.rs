//! apigw-emulator: a local, offline emulator of an Amazon API Gateway **private** REST API
//! reached through an interface VPC endpoint.
//!
//! It makes AWS's Direct Connect walkthrough real on one machine: an embedded DNS server answers
//! for the endpoint's names with local addresses; an HTTPS front end listening on those addresses
//! (certificates from a local, name-constrained CA) knows which endpoint each connection came
//! through, routes by `x-apigw-api-id` or Host, stage, resource and method; an IAM policy engine
//! enforces the endpoint policy and the API's resource policy; integrations answer (the console's
//! Example API, MOCK, HTTP, HTTP_PROXY, AWS_PROXY).
//!
//! Data flows one way: a scenario file ([`Config`]) is validated into an immutable [`Topology`],
//! which the servers read through an `Arc` swapped whole.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use apigw_emulator::{Config, Emulator};
//!
//! // The AWS walkthrough's scenario, on free loopback ports, with a throwaway CA.
//! let emulator = Emulator::start(Config::seed()).await?;
//! let ready = emulator.ready_info();
//! println!("dig @{} {}", emulator.dns_addr(), ready.vpc_endpoints[0].dns_entries[0].dns_name);
//! println!("curl --cacert {} ... port {}", emulator.ca_path().display(), emulator.https_port());
//! emulator.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! APIs come from OpenAPI 3.0 / Swagger 2.0 documents or CloudFormation/SAM templates
//! ([`scenario::cloudformation`]); MOCK, HTTP, HTTP_PROXY and AWS_PROXY integrations run against
//! the user's own backends and local Lambda functions, with VTL mapping templates ([`apigw_vtl`]);
//! policies are evaluated by [`iam_policy`]. A control plane answers the AWS CLI, boto3 and the
//! SDKs (EC2 and API Gateway calls) and serves a web console; its changes reach the servers through
//! the same snapshot swap.
//!
//! The supported surface is what this page lists: [`Emulator`] and [`EmulatorBuilder`], the ready
//! information, [`Config`] and the scenario loaders, the validated [`model`], the teaching tools
//! ([`teach`]) and the local CA ([`ca`]). The data plane and the control plane are internal. The
//! README lists what is not emulated yet.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod aws;
pub mod ca;
pub(crate) mod controlplane;
pub(crate) mod dataplane;
mod emulator;
pub mod model;
pub mod scenario;
pub mod teach;

pub use emulator::{
    Emulator, EmulatorBuilder, PortChoice, ReadyApi, ReadyDnsEntry, ReadyEndpoint, ReadyInfo,
    ReadyPublicEndpoint, ReloadError, StartError,
};
pub use model::topology::Topology;
pub use scenario::config::{Config, ConfigError, ConfigOrigin};
