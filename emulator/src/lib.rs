//! apigw-emulator: a local, offline emulator of an Amazon API Gateway private REST API.
#![forbid(unsafe_code)]

pub mod policy;
