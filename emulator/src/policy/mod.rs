//! IAM policy engine (placeholder; being written).
