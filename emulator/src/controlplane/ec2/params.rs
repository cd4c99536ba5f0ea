//! The parameters of one EC2 Query API call: form decoding, and the Query protocol's flattened
//! lists (`Name.N`), filters (`Filter.N.Name`/`Filter.N.Value.M`) and tag specifications.
//!
//! Parameters are kept ordered by name, so a lookup is a tree search and the members of one list
//! (`prefix.N...`) are one contiguous range: reading a request costs steps linear in its
//! parameters (times a logarithm), never a scan of all parameters per member.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::ops::Bound;

use super::super::ControlRequest;
use super::error::Ec2Error;
use crate::aws::percent;
use crate::scenario::config::TagConfig;

/// Most parameters (query string and form body together) one call may carry. No EC2 action
/// needs near this many (a Describe takes at most 200 values per filter and 1 000 ids); a
/// request with more is refused before any is decoded (decision recorded in docs/decisions.md).
pub(super) const MAX_PARAMETERS: usize = 10_000;

/// The decoded parameters of one call, query string first, then the form body.
pub(super) struct Params {
    /// Each name's first value (a later repeat is ignored, as lookups always did), by name.
    by_name: BTreeMap<String, String>,
}

impl Params {
    /// The call's parameters, or EC2's refusal of a request with more than [`MAX_PARAMETERS`].
    pub(super) fn from_request(req: &ControlRequest) -> Result<Params, Ec2Error> {
        let body = String::from_utf8_lossy(&req.body);
        let in_body = form_fields(&body).take(MAX_PARAMETERS + 1).count();
        if req.query.len().saturating_add(in_body) > MAX_PARAMETERS {
            return Err(too_many());
        }
        let mut by_name = BTreeMap::new();
        let decoded = form_fields(&body).map(decode_field);
        for (k, v) in req.query.iter().cloned().chain(decoded) {
            by_name.entry(k).or_insert(v);
        }
        Ok(Params { by_name })
    }

    pub(super) fn get(&self, name: &str) -> Option<&str> {
        #[cfg(test)]
        steps::add(1);
        self.by_name.get(name).map(String::as_str)
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

    /// The indices N of `prefix.N` and `prefix.N.*` keys, ascending. Only the keys starting
    /// with `prefix.` are visited: they sort next to each other.
    pub(super) fn indices(&self, prefix: &str) -> Vec<u32> {
        let start = format!("{prefix}.");
        let mut out = BTreeSet::new();
        let range = self
            .by_name
            .range::<str, _>((Bound::Included(start.as_str()), Bound::Unbounded));
        for (k, _) in range {
            #[cfg(test)]
            steps::add(1);
            let Some(rest) = k.strip_prefix(start.as_str()) else {
                break;
            };
            let n = rest.split('.').next().unwrap_or("");
            if let Ok(n) = n.parse::<u32>() {
                out.insert(n);
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

    /// Tags of `TagSpecification.N` for this resource type; a key given again replaces the
    /// earlier tag (and takes the later one's place).
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
                tags.push(TagConfig {
                    key: key.to_string(),
                    value: value.to_string(),
                });
            }
        }
        Ok(last_of_each_key(tags))
    }
}

/// Keeps each key's last tag, in the order of those last occurrences (one pass, not a search of
/// the kept tags per tag).
fn last_of_each_key(tags: Vec<TagConfig>) -> Vec<TagConfig> {
    let mut seen = HashSet::new();
    let mut kept: Vec<TagConfig> = tags
        .into_iter()
        .rev()
        .filter(|t| seen.insert(t.key.clone()))
        .collect();
    kept.reverse();
    kept
}

/// A request with more parameters than any EC2 action takes. EC2 documents no such limit;
/// `InvalidQueryParameter` is its common code for a query that "does not adhere to AWS
/// standards".
fn too_many() -> Ec2Error {
    Ec2Error::new(
        "InvalidQueryParameter",
        format!("The request has more than {MAX_PARAMETERS} parameters."),
    )
}

/// The `name=value` fields of a form, undecoded.
fn form_fields(text: &str) -> impl Iterator<Item = &str> {
    text.split('&').filter(|p| !p.is_empty())
}

fn decode_field(field: &str) -> (String, String) {
    let (k, v) = field.split_once('=').unwrap_or((field, ""));
    (percent::decode_form(k), percent::decode_form(v))
}

/// `application/x-www-form-urlencoded`: `&`-separated `name=value`, `+` a space, `%XX` a byte.
/// (Requests are decoded field by field, counted first; this is the whole form at once.)
#[cfg(test)]
pub(super) fn parse_form(text: &str) -> Vec<(String, String)> {
    form_fields(text).map(decode_field).collect()
}

/// Counts the parameters looked at, so tests can check that reading a request is linear
/// without timing it.
#[cfg(test)]
mod steps {
    use std::cell::Cell;

    thread_local!(static STEPS: Cell<usize> = const { Cell::new(0) });

    pub(super) fn add(n: usize) {
        STEPS.with(|s| s.set(s.get() + n));
    }

    /// The steps counted on this thread since the last call.
    pub(super) fn take() -> usize {
        STEPS.with(|s| s.replace(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(body: String) -> ControlRequest {
        ControlRequest {
            method: http::Method::POST,
            path: "/".into(),
            query: vec![("Action".into(), "DescribeVpcs".into())],
            headers: http::HeaderMap::new(),
            body: bytes::Bytes::from(body),
        }
    }

    /// `filters` filters of three parameters each (a name, two values), after `Action`.
    fn filter_body(filters: usize) -> String {
        let mut body = String::new();
        for n in 1..=filters {
            body.push_str(&format!(
                "&Filter.{n}.Name=tag:k{n}&Filter.{n}.Value.1=a&Filter.{n}.Value.2=b"
            ));
        }
        body
    }

    #[test]
    fn filters_are_read_in_steps_linear_in_the_parameters() {
        // 3 333 filters: 9 999 parameters plus Action, the most a call may carry. The old
        // reading scanned every parameter per lookup: about 47 million steps for 7 500.
        let params = Params::from_request(&request(filter_body(3_333))).unwrap();
        assert_eq!(params.by_name.len(), MAX_PARAMETERS);
        steps::take();
        let filters = params.filters();
        let steps = steps::take();
        assert_eq!(filters.len(), 3_333);
        let last = (
            "tag:k3333".to_string(),
            vec!["a".to_string(), "b".to_string()],
        );
        assert_eq!(filters[3_332], last);
        assert!(steps <= 4 * MAX_PARAMETERS, "{steps} steps");
    }

    #[test]
    fn more_parameters_than_the_limit_are_refused_before_decoding() {
        let refused = Params::from_request(&request(filter_body(33_334))).err();
        assert_eq!(refused, Some(too_many()));
        assert_eq!(
            too_many().to_string(),
            "InvalidQueryParameter: The request has more than 10000 parameters."
        );
    }

    #[test]
    fn lists_are_read_in_index_order_and_first_values_win() {
        let body = "VpcId.10=c&VpcId.2=b&VpcId.1=a&VpcId.1=ignored&VpcIdX.1=no".to_string();
        let params = Params::from_request(&request(body)).unwrap();
        assert_eq!(params.list("VpcId"), ["a", "b", "c"]);
        assert_eq!(params.get("Action"), Some("DescribeVpcs"));
    }

    #[test]
    fn a_repeated_tag_key_keeps_its_last_value_in_its_last_place() {
        let body = [
            "TagSpecification.1.ResourceType=vpc",
            "TagSpecification.1.Tag.1.Key=a&TagSpecification.1.Tag.1.Value=1",
            "TagSpecification.1.Tag.2.Key=b&TagSpecification.1.Tag.2.Value=2",
            "TagSpecification.1.Tag.3.Key=a&TagSpecification.1.Tag.3.Value=3",
        ]
        .join("&");
        let tags = Params::from_request(&request(body))
            .unwrap()
            .tags("vpc")
            .unwrap();
        let pairs: Vec<_> = tags.iter().map(|t| (&*t.key, &*t.value)).collect();
        assert_eq!(pairs, [("b", "2"), ("a", "3")]);
    }
}
