//! Fresh ids in AWS's formats: `vpc-` and 17 hex digits, 10-character API ids, ...

/// `prefix-` followed by 17 random lowercase hex digits, as EC2 ids are today
/// (`vpc-0a1b2c3d4e5f67890`, `vpce-...`, `sg-...`, `subnet-...`, `eni-...`).
pub fn ec2_id(prefix: &str) -> String {
    let hex = uuid::Uuid::new_v4().simple().to_string();
    format!("{prefix}-{}", &hex[..17])
}

/// `len` random characters from `[a-z0-9]`: API Gateway's ids (10 for REST APIs and
/// resources, 6 for deployments).
pub fn apigateway_id(len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::with_capacity(len);
    while out.len() < len {
        for b in uuid::Uuid::new_v4().into_bytes() {
            // 252 = 7 * 36: keeps the choice uniform.
            if b < 252 && out.len() < len {
                out.push(ALPHABET[(b % 36) as usize] as char);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_aws_shapes() {
        let vpc = ec2_id("vpc");
        assert_eq!(vpc.len(), 21);
        assert!(crate::model::names::is_resource_id(&vpc, "vpc"), "{vpc}");
        let api = apigateway_id(10);
        assert!(crate::model::names::is_rest_api_id(&api), "{api}");
        assert_eq!(apigateway_id(6).len(), 6);
        assert_ne!(apigateway_id(10), apigateway_id(10));
    }
}
