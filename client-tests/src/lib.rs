//! Shared helpers for the client tests.
