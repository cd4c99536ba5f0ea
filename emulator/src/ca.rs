//! The local certificate authority the endpoints' certificates chain to: create or load it,
//! and describe one on disk (`apigw-emulator certs`). Clients trust its `ca.pem`.

pub use crate::dataplane::tls::pki::{describe, CaDescription, LocalCa, PkiError};
