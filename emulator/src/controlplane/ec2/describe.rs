//! What the Describe* calls share: choosing resources by the ids or names a call lists, and by
//! EC2's filters (tag filters, `*`/`?` wildcards).

use super::error::Ec2Error;
use super::params::Params;
use crate::scenario::config::TagConfig;

/// EC2 filter values may hold `*` (any run) and `?` (any one character).
pub(super) fn glob_match(pattern: &str, text: &str) -> bool {
    fn go(p: &[char], t: &[char]) -> bool {
        match (p.first(), t.first()) {
            (None, None) => true,
            (Some('*'), _) => go(&p[1..], t) || (!t.is_empty() && go(p, &t[1..])),
            (Some('?'), Some(_)) => go(&p[1..], &t[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &t[1..]),
            _ => false,
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    go(&p, &t)
}

/// Whether a resource passes every filter. `field` gives a resource's values for a filter name
/// (`None`: the name is not a filter of this call).
fn passes(
    filters: &[(String, Vec<String>)],
    tags: &[TagConfig],
    field: impl Fn(&str) -> Option<Vec<String>>,
) -> Result<bool, Ec2Error> {
    for (name, wanted) in filters {
        let values: Vec<String> = if let Some(key) = name.strip_prefix("tag:") {
            tags.iter()
                .filter(|t| t.key == key)
                .map(|t| t.value.clone())
                .collect()
        } else if name == "tag-key" {
            tags.iter().map(|t| t.key.clone()).collect()
        } else if name == "tag-value" {
            tags.iter().map(|t| t.value.clone()).collect()
        } else {
            field(name).ok_or_else(|| {
                Ec2Error::new(
                    "InvalidParameterValue",
                    format!("The filter '{name}' is invalid"),
                )
            })?
        };
        if !wanted
            .iter()
            .any(|w| values.iter().any(|v| glob_match(w, v)))
        {
            return Ok(false);
        }
    }
    Ok(true)
}

pub(super) fn one(s: &str) -> Option<Vec<String>> {
    Some(vec![s.to_string()])
}

/// One list parameter by which a Describe* call names resources (`VpcId.N`, `GroupName.N`).
pub(super) struct NamedBy<T> {
    /// The parameter's prefix, e.g. `VpcId`.
    pub(super) param: &'static str,
    /// The resource's value for it (`None`: the resource has none, so no name selects it).
    pub(super) key: fn(&T) -> Option<&str>,
    pub(super) not_found: fn(&str) -> Ec2Error,
}

/// What a Describe* call answers with: every resource it names must exist (checked first, list
/// by list, as EC2 refuses the whole call), then of the named ones (all, where a list is empty)
/// those that pass the filters. A filter name the call does not know is refused only once a
/// resource is tested against it.
pub(super) fn select<'a, T>(
    params: &Params,
    all: &'a [T],
    named_by: &[NamedBy<T>],
    tags: fn(&T) -> &[TagConfig],
    field: impl Fn(&T, &str) -> Option<Vec<String>>,
) -> Result<Vec<&'a T>, Ec2Error> {
    let lists: Vec<Vec<String>> = named_by.iter().map(|n| params.list(n.param)).collect();
    for (by, wanted) in named_by.iter().zip(&lists) {
        for name in wanted {
            if !all.iter().any(|r| (by.key)(r) == Some(name.as_str())) {
                return Err((by.not_found)(name));
            }
        }
    }
    let filters = params.filters();
    let mut selected = Vec::new();
    for resource in all {
        let named = named_by.iter().zip(&lists).all(|(by, wanted)| {
            wanted.is_empty() || (by.key)(resource).is_some_and(|k| wanted.iter().any(|w| w == k))
        });
        if named && passes(&filters, tags(resource), |name| field(resource, name))? {
            selected.push(resource);
        }
    }
    Ok(selected)
}
