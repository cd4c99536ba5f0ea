//! EC2 Query API: VPCs, subnets, security groups and interface VPC endpoints.
