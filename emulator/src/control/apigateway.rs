//! API Gateway REST API (v1) control calls.
