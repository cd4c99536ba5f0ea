//! Physical ids of a template's resources, derived from their logical ids (and, for Lambda
//! functions and stages, the names they are given), so names stay the same from one run to the
//! next.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::aws::ids::{self, short_id};
use crate::scenario::document::{child_path, DocumentError};

/// The physical id of a resource, and its type.
#[derive(Debug, Clone)]
pub(super) struct Physical {
    pub(super) kind: String,
    pub(super) id: String,
}

/// Every resource's type and physical id, by logical id; a resource without a `Type` is refused.
pub(super) fn physical_ids(
    resources: &Map<String, Value>,
    stack_name: &str,
) -> Result<BTreeMap<String, Physical>, DocumentError> {
    let mut physical = BTreeMap::new();
    for (logical, resource) in resources {
        let kind = resource
            .get("Type")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                DocumentError::new(
                    child_path("$.Resources", logical),
                    "expected a resource with a Type",
                )
            })?;
        let id = derive_id(kind, logical, resource, stack_name);
        let kind = kind.to_string();
        physical.insert(logical.clone(), Physical { kind, id });
    }
    Ok(physical)
}

/// The physical id a resource of `kind` gets (`vpc-0…`, an API id, a function name, …).
fn derive_id(kind: &str, logical: &str, resource: &Value, stack_name: &str) -> String {
    let property = |name: &str| {
        resource
            .get("Properties")
            .and_then(|p| p.get(name))
            .and_then(Value::as_str)
    };
    match kind {
        "AWS::EC2::VPC" => hex_id("vpc", logical),
        "AWS::EC2::Subnet" => hex_id("subnet", logical),
        "AWS::EC2::SecurityGroup" => hex_id("sg", logical),
        "AWS::EC2::VPCEndpoint" => hex_id("vpce", logical),
        "AWS::ApiGateway::RestApi" | "AWS::Serverless::Api" => api_id(logical),
        "AWS::ApiGateway::Deployment" => short_id(&format!("deployment/{logical}")),
        "AWS::ApiGateway::Resource" => short_id(&format!("resource/{logical}")),
        "AWS::Lambda::Function" | "AWS::Serverless::Function" => property("FunctionName")
            .map(str::to_string)
            .unwrap_or_else(|| format!("{stack_name}-{logical}")),
        "AWS::ApiGateway::Stage" => property("StageName").unwrap_or(logical).to_string(),
        _ => logical.to_string(),
    }
}

/// `prefix-0` and 16 hexadecimal digits of the logical id's digest, as EC2 ids look.
fn hex_id(prefix: &str, logical: &str) -> String {
    format!("{prefix}-0{}", ids::derived_hex(logical, 16))
}

/// Ten lowercase letters and digits, as API Gateway's ids look.
fn api_id(logical: &str) -> String {
    ids::derived_apigateway_id(&format!("api/{logical}"), 10)
}
