//! The parameters of one EC2 Query API call: form decoding, and the Query protocol's flattened
//! lists (`Name.N`), filters (`Filter.N.Name`/`Filter.N.Value.M`) and tag specifications.

use std::collections::BTreeSet;

use super::super::ControlRequest;
use super::error::Ec2Error;
use crate::aws::percent;
use crate::scenario::config::TagConfig;

/// The decoded parameters of one call, query string first, then the form body.
pub(super) struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    pub(super) fn from_request(req: &ControlRequest) -> Params {
        let mut pairs = req.query.clone();
        if !req.body.is_empty() {
            pairs.extend(parse_form(&String::from_utf8_lossy(&req.body)));
        }
        Params { pairs }
    }

    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub(super) fn required(&self, name: &str) -> Result<&str, Ec2Error> {
        match self.get(name) {
            Some(v) if !v.is_empty() => Ok(v),
            _ => Err(Ec2Error::missing(name)),
        }
    }

    pub(super) fn bool(&self, name: &str) -> Result<Option<bool>, Ec2Error> {
        match self.get(name) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(Ec2Error::new(
                "InvalidParameterValue",
                format!(
                    "Value ({v}) for parameter {name} is invalid. Expected: 'true' or 'false'."
                ),
            )),
        }
    }

    pub(super) fn int(&self, name: &str) -> Result<Option<i32>, Ec2Error> {
        match self.get(name) {
            None | Some("") => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| {
                Ec2Error::new(
                    "InvalidParameterValue",
                    format!("Value ({v}) for parameter {name} is invalid. Expected an integer."),
                )
            }),
        }
    }

    /// The indices N of `prefix.N` and `prefix.N.*` keys, ascending.
    pub(super) fn indices(&self, prefix: &str) -> Vec<u32> {
        let mut out = BTreeSet::new();
        for (k, _) in &self.pairs {
            if let Some(rest) = k.strip_prefix(prefix).and_then(|r| r.strip_prefix('.')) {
                let n = rest.split('.').next().unwrap_or("");
                if let Ok(n) = n.parse::<u32>() {
                    out.insert(n);
                }
            }
        }
        out.into_iter().collect()
    }

    /// The values of `prefix.1`, `prefix.2`, ... in index order.
    pub(super) fn list(&self, prefix: &str) -> Vec<String> {
        self.indices(prefix)
            .into_iter()
            .filter_map(|n| self.get(&format!("{prefix}.{n}")).map(str::to_string))
            .collect()
    }

    /// `Filter.N.Name` and `Filter.N.Value.M`.
    pub(super) fn filters(&self) -> Vec<(String, Vec<String>)> {
        self.indices("Filter")
            .into_iter()
            .filter_map(|n| {
                let name = self.get(&format!("Filter.{n}.Name"))?.to_string();
                Some((name, self.list(&format!("Filter.{n}.Value"))))
            })
            .collect()
    }

    /// Tags of `TagSpecification.N` for this resource type.
    pub(super) fn tags(&self, resource_type: &str) -> Result<Vec<TagConfig>, Ec2Error> {
        let mut tags = Vec::new();
        for n in self.indices("TagSpecification") {
            let spec = format!("TagSpecification.{n}");
            if let Some(rt) = self.get(&format!("{spec}.ResourceType")) {
                if rt != resource_type {
                    return Err(Ec2Error::new(
                        "InvalidParameterValue",
                        format!("'{rt}' is not a valid taggable resource type for this operation."),
                    ));
                }
            }
            for m in self.indices(&format!("{spec}.Tag")) {
                let key = self.get(&format!("{spec}.Tag.{m}.Key")).unwrap_or("");
                if key.is_empty() {
                    return Err(Ec2Error::missing("Tag.Key"));
                }
                let value = self.get(&format!("{spec}.Tag.{m}.Value")).unwrap_or("");
                tags.retain(|t: &TagConfig| t.key != key);
                tags.push(TagConfig {
                    key: key.to_string(),
                    value: value.to_string(),
                });
            }
        }
        Ok(tags)
    }
}

/// `application/x-www-form-urlencoded`: `&`-separated `name=value`, `+` a space, `%XX` a byte.
pub(super) fn parse_form(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent::decode_form(k), percent::decode_form(v))
        })
        .collect()
}
