//! Intrinsic functions as CloudFormation resolves them for the supported types: `Ref` (to
//! parameters, resources and the pseudo parameters), `Fn::GetAtt`, `Fn::Sub`, `Fn::Join`,
//! `Fn::Select` and `Fn::GetAZs`. Any other function is refused at its place in the template.

use serde_json::{Map, Value};

use super::template::Converter;
use crate::scenario::document::{child_path, type_name, DocumentError};

type Result<T> = std::result::Result<T, DocumentError>;

/// The marker `Ref AWS::NoValue` leaves for its property to be removed.
pub(super) const NO_VALUE: &str = "\u{0}AWS::NoValue";

fn is_no_value(value: &Value) -> bool {
    matches!(value, Value::String(s) if s == NO_VALUE)
}

impl Converter<'_> {
    /// Resolves intrinsic functions in a value.
    pub(super) fn resolve(&self, value: &Value, path: &str) -> Result<Value> {
        match value {
            Value::Array(items) => Ok(Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| self.resolve(v, &format!("{path}[{i}]")))
                    .filter(|v| !matches!(v, Ok(v) if is_no_value(v)))
                    .collect::<Result<_>>()?,
            )),
            Value::Object(map) if map.len() == 1 => match map.iter().next() {
                Some((key, arg))
                    if key == "Ref" || key == "Condition" || key.starts_with("Fn::") =>
                {
                    self.intrinsic(key, arg, &child_path(path, key))
                }
                _ => self.resolve_object(map, path),
            },
            Value::Object(map) => self.resolve_object(map, path),
            other => Ok(other.clone()),
        }
    }

    pub(super) fn resolve_object(&self, map: &Map<String, Value>, path: &str) -> Result<Value> {
        let mut out = Map::new();
        for (k, v) in map {
            let resolved = self.resolve(v, &child_path(path, k))?;
            if !is_no_value(&resolved) {
                out.insert(k.clone(), resolved);
            }
        }
        Ok(Value::Object(out))
    }

    fn intrinsic(&self, key: &str, arg: &Value, p: &str) -> Result<Value> {
        match key {
            "Ref" => {
                let name = arg
                    .as_str()
                    .ok_or_else(|| DocumentError::new(p, "expected a name"))?;
                if name == "AWS::NoValue" {
                    return Ok(Value::String(NO_VALUE.into()));
                }
                self.reference(name, p)
            }
            "Fn::GetAtt" => self.get_att(arg, p),
            "Fn::Sub" => self.sub(arg, p),
            "Fn::Join" => self.join(arg, p),
            "Fn::Select" => self.select(arg, p),
            "Fn::GetAZs" => Ok(Value::Array(
                ["a", "b", "c", "d", "e", "f"]
                    .iter()
                    .map(|z| Value::String(format!("{}{z}", self.region)))
                    .collect(),
            )),
            k => Err(DocumentError::new(
                p,
                format!("{k} is not supported by the emulator (Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Select and Fn::GetAZs are)"),
            )),
        }
    }

    /// `Ref`: a pseudo parameter, a template parameter, or a resource's physical id.
    pub(super) fn reference(&self, name: &str, path: &str) -> Result<Value> {
        if let Some(p) = self.pseudo_parameter(name) {
            return Ok(Value::String(p));
        }
        if let Some(v) = self.parameters.get(name) {
            return Ok(v.clone());
        }
        if let Some(p) = self.physical.get(name) {
            return Ok(Value::String(p.id.clone()));
        }
        Err(DocumentError::new(
            path,
            format!("Ref {name:?}: no parameter or resource of that name"),
        ))
    }

    fn pseudo_parameter(&self, name: &str) -> Option<String> {
        let china = self.region.starts_with("cn-");
        let value = match name {
            "AWS::Region" => self.region.clone(),
            "AWS::AccountId" => self.account_id.clone(),
            "AWS::Partition" => if china { "aws-cn" } else { "aws" }.to_string(),
            "AWS::URLSuffix" => if china {
                "amazonaws.com.cn"
            } else {
                "amazonaws.com"
            }
            .to_string(),
            "AWS::StackName" => self.stack_name.clone(),
            "AWS::StackId" => format!(
                "arn:aws:cloudformation:{}:{}:stack/{}/00000000-0000-0000-0000-000000000000",
                self.region, self.account_id, self.stack_name
            ),
            _ => return None,
        };
        Some(value)
    }

    fn get_att(&self, arg: &Value, p: &str) -> Result<Value> {
        let parts: Vec<String> = match self.resolve(arg, p)? {
            Value::Array(a) => a
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            Value::String(s) => s.splitn(2, '.').map(str::to_string).collect(),
            _ => Vec::new(),
        };
        match parts.as_slice() {
            [logical, attribute] => self.attribute(logical, attribute, p),
            _ => Err(DocumentError::new(p, "expected [Resource, Attribute]")),
        }
    }

    /// `Fn::GetAtt Resource.Attribute` for the attributes the supported types have.
    pub(super) fn attribute(&self, logical: &str, attribute: &str, path: &str) -> Result<Value> {
        let p = self.physical.get(logical).ok_or_else(|| {
            DocumentError::new(
                path,
                format!("Fn::GetAtt {logical}.{attribute}: no resource of that name"),
            )
        })?;
        let value = match (p.kind.as_str(), attribute) {
            ("AWS::ApiGateway::RestApi", "RootResourceId")
            | ("AWS::Serverless::Api", "RootResourceId") => {
                Value::String(crate::aws::ids::short_id("/"))
            }
            ("AWS::ApiGateway::RestApi", "RestApiId") => Value::String(p.id.clone()),
            ("AWS::EC2::VPC", "VpcId")
            | ("AWS::EC2::Subnet", "SubnetId")
            | ("AWS::EC2::SecurityGroup", "GroupId")
            | ("AWS::EC2::VPCEndpoint", "Id") => Value::String(p.id.clone()),
            ("AWS::EC2::VPC", "CidrBlock") | ("AWS::EC2::Subnet", "CidrBlock") => {
                let raw = self
                    .unresolved_properties(logical)
                    .and_then(|pr| pr.get("CidrBlock"))
                    .unwrap_or(&Value::Null);
                self.resolve(raw, path)?
            }
            ("AWS::Lambda::Function", "Arn") | ("AWS::Serverless::Function", "Arn") => {
                Value::String(format!(
                    "arn:aws:lambda:{}:{}:function:{}",
                    self.region, self.account_id, p.id
                ))
            }
            _ => {
                return Err(DocumentError::new(
                    path,
                    format!(
                        "Fn::GetAtt {logical}.{attribute} ({}) is not supported by the emulator",
                        p.kind
                    ),
                ))
            }
        };
        Ok(value)
    }

    fn join(&self, arg: &Value, p: &str) -> Result<Value> {
        let resolved = self.resolve(arg, p)?;
        match resolved.as_array().map(Vec::as_slice) {
            Some([Value::String(delimiter), Value::Array(items)]) => {
                let parts: Result<Vec<String>> = items
                    .iter()
                    .map(|v| match v {
                        Value::String(s) => Ok(s.clone()),
                        Value::Number(n) => Ok(n.to_string()),
                        other => Err(DocumentError::new(
                            p,
                            format!("cannot join {}", type_name(other)),
                        )),
                    })
                    .collect();
                Ok(Value::String(parts?.join(delimiter)))
            }
            _ => Err(DocumentError::new(p, "expected [delimiter, [values]]")),
        }
    }

    fn select(&self, arg: &Value, p: &str) -> Result<Value> {
        let resolved = self.resolve(arg, p)?;
        match resolved.as_array().map(Vec::as_slice) {
            Some([index, Value::Array(items)]) => {
                let i = index
                    .as_u64()
                    .or_else(|| index.as_str().and_then(|s| s.parse().ok()))
                    .ok_or_else(|| DocumentError::new(p, "expected an index"))?;
                items
                    .get(i as usize)
                    .cloned()
                    .ok_or_else(|| DocumentError::new(p, format!("index {i} is out of range")))
            }
            _ => Err(DocumentError::new(p, "expected [index, [values]]")),
        }
    }

    /// `Fn::Sub`: `${Name}`, `${Resource.Attribute}` and the given variables filled in,
    /// `${!Literal}` kept as `${Literal}`.
    pub(super) fn sub(&self, arg: &Value, path: &str) -> Result<Value> {
        let (text, variables) = self.sub_arguments(arg, path)?;
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find('}')
                .ok_or_else(|| DocumentError::new(path, "an unclosed ${ in Fn::Sub"))?;
            let name = &after[..end];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else {
                out.push_str(&self.sub_variable(name, &variables, path)?);
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(Value::String(out))
    }

    /// The text of an `Fn::Sub` and its own variables (resolved).
    fn sub_arguments<'a>(
        &self,
        arg: &'a Value,
        path: &str,
    ) -> Result<(&'a str, Map<String, Value>)> {
        if let Value::String(s) = arg {
            return Ok((s.as_str(), Map::new()));
        }
        match arg.as_array().map(Vec::as_slice) {
            Some([Value::String(s), Value::Object(vars)]) => {
                let resolved = self.resolve_object(vars, &format!("{path}[1]"))?;
                Ok((
                    s.as_str(),
                    resolved.as_object().cloned().unwrap_or_default(),
                ))
            }
            _ => Err(DocumentError::new(
                path,
                "expected a string or [string, {variables}]",
            )),
        }
    }

    fn sub_variable(
        &self,
        name: &str,
        variables: &Map<String, Value>,
        path: &str,
    ) -> Result<String> {
        let value = match variables.get(name) {
            Some(v) => v.clone(),
            None => match name.split_once('.') {
                Some((logical, attribute)) if !self.parameters.contains_key(name) => {
                    self.attribute(logical, attribute, path)?
                }
                _ => self.reference(name, path)?,
            },
        };
        match value {
            Value::String(s) => Ok(s),
            Value::Number(n) => Ok(n.to_string()),
            other => Err(DocumentError::new(
                path,
                format!("Fn::Sub ${{{name}}} is {}, not a string", type_name(&other)),
            )),
        }
    }
}
