//! EC2 Query API: VPCs, subnets, security groups and interface VPC endpoints.
//!
//! Owns the EC2 side of the control plane: parsing EC2's Query protocol (form-encoded
//! `Action=...&Version=2016-11-15&...`, in a POST body or a GET query string), turning each
//! supported action into a read of the scenario or an edited copy of it, and answering in EC2's
//! XML exactly as botocore's `ec2` model expects it (lists are `<item>`s in `...Set` wrappers).
//!
//! The scenario holds only what the emulator needs; everything else EC2 shows (DHCP options ids,
//! CIDR association ids, network interface ids, rule ids) is derived from the resource ids with
//! a hash, so it is stable across restarts and never needs storing.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr};

use ipnet::{Ipv4Net, Ipv6Net};

use super::{ids, validate, ControlContext, ControlRequest, ControlResponse, Handled};
use crate::config::{
    Config, GroupPairConfig, IpPermissionConfig, IpRangeConfig, Ipv6RangeConfig,
    NetworkInterfaceConfig, SecurityGroupConfig, SubnetConfig, TagConfig, VpcConfig,
    VpcEndpointConfig,
};
use crate::names::Region;
use crate::topology::Topology;

const XMLNS: &str = "http://ec2.amazonaws.com/doc/2016-11-15/";
const CONTENT_TYPE: &str = "text/xml;charset=UTF-8";

/// AWS's default endpoint policy, exactly as DescribeVpcEndpoints returns it (no `Version`).
const FULL_ACCESS_POLICY: &str =
    r#"{"Statement":[{"Action":"*","Effect":"Allow","Principal":"*","Resource":"*"}]}"#;

/// Handles one EC2 Query API call against the current state.
pub fn handle(req: &ControlRequest, state: &Config, ctx: &ControlContext) -> Handled {
    let params = Params::from_request(req);
    let action = params.get("Action").unwrap_or("").to_string();
    match dispatch(&action, &params, state, ctx) {
        Ok(handled) => handled,
        Err(e) => Handled::read(e.response(ctx)),
    }
}

fn dispatch(
    action: &str,
    params: &Params,
    state: &Config,
    ctx: &ControlContext,
) -> Result<Handled, Ec2Error> {
    let handler: fn(&Params, &Config, &ControlContext) -> Result<Handled, Ec2Error> = match action {
        "CreateVpc" => create_vpc,
        "DescribeVpcs" => describe_vpcs,
        "DeleteVpc" => delete_vpc,
        "CreateSubnet" => create_subnet,
        "DescribeSubnets" => describe_subnets,
        "DeleteSubnet" => delete_subnet,
        "CreateSecurityGroup" => create_security_group,
        "DescribeSecurityGroups" => describe_security_groups,
        "AuthorizeSecurityGroupIngress" => authorize_ingress,
        "RevokeSecurityGroupIngress" => revoke_ingress,
        "DeleteSecurityGroup" => delete_security_group,
        "CreateVpcEndpoint" => create_vpc_endpoint,
        "DescribeVpcEndpoints" => describe_vpc_endpoints,
        "ModifyVpcEndpoint" => modify_vpc_endpoint,
        "DeleteVpcEndpoints" => delete_vpc_endpoints,
        "" => {
            return Err(Ec2Error::new(
                "MissingAction",
                "The request must contain the parameter Action",
            ))
        }
        other => {
            return Err(Ec2Error::new(
                "InvalidAction",
                format!("The action {other} is not valid for this web service."),
            ))
        }
    };
    // EC2 answers a dry run before looking at anything else (the caller may do everything).
    if params
        .get("DryRun")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        return Err(Ec2Error {
            status: 412,
            code: "DryRunOperation".into(),
            message: "Request would have succeeded, but DryRun flag is set.".into(),
        });
    }
    handler(params, state, ctx)
}

// ---------------------------------------------------------------------------------------------
// Errors

/// An error as EC2 reports it: an HTTP status, a code and a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct Ec2Error {
    /// HTTP status (400 for nearly everything).
    pub status: u16,
    /// EC2's error code, e.g. `InvalidVpcID.NotFound`.
    pub code: String,
    /// The message, worded as EC2 words it.
    pub message: String,
}

impl Ec2Error {
    fn new(code: &str, message: impl Into<String>) -> Ec2Error {
        Ec2Error {
            status: 400,
            code: code.to_string(),
            message: message.into(),
        }
    }

    fn missing(parameter: &str) -> Ec2Error {
        Ec2Error::new(
            "MissingParameter",
            format!("The request must contain the parameter {parameter}"),
        )
    }

    fn vpc_not_found(id: &str) -> Ec2Error {
        Ec2Error::new(
            "InvalidVpcID.NotFound",
            format!("The vpc ID '{id}' does not exist"),
        )
    }

    fn subnet_not_found(id: &str) -> Ec2Error {
        Ec2Error::new(
            "InvalidSubnetID.NotFound",
            format!("The subnet ID '{id}' does not exist"),
        )
    }

    fn group_not_found(id: &str) -> Ec2Error {
        Ec2Error::new(
            "InvalidGroup.NotFound",
            format!("The security group '{id}' does not exist"),
        )
    }

    fn endpoint_not_found(id: &str) -> Ec2Error {
        Ec2Error::new(
            "InvalidVpcEndpointId.NotFound",
            format!("The Vpc Endpoint Id '{id}' does not exist"),
        )
    }

    /// A group named without its VPC: a name alone only identifies a group of the default VPC,
    /// which scenarios lack.
    fn no_default_vpc() -> Ec2Error {
        Ec2Error::new(
            "VPCIdNotSpecified",
            "No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.",
        )
    }

    fn dependency(message: String) -> Ec2Error {
        Ec2Error::new("DependencyViolation", message)
    }

    fn response(&self, ctx: &ControlContext) -> ControlResponse {
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{}</Code><Message>{}</Message></Error></Errors><RequestID>{}</RequestID></Response>",
            escape(&self.code),
            escape(&self.message),
            escape(&ctx.request_id)
        );
        ControlResponse::new(self.status, CONTENT_TYPE, body)
    }
}

/// The edited state, if it can be served; else EC2's error carrying the reason.
fn checked(new_state: Config) -> Result<(Config, Topology), Ec2Error> {
    match validate(&new_state) {
        Ok(topology) => Ok((new_state, topology)),
        // EC2 has no code for "the emulator cannot serve this"; InvalidParameterValue is what
        // EC2 uses for a request that names things that do not fit together.
        Err(e) => Err(Ec2Error::new("InvalidParameterValue", e.message)),
    }
}

fn current_topology(state: &Config) -> Result<Topology, Ec2Error> {
    validate(state).map_err(|e| Ec2Error {
        status: 500,
        code: "InternalError".into(),
        message: format!("The current scenario does not validate: {e}"),
    })
}

// ---------------------------------------------------------------------------------------------
// Query protocol parameters

/// The decoded parameters of one call, query string first, then the form body.
struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    fn from_request(req: &ControlRequest) -> Params {
        let mut pairs = req.query.clone();
        if !req.body.is_empty() {
            pairs.extend(parse_form(&String::from_utf8_lossy(&req.body)));
        }
        Params { pairs }
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn required(&self, name: &str) -> Result<&str, Ec2Error> {
        match self.get(name) {
            Some(v) if !v.is_empty() => Ok(v),
            _ => Err(Ec2Error::missing(name)),
        }
    }

    fn bool(&self, name: &str) -> Result<Option<bool>, Ec2Error> {
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

    fn int(&self, name: &str) -> Result<Option<i32>, Ec2Error> {
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
    fn indices(&self, prefix: &str) -> Vec<u32> {
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
    fn list(&self, prefix: &str) -> Vec<String> {
        self.indices(prefix)
            .into_iter()
            .filter_map(|n| self.get(&format!("{prefix}.{n}")).map(str::to_string))
            .collect()
    }

    /// `Filter.N.Name` and `Filter.N.Value.M`.
    fn filters(&self) -> Vec<(String, Vec<String>)> {
        self.indices("Filter")
            .into_iter()
            .filter_map(|n| {
                let name = self.get(&format!("Filter.{n}.Name"))?.to_string();
                Some((name, self.list(&format!("Filter.{n}.Value"))))
            })
            .collect()
    }

    /// Tags of `TagSpecification.N` for this resource type.
    fn tags(&self, resource_type: &str) -> Result<Vec<TagConfig>, Ec2Error> {
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
fn parse_form(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (form_decode(k), form_decode(v))
        })
        .collect()
}

fn form_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let decoded = bytes
                    .get(i + 1..i + 3)
                    .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match decoded {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    // A stray `%` is kept as it is rather than refused.
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

// ---------------------------------------------------------------------------------------------
// XML

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Builds the inside of a response element.
#[derive(Default)]
struct Xml {
    out: String,
}

impl Xml {
    /// A body that starts with `<return>true</return>`, as most of EC2's changes answer.
    fn returned_true() -> Xml {
        let mut x = Xml::default();
        x.bool("return", true);
        x
    }

    fn text(&mut self, tag: &str, value: &str) {
        let _ = write!(self.out, "<{tag}>{}</{tag}>", escape(value));
    }

    fn opt(&mut self, tag: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.text(tag, v);
        }
    }

    fn bool(&mut self, tag: &str, value: bool) {
        self.text(tag, if value { "true" } else { "false" });
    }

    fn int(&mut self, tag: &str, value: impl std::fmt::Display) {
        let _ = write!(self.out, "<{tag}>{value}</{tag}>");
    }

    /// `<tag>`, what `inner` writes, `</tag>`.
    fn element(&mut self, tag: &str, inner: impl FnOnce(&mut Xml)) {
        let _ = write!(self.out, "<{tag}>");
        inner(self);
        let _ = write!(self.out, "</{tag}>");
    }

    /// A list: `<tag/>` when empty, else one `<item>` per element.
    fn set<T>(&mut self, tag: &str, items: &[T], mut each: impl FnMut(&mut Xml, &T)) {
        if items.is_empty() {
            let _ = write!(self.out, "<{tag}/>");
            return;
        }
        self.element(tag, |x| {
            for item in items {
                x.element("item", |x| each(x, item));
            }
        });
    }

    fn strings(&mut self, tag: &str, items: &[String]) {
        self.set(tag, items, |x, s| x.out.push_str(&escape(s)));
    }

    fn tags(&mut self, tags: &[TagConfig]) {
        self.set("tagSet", tags, |x, t| {
            x.text("key", &t.key);
            x.text("value", &t.value);
        });
    }
}

fn ok_response(action: &str, ctx: &ControlContext, body: &Xml) -> ControlResponse {
    let text = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{action}Response xmlns=\"{XMLNS}\"><requestId>{}</requestId>{}</{action}Response>",
        escape(&ctx.request_id),
        body.out
    );
    ControlResponse::new(200, CONTENT_TYPE, text)
}

/// A change's answer: `action`'s response with `body`, and the edited state once it validates.
fn written(
    action: &str,
    ctx: &ControlContext,
    body: &Xml,
    new_state: Config,
) -> Result<Handled, Ec2Error> {
    let (new_state, _) = checked(new_state)?;
    Ok(Handled::write(ok_response(action, ctx, body), new_state))
}

// ---------------------------------------------------------------------------------------------
// Derived values

/// `n` lowercase hex digits derived from `seed`.
fn derived_hex(seed: &str, n: usize) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, seed.as_bytes());
    let mut hex = String::with_capacity(64);
    for b in digest.as_ref() {
        let _ = write!(hex, "{b:02x}");
    }
    hex.truncate(n);
    hex
}

/// `prefix-` and 17 hex digits derived from `seed`: ids EC2 shows but the scenario does not keep.
fn derived_id(prefix: &str, seed: &str) -> String {
    format!("{prefix}-{}", derived_hex(&format!("{prefix}|{seed}"), 17))
}

fn region_of(state: &Config) -> Region {
    Region::parse(&state.region).unwrap_or(Region {
        name: state.region.clone(),
        partition: "aws",
        dns_suffix: "amazonaws.com",
    })
}

fn arn(state: &Config, kind: &str, id: &str) -> String {
    let region = region_of(state);
    format!(
        "arn:{}:ec2:{}:{}:{kind}/{id}",
        region.partition, region.name, state.account_id
    )
}

/// `2024-05-01T12:00:00.123Z`, EC2's millisecond timestamps.
fn timestamp(now: time::OffsetDateTime) -> String {
    let t = now.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// The Route 53 zone that holds the `vpce.amazonaws.com` names of a Region (the `hostedZoneId`
/// of an endpoint's regional and zonal DNS entries).
fn vpce_hosted_zone_id(region: &str) -> String {
    let known = match region {
        "us-east-1" => "Z7HUB22UULQXV",
        "us-east-2" => "ZC8PG0KIFKBRI",
        "us-west-1" => "Z12I86A8N7VCZO",
        "us-west-2" => "Z1YSA3EXCYUU9Z",
        "af-south-1" => "Z09302161J80N9A7UTP7U",
        "ap-east-1" => "Z2LIHJ7PKBEMWN",
        "ap-northeast-1" => "Z2E726K9Y6RL4W",
        "ap-northeast-2" => "Z27UANNT0PRK1T",
        "ap-northeast-3" => "Z376B5OMM2JZL2",
        "ap-south-1" => "Z2KVTB3ZLFM7JR",
        "ap-south-2" => "Z0952991RWSF5AHIQDIY",
        "ap-southeast-1" => "Z18LLCSTV4NVNL",
        "ap-southeast-2" => "ZDK2GCRPAFKGO",
        "ap-southeast-3" => "Z03881013RZ9BYYZO8N5W",
        "ap-southeast-4" => "Z07508191CO1RNBX3X3AU",
        "ca-central-1" => "ZRCXCF510Y6P9",
        "eu-central-1" => "Z273ZU8SZ5RJPC",
        "eu-central-2" => "Z045369019J4FUQ4S272E",
        "eu-north-1" => "Z3OWWK6JFDEDGC",
        "eu-south-1" => "Z2A5FDNRLY7KZG",
        "eu-south-2" => "Z014396544HENR57XQCJ",
        "eu-west-1" => "Z38GZ743OKFT7T",
        "eu-west-2" => "Z7K1066E3PUKB",
        "eu-west-3" => "Z1DWHTMFP0WECP",
        "me-central-1" => "Z07122992YCEUCB9A9570",
        "me-south-1" => "Z3B95P3VBGEQGY",
        "sa-east-1" => "Z2LXUWEVLCVZIB",
        "us-gov-east-1" => "Z2MU5TEIGO9WXB",
        "us-gov-west-1" => "Z12529ZODG2B6H",
        // Regions not in the table get a stable id of the same shape.
        other => return route53_style_id(&format!("vpce-zone|{other}")),
    };
    known.to_string()
}

/// `Z` and 20 uppercase letters and digits, as newer Route 53 zone ids look.
fn route53_style_id(seed: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let digest = ring::digest::digest(&ring::digest::SHA256, seed.as_bytes());
    let tail: String = digest
        .as_ref()
        .iter()
        .take(20)
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    format!("Z{tail}")
}

/// The Availability Zone id EC2 shows beside a zone name (`use1-az1` for `us-east-1a`). AWS maps
/// names to ids per account; the emulator uses the letter's position.
fn availability_zone_id(region: &str, zone: &str) -> String {
    let parts: Vec<&str> = region.split('-').collect();
    let mut abbreviation = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i == 0 || i == parts.len() - 1 {
            abbreviation.push_str(part);
        } else {
            for word in ["north", "south", "east", "west", "central"] {
                if let Some(rest) = part.strip_prefix(word) {
                    abbreviation.push_str(&word[..1]);
                    if let Some(c) = rest.chars().next() {
                        abbreviation.push(c);
                    }
                    break;
                }
            }
        }
    }
    let index = zone
        .strip_prefix(region)
        .and_then(|l| l.bytes().next())
        .map(|b| u32::from(b.saturating_sub(b'a')) + 1)
        .unwrap_or(1);
    format!("{abbreviation}-az{index}")
}

// ---------------------------------------------------------------------------------------------
// Filters

/// EC2 filter values may hold `*` (any run) and `?` (any one character).
fn glob_match(pattern: &str, text: &str) -> bool {
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

fn one(s: &str) -> Option<Vec<String>> {
    Some(vec![s.to_string()])
}

/// One list parameter by which a Describe* call names resources (`VpcId.N`, `GroupName.N`).
struct NamedBy<T> {
    /// The parameter's prefix, e.g. `VpcId`.
    param: &'static str,
    /// The resource's value for it (`None`: the resource has none, so no name selects it).
    key: fn(&T) -> Option<&str>,
    not_found: fn(&str) -> Ec2Error,
}

/// What a Describe* call answers with: every resource it names must exist (checked first, list
/// by list, as EC2 refuses the whole call), then of the named ones (all, where a list is empty)
/// those that pass the filters. A filter name the call does not know is refused only once a
/// resource is tested against it.
fn select<'a, T>(
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

// ---------------------------------------------------------------------------------------------
// Lookups: the resource a call names, or EC2's NotFound for it

fn vpc_index(state: &Config, id: &str) -> Result<usize, Ec2Error> {
    state
        .vpcs
        .iter()
        .position(|v| v.vpc_id == id)
        .ok_or_else(|| Ec2Error::vpc_not_found(id))
}

/// A subnet and the VPC that holds it.
fn find_subnet<'s>(
    state: &'s Config,
    id: &str,
) -> Result<(&'s VpcConfig, &'s SubnetConfig), Ec2Error> {
    state
        .vpcs
        .iter()
        .find_map(|v| v.subnets.iter().find(|s| s.subnet_id == id).map(|s| (v, s)))
        .ok_or_else(|| Ec2Error::subnet_not_found(id))
}

fn group_index(state: &Config, id: &str) -> Result<usize, Ec2Error> {
    state
        .security_groups
        .iter()
        .position(|g| g.group_id == id)
        .ok_or_else(|| Ec2Error::group_not_found(id))
}

fn endpoint_index(state: &Config, id: &str) -> Result<usize, Ec2Error> {
    state
        .vpc_endpoints
        .iter()
        .position(|e| e.vpc_endpoint_id == id)
        .ok_or_else(|| Ec2Error::endpoint_not_found(id))
}

// ---------------------------------------------------------------------------------------------
// VPCs

fn render_vpc(x: &mut Xml, vpc: &VpcConfig, state: &Config, vpc_state: &str) {
    x.text("vpcId", &vpc.vpc_id);
    x.text("ownerId", &state.account_id);
    x.text("instanceTenancy", "default");
    x.set("ipv6CidrBlockAssociationSet", &[] as &[()], |_, _| {});
    x.set(
        "cidrBlockAssociationSet",
        std::slice::from_ref(vpc),
        |x, v| {
            x.text("associationId", &derived_id("vpc-cidr-assoc", &v.vpc_id));
            x.text("cidrBlock", &v.cidr_block);
            x.element("cidrBlockState", |x| x.text("state", "associated"));
        },
    );
    x.bool("isDefault", false);
    x.tags(&vpc.tags);
    x.text("state", vpc_state);
    x.text("cidrBlock", &vpc.cidr_block);
    x.text("dhcpOptionsId", &derived_id("dopt", &state.account_id));
}

/// A network address in CIDR form; host bits set (`10.0.0.1/16`) are refused as EC2 does.
fn parse_cidr(text: &str) -> Result<Ipv4Net, Ec2Error> {
    text.parse::<Ipv4Net>()
        .ok()
        .filter(|net| net.trunc() == *net)
        .ok_or_else(|| {
            Ec2Error::new(
                "InvalidParameterValue",
                format!("Value ({text}) for parameter cidrBlock is invalid. This is not a valid CIDR block."),
            )
        })
}

fn create_vpc(params: &Params, state: &Config, ctx: &ControlContext) -> Result<Handled, Ec2Error> {
    let cidr_text = params.required("CidrBlock")?;
    let cidr = parse_cidr(cidr_text)?;
    // VPCs are /16 to /28.
    if !(16..=28).contains(&cidr.prefix_len()) {
        return Err(Ec2Error::new(
            "InvalidVpc.Range",
            format!("The CIDR '{cidr_text}' is invalid."),
        ));
    }
    let tags = params.tags("vpc")?;
    let vpc = VpcConfig {
        vpc_id: ids::ec2_id("vpc"),
        cidr_block: cidr.to_string(),
        subnets: Vec::new(),
        tags,
    };
    let default_group = SecurityGroupConfig {
        group_id: ids::ec2_id("sg"),
        group_name: Some("default".into()),
        description: Some("default VPC security group".into()),
        vpc_id: vpc.vpc_id.clone(),
        // AWS's default group: all traffic from its own members.
        ip_permissions: vec![IpPermissionConfig {
            ip_protocol: "-1".into(),
            from_port: None,
            to_port: None,
            ip_ranges: Vec::new(),
            ipv6_ranges: Vec::new(),
            user_id_group_pairs: Vec::new(),
        }],
        tags: Vec::new(),
    };
    let mut default_group = default_group;
    default_group.ip_permissions[0]
        .user_id_group_pairs
        .push(GroupPairConfig {
            group_id: default_group.group_id.clone(),
            description: None,
        });
    let mut new_state = state.clone();
    new_state.vpcs.push(vpc.clone());
    new_state.security_groups.push(default_group);
    let mut x = Xml::default();
    x.element("vpc", |x| render_vpc(x, &vpc, state, "pending"));
    written("CreateVpc", ctx, &x, new_state)
}

fn describe_vpcs(
    params: &Params,
    state: &Config,
    ctx: &ControlContext,
) -> Result<Handled, Ec2Error> {
    let by_id = NamedBy {
        param: "VpcId",
        key: |v: &VpcConfig| Some(v.vpc_id.as_str()),
        not_found: Ec2Error::vpc_not_found,
    };
    let selected = select(
        params,
        &state.vpcs,
        &[by_id],
        |v| &v.tags,
        |vpc, name| match name {
            "vpc-id" => one(&vpc.vpc_id),
            "cidr" | "cidr-block" | "cidr-block-association.cidr-block" => one(&vpc.cidr_block),
            "state" => one("available"),
            "owner-id" => one(&state.account_id),
            "is-default" => one("false"),
            "dhcp-options-id" => one(&derived_id("dopt", &state.account_id)),
            _ => None,
        },
    )?;
    // MaxResults/NextToken: everything fits in one page here, so no nextToken is ever sent.
    let mut x = Xml::default();
    x.set("vpcSet", &selected, |x, v| {
        render_vpc(x, v, state, "available")
    });
    Ok(Handled::read(ok_response("DescribeVpcs", ctx, &x)))
}

fn delete_vpc(params: &Params, state: &Config, ctx: &ControlContext) -> Result<Handled, Ec2Error> {
    let id = params.required("VpcId")?;
    let vpc = &state.vpcs[vpc_index(state, id)?];
    let has_dependencies = !vpc.subnets.is_empty()
        || state.vpc_endpoints.iter().any(|e| e.vpc_id == id)
        || state
            .security_groups
            .iter()
            .any(|g| g.vpc_id == id && g.group_name.as_deref() != Some("default"))
        || state
            .emulator
            .clients
            .iter()
            .any(|c| c.vpc_id.as_deref() == Some(id));
    if has_dependencies {
        return Err(Ec2Error::dependency(format!(
            "The vpc '{id}' has dependencies and cannot be deleted."
        )));
    }
    let mut new_state = state.clone();
    new_state.vpcs.retain(|v| v.vpc_id != id);
    // The default group goes with its VPC, as on AWS.
    new_state.security_groups.retain(|g| g.vpc_id != id);
    written("DeleteVpc", ctx, &Xml::returned_true(), new_state)
}

// ---------------------------------------------------------------------------------------------
// Subnets

fn render_subnet(x: &mut Xml, subnet: &SubnetConfig, vpc_id: &str, state: &Config) {
    let available = subnet
        .cidr_block
        .parse::<Ipv4Net>()
        .map(|n| (1u64 << (32 - u32::from(n.prefix_len()))).saturating_sub(5))
        .unwrap_or(0);
    x.text("subnetId", &subnet.subnet_id);
    x.text("subnetArn", &arn(state, "subnet", &subnet.subnet_id));
    x.text("state", "available");
    x.text("vpcId", vpc_id);
    x.text("cidrBlock", &subnet.cidr_block);
    x.int("availableIpAddressCount", available);
    x.text("availabilityZone", &subnet.availability_zone);
    x.text(
        "availabilityZoneId",
        &availability_zone_id(&state.region, &subnet.availability_zone),
    );
    x.bool("defaultForAz", false);
    x.bool("mapPublicIpOnLaunch", false);
    x.bool("mapCustomerOwnedIpOnLaunch", false);
    x.text("ownerId", &state.account_id);
    x.bool("assignIpv6AddressOnCreation", false);
    x.set("ipv6CidrBlockAssociationSet", &[] as &[()], |_, _| {});
    x.tags(&subnet.tags);
    x.bool("enableDns64", false);
    x.bool("ipv6Native", false);
    x.element("privateDnsNameOptionsOnLaunch", |x| {
        x.text("hostnameType", "ip-name");
        x.bool("enableResourceNameDnsARecord", false);
        x.bool("enableResourceNameDnsAAAARecord", false);
    });
}

fn create_subnet(
    params: &Params,
    state: &Config,
    ctx: &ControlContext,
) -> Result<Handled, Ec2Error> {
    let vpc_id = params.required("VpcId")?;
    let cidr_text = params.required("CidrBlock")?;
    let vpc_position = vpc_index(state, vpc_id)?;
    let vpc = &state.vpcs[vpc_position];
    let cidr = parse_cidr(cidr_text)?;
    let vpc_cidr: Ipv4Net = vpc
        .cidr_block
        .parse()
        .map_err(|_| Ec2Error::new("InvalidParameterValue", "the VPC's CIDR is not valid"))?;
    if !(16..=28).contains(&cidr.prefix_len()) || !vpc_cidr.contains(&cidr) {
        return Err(Ec2Error::new(
            "InvalidSubnet.Range",
            format!("The CIDR '{cidr_text}' is invalid."),
        ));
    }
    let overlaps = vpc.subnets.iter().any(|s| {
        s.cidr_block
            .parse::<Ipv4Net>()
            .is_ok_and(|other| other.contains(&cidr) || cidr.contains(&other))
    });
    if overlaps {
        return Err(Ec2Error::new(
            "InvalidSubnet.Conflict",
            format!("The CIDR '{cidr_text}' conflicts with another subnet"),
        ));
    }
    let region = &state.region;
    let availability_zone = match params.get("AvailabilityZone").filter(|z| !z.is_empty()) {
        Some(zone) => {
            let ok = zone
                .strip_prefix(region.as_str())
                .is_some_and(|l| l.len() == 1 && l.bytes().all(|b| b.is_ascii_lowercase()));
            if !ok {
                return Err(Ec2Error::new(
                    "InvalidParameterValue",
                    format!("Invalid Availability Zone ({zone})"),
                ));
            }
            zone.to_string()
        }
        // AWS picks a zone itself; the first of a, b, c (every Region has at least three) that
        // the VPC does not use yet lets the next endpoint take one subnet per zone.
        None => ['a', 'b', 'c']
            .iter()
            .map(|l| format!("{region}{l}"))
            .find(|z| !vpc.subnets.iter().any(|s| &s.availability_zone == z))
            .unwrap_or_else(|| format!("{region}a")),
    };
    let subnet = SubnetConfig {
        subnet_id: ids::ec2_id("subnet"),
        availability_zone,
        cidr_block: cidr.to_string(),
        tags: params.tags("subnet")?,
    };
    let mut new_state = state.clone();
    new_state.vpcs[vpc_position].subnets.push(subnet.clone());
    let mut x = Xml::default();
    x.element("subnet", |x| render_subnet(x, &subnet, vpc_id, state));
    written("CreateSubnet", ctx, &x, new_state)
}

fn describe_subnets(
    params: &Params,
    state: &Config,
    ctx: &ControlContext,
) -> Result<Handled, Ec2Error> {
    let all: Vec<(&VpcConfig, &SubnetConfig)> = state
        .vpcs
        .iter()
        .flat_map(|v| v.subnets.iter().map(move |s| (v, s)))
        .collect();
    let by_id = NamedBy {
        param: "SubnetId",
        key: |(_, s): &(&VpcConfig, &SubnetConfig)| Some(s.subnet_id.as_str()),
        not_found: Ec2Error::subnet_not_found,
    };
    let selected = select(
        params,
        &all,
        &[by_id],
        |(_, s)| &s.tags,
        |(vpc, subnet), name| match name {
            "vpc-id" => one(&vpc.vpc_id),
            "subnet-id" => one(&subnet.subnet_id),
            "availability-zone" | "availabilityZone" => one(&subnet.availability_zone),
            "availability-zone-id" => one(&availability_zone_id(
                &state.region,
                &subnet.availability_zone,
            )),
            "cidr" | "cidr-block" | "cidrBlock" => one(&subnet.cidr_block),
            "state" => one("available"),
            "owner-id" => one(&state.account_id),
            "default-for-az" | "defaultForAz" => one("false"),
            "subnet-arn" => one(&arn(state, "subnet", &subnet.subnet_id)),
            _ => None,
        },
    )?;
    let mut x = Xml::default();
    x.set("subnetSet", &selected, |x, (v, s)| {
        render_subnet(x, s, &v.vpc_id, state)
    });
    Ok(Handled::read(ok_response("DescribeSubnets", ctx, &x)))
}

fn delete_subnet(
    params: &Params,
    state: &Config,
    ctx: &ControlContext,
) -> Result<Handled, Ec2Error> {
    let id = params.required("SubnetId")?;
    find_subnet(state, id)?;
    if state
        .vpc_endpoints
        .iter()
        .any(|e| e.subnet_ids.iter().any(|s| s == id))
    {
        return Err(Ec2Error::dependency(format!(
            "The subnet '{id}' has dependencies and cannot be deleted."
        )));
    }
    let mut new_state = state.clone();
    for vpc in &mut new_state.vpcs {
        vpc.subnets.retain(|s| s.subnet_id != id);
    }
    written("DeleteSubnet", ctx, &Xml::returned_true(), new_state)
}

// ---------------------------------------------------------------------------------------------
// Security groups

/// The source of one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    Ipv4(String),
    Ipv6(String),
    Group(String),
}

impl Source {
    fn label(&self) -> &str {
        match self {
            Source::Ipv4(s) | Source::Ipv6(s) | Source::Group(s) => s,
        }
    }
}

/// One rule: a protocol and ports from one source (how EC2's newer rule API counts rules).
#[derive(Debug, Clone)]
struct Rule {
    protocol: String,
    from_port: Option<i32>,
    to_port: Option<i32>,
    source: Source,
    description: Option<String>,
}

impl Rule {
    fn same_traffic(&self, p: &IpPermissionConfig) -> bool {
        normalize_protocol(&p.ip_protocol).as_deref() == Some(self.protocol.as_str())
            && p.from_port == self.from_port
            && p.to_port == self.to_port
    }

    fn id(&self, group_id: &str) -> String {
        derived_id(
            "sgr",
            &format!(
                "{group_id}|{}|{:?}|{:?}|{:?}",
                self.protocol, self.from_port, self.to_port, self.source
            ),
        )
    }

    /// EC2's wording of a rule in InvalidPermission.Duplicate messages.
    fn describe(&self) -> String {
        let peer = self.source.label();
        match (self.protocol.as_str(), self.from_port, self.to_port) {
            ("-1", _, _) => format!("peer: {peer}, ALL, ALLOW"),
            (p, Some(from), Some(to)) => format!(
                "peer: {peer}, {}, from port: {from}, to port: {to}, ALLOW",
                p.to_ascii_uppercase()
            ),
            (p, _, _) => format!("peer: {peer}, {}, ALLOW", p.to_ascii_uppercase()),
        }
    }
}

/// The protocol names the scenario stores; numbers become names as EC2 shows them.
fn normalize_protocol(p: &str) -> Option<String> {
    Some(
        match p.to_ascii_lowercase().as_str() {
            "tcp" | "6" => "tcp",
            "udp" | "17" => "udp",
            "icmp" | "1" => "icmp",
            "icmpv6" | "58" => "icmpv6",
            "-1" | "all" => "-1",
            _ => return None,
        }
        .to_string(),
    )
}

fn flatten(p: &IpPermissionConfig) -> Vec<Rule> {
    let protocol = normalize_protocol(&p.ip_protocol).unwrap_or_else(|| p.ip_protocol.clone());
    let rule = |source, description: &Option<String>| Rule {
        protocol: protocol.clone(),
        from_port: p.from_port,
        to_port: p.to_port,
        source,
        description: description.clone(),
    };
    let mut out = Vec::new();
    for r in &p.ip_ranges {
        out.push(rule(Source::Ipv4(r.cidr_ip.clone()), &r.description));
    }
    for r in &p.ipv6_ranges {
        out.push(rule(Source::Ipv6(r.cidr_ipv6.clone()), &r.description));
    }
    for g in &p.user_id_group_pairs {
        out.push(rule(Source::Group(g.group_id.clone()), &g.description));
    }
    out
}

fn has_source(p: &IpPermissionConfig, source: &Source) -> bool {
    match source {
        Source::Ipv4(c) => p.ip_ranges.iter().any(|r| &r.cidr_ip == c),
        Source::Ipv6(c) => p.ipv6_ranges.iter().any(|r| &r.cidr_ipv6 == c),
        Source::Group(g) => p.user_id_group_pairs.iter().any(|r| &r.group_id == g),
    }
}

fn add_rule(permissions: &mut Vec<IpPermissionConfig>, rule: &Rule) {
    let index = match permissions.iter().position(|p| rule.same_traffic(p)) {
        Some(i) => i,
        None => {
            permissions.push(IpPermissionConfig {
                ip_protocol: rule.protocol.clone(),
                from_port: rule.from_port,
                to_port: rule.to_port,
                ip_ranges: Vec::new(),
                ipv6_ranges: Vec::new(),
                user_id_group_pairs: Vec::new(),
            });
            permissions.len() - 1
        }
    };
    let p = &mut permissions[index];
    let description = rule.description.clone();
    match &rule.source {
        Source::Ipv4(c) => p.ip_ranges.push(IpRangeConfig {
            cidr_ip: c.clone(),
            description,
        }),
        Source::Ipv6(c) => p.ipv6_ranges.push(Ipv6RangeConfig {
            cidr_ipv6: c.clone(),
            description,
        }),
        Source::Group(g) => p.user_id_group_pairs.push(GroupPairConfig {
            group_id: g.clone(),
            description,
        }),
    }
}

/// Removes one rule; false when the group has no such rule.
fn remove_rule(permissions: &mut Vec<IpPermissionConfig>, rule: &Rule) -> bool {
    let Some(index) = permissions
        .iter()
        .position(|p| rule.same_traffic(p) && has_source(p, &rule.source))
    else {
        return false;
    };
    let p = &mut permissions[index];
    match &rule.source {
        Source::Ipv4(c) => p.ip_ranges.retain(|r| &r.cidr_ip != c),
        Source::Ipv6(c) => p.ipv6_ranges.retain(|r| &r.cidr_ipv6 != c),
        Source::Group(g) => p.user_id_group_pairs.retain(|r| &r.group_id != g),
    }
    if p.ip_ranges.is_empty() && p.ipv6_ranges.is_empty() && p.user_id_group_pairs.is_empty() {
        permissions.remove(index);
    }
    true
}

/// A list of sources in one permission's parameters: the list's name, its members' field, and
/// the kind of source that field names.
type SourceList = (&'static str, &'static str, fn(String) -> Source);

/// The rules a call names: `IpPermissions.N.*`, or the legacy flat `IpProtocol`/`CidrIp` form.
fn requested_rules(params: &Params, state: &Config) -> Result<Vec<Rule>, Ec2Error> {
    let mut rules = Vec::new();
    let mut read = |base: &str, flat: bool| -> Result<(), Ec2Error> {
        let key = |name: &str| {
            if base.is_empty() {
                name.to_string()
            } else {
                format!("{base}.{name}")
            }
        };
        let protocol_text = params.get(&key("IpProtocol")).unwrap_or("");
        if protocol_text.is_empty() {
            return Err(Ec2Error::missing("IpProtocol"));
        }
        let protocol = normalize_protocol(protocol_text).ok_or_else(|| {
            Ec2Error::new(
                "InvalidParameterValue",
                format!("Invalid value '{protocol_text}' for IP protocol. Unknown protocol."),
            )
        })?;
        let from = params.int(&key("FromPort"))?;
        let to = params.int(&key("ToPort"))?;
        let (from_port, to_port) = match protocol.as_str() {
            // Ports mean nothing for all traffic; EC2 drops them.
            "-1" => (None, None),
            "tcp" | "udp" => match (from, to) {
                (Some(f), Some(t)) if (0..=65535).contains(&f) && (f..=65535).contains(&t) => {
                    (Some(f), Some(t))
                }
                (Some(_), Some(_)) => {
                    return Err(Ec2Error::new(
                        "InvalidParameterValue",
                        "Invalid value 'Invalid TCP/UDP port range' for portRange",
                    ))
                }
                _ => {
                    return Err(Ec2Error::new(
                        "InvalidParameterValue",
                        "Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange",
                    ))
                }
            },
            // ICMP: type and code, -1 meaning all.
            _ => (Some(from.unwrap_or(-1)), Some(to.unwrap_or(-1))),
        };
        let mut push = |source: Source, description: Option<&str>| {
            rules.push(Rule {
                protocol: protocol.clone(),
                from_port,
                to_port,
                source,
                description: description.filter(|d| !d.is_empty()).map(str::to_string),
            })
        };
        if flat {
            if let Some(cidr) = params.get("CidrIp") {
                push(Source::Ipv4(cidr.to_string()), None);
            }
            return Ok(());
        }
        // botocore sends `Groups.M` (the member's wire name); `UserIdGroupPairs.M` is accepted too.
        let source_lists: [SourceList; 4] = [
            ("IpRanges", "CidrIp", Source::Ipv4),
            ("Ipv6Ranges", "CidrIpv6", Source::Ipv6),
            ("Groups", "GroupId", Source::Group),
            ("UserIdGroupPairs", "GroupId", Source::Group),
        ];
        for (list, field, source) in source_lists {
            for m in params.indices(&key(list)) {
                let k = key(&format!("{list}.{m}"));
                let value = params
                    .get(&format!("{k}.{field}"))
                    .ok_or_else(|| Ec2Error::missing(field))?;
                push(
                    source(value.to_string()),
                    params.get(&format!("{k}.Description")),
                );
            }
        }
        Ok(())
    };
    let listed = params.indices("IpPermissions");
    if listed.is_empty() {
        if params.get("IpProtocol").is_some() {
            read("", true)?;
        }
    } else {
        for n in listed {
            read(&format!("IpPermissions.{n}"), false)?;
        }
    }
    for rule in &rules {
        let well_formed = match &rule.source {
            Source::Ipv4(c) => c.parse::<Ipv4Net>().is_ok(),
            Source::Ipv6(c) => c.parse::<Ipv6Net>().is_ok(),
            Source::Group(g) => {
                group_index(state, g)?;
                true
            }
        };
        if !well_formed {
            return Err(Ec2Error::new(
                "InvalidParameterValue",
                format!("CIDR block {} is malformed", rule.source.label()),
            ));
        }
    }
    Ok(rules)
}

/// The group a call names by `GroupId` or (legacy) `GroupName`.
fn target_group(params: &Params, state: &Config) -> Result<usize, Ec2Error> {
    if let Some(id) = params.get("GroupId").filter(|s| !s.is_empty()) {
        return group_index(state, id);
    }
    if let Some(name) = params.get("GroupName").filter(|s| !s.is_empty()) {
        let matches: Vec<usize> = state
            .security_groups
            .iter()
            .enumerate()
            .filter(|(_, g)| g.group_name.as_deref() == Some(name))
            .map(|(i, _)| i)
            .collect();
        return match matches.as_slice() {
            [one] => Ok(*one),
            [] => Err(Ec2Error::group_not_found(name)),
            _ => Err(Ec2Error::no_default_vpc()),
        };
    }
    Err(Ec2Error::missing("GroupId"))
}

fn render_permission(x: &mut Xml, p: &IpPermissionConfig, account: &str) {
    x.text(
        "ipProtocol",
        &normalize_protocol(&p.ip_protocol).unwrap_or_else(|| p.ip_protocol.clone()),
    );
    if let Some(from) = p.from_port {
        x.int("fromPort", from);
    }
    if let Some(to) = p.to_port {
        x.int("toPort", to);
    }
    x.set("groups", &p.user_id_group_pairs, |x, g| {
        x.opt("description", g.description.as_deref());
        x.text("userId", account);
        x.text("groupId", &g.group_id);
    });
    x.set("ipRanges", &p.ip_ranges, |x, r| {
        x.opt("description", r.description.as_deref());
        x.text("cidrIp", &r.cidr_ip);
    });
    x.set("ipv6Ranges", &p.ipv6_ranges, |x, r| {
        x.opt("description", r.description.as_deref());
        x.text("cidrIpv6", &r.cidr_ipv6);
    });
    x.set("prefixListIds", &[] as &[()], |_, _| {});
}

fn render_security_group(x: &mut Xml, g: &SecurityGroupConfig, state: &Config) {
    x.text("ownerId", &state.account_id);
    x.text("groupId", &g.group_id);
    x.text("groupName", g.group_name.as_deref().unwrap_or(""));
    x.text("groupDescription", g.description.as_deref().unwrap_or(""));
    x.text("vpcId", &g.vpc_id);
    x.text(
        "securityGroupArn",
        &arn(state, "security-group", &g.group_id),
    );
    x.set("ipPermissions", &g.ip_permissions, |x, p| {
        render_permission(x, p, &state.account_id)
    });
    // Outbound traffic is not emulated: every group shows AWS's default allow-all egress rule.
    let egress = IpPermissionConfig {
        ip_protocol: "-1".into(),
        from_port: None,
        to_port: None,
        ip_ranges: vec![IpRangeConfig {
            cidr_ip: "0.0.0.0/0".into(),
            description: None,
        }],
        ipv6_ranges: Vec::new(),
        user_id_group_pairs: Vec::new(),
    };
    x.set("ipPermissionsEgress", &[egress], |x, p| {
        render_permission(x, p, &state.account_id)
    });
    x.tags(&g.tags);
}

/// Which of EC2's two shapes of a rule to write.
#[derive(Clone, Copy)]
enum RuleShape<'a> {
    /// `SecurityGroupRule`, as AuthorizeSecurityGroupIngress lists the rules it added.
    Added { account: &'a str },
    /// `RevokedSecurityGroupRule`: no owner, no tags, a referenced group by id alone.
    Revoked,
}

fn render_rule(x: &mut Xml, group_id: &str, rule: &Rule, shape: RuleShape) {
    x.text("securityGroupRuleId", &rule.id(group_id));
    x.text("groupId", group_id);
    if let RuleShape::Added { account } = shape {
        x.text("groupOwnerId", account);
    }
    x.bool("isEgress", false);
    x.text("ipProtocol", &rule.protocol);
    x.int("fromPort", rule.from_port.unwrap_or(-1));
    x.int("toPort", rule.to_port.unwrap_or(-1));
    match (&rule.source, shape) {
        (Source::Ipv4(c), _) => x.text("cidrIpv4", c),
        (Source::Ipv6(c), _) => x.text("cidrIpv6", c),
        (Source::Group(g), RuleShape::Added { account }) => x.element("referencedGroupInfo", |x| {
            x.text("groupId", g);
            x.text("userId", account);
        }),
        (Source::Group(g), RuleShape::Revoked) => x.text("referencedGroupId", g),
    }
    x.opt("description", rule.description.as_deref());
    if let RuleShape::Added { .. } = shape {
        x.set("tagSet", &[] as &[()], |_, _| {});
    }
}

fn create_security_group(
    params: &Params,
    state: &Config,
    ctx: &ControlContext,
) -> Result<Handled, Ec2Error> {
    let name = params.required("GroupName")?;
    let description = params.required("GroupDescription")?;
    let vpc_id = params
        .get("VpcId")
        .filter(|v| !v.is_empty())
        .ok_or_else(Ec2Error::no_default_vpc)?;
    vpc_index(state, vpc_id)?;
    if name.to_ascii_lowercase().starts_with("sg-") {
        return Err(Ec2Error::new(
            "InvalidParameterValue",
            "Group names may not be in the format sg-*.",
        ));
    }
    if state
        .security_groups
        .iter()
        .any(|g| g.vpc_id == vpc_id && g.group_name.as_deref() == Some(name))
    {
        return Err(Ec2Error::new(
            "InvalidGroup.Duplicate",
            format!("The security group '{name}' already exists for VPC '{vpc_id}'"),
        ));
    }
    let group = SecurityGroupConfig {
        group_id: ids::ec2_id("sg"),
        group_name: Some(name.to_string()),
        description: Some(description.to_string()),
        vpc_id: vpc_id.to_string(),
        ip_permissions: Vec::new(),
        tags: params.tags("security-group")?,
    };
    let mut new_state = state.clone();
    new_state.security_groups.push(group.clone());
    let mut x = Xml::returned_true();
    x.text("groupId", &group.group_id);
    if !group.tags.is_empty() {
        x.tags(&group.tags);
    }
    x.text(
        "securityGroupArn",
        &arn(state, "security-group", &group.group_id),
    );
    written("CreateSecurityGroup", ctx, &x, new_state)
}

fn describe_security_groups(
    params: &Params,
    state: &Config,
    ctx: &ControlContext,
) -> Result<Handled, Ec2Error> {
    let by_id = NamedBy {
        param: "GroupId",
        key: |g: &SecurityGroupConfig| Some(g.group_id.as_str()),
        not_found: Ec2Error::group_not_found,
    };
    let by_name = NamedBy {
        param: "GroupName",
        key: |g: &SecurityGroupConfig| g.group_name.as_deref(),
        not_found: Ec2Error::group_not_found,
    };
    let selected = select(
        params,
        &state.security_groups,
        &[by_id, by_name],
        |g| &g.tags,
        |g, name| match name {
            "vpc-id" => one(&g.vpc_id),
            "group-id" => one(&g.group_id),
            "group-name" => one(g.group_name.as_deref().unwrap_or("")),
            "description" => one(g.description.as_deref().unwrap_or("")),
            "owner-id" => one(&state.account_id),
            _ => None,
        },
    )?;
    let mut x = Xml::default();
    x.set("securityGroupInfo", &selected, |x, g| {
        render_security_group(x, g, state)
    });
    Ok(Handled::read(ok_response(
        "DescribeSecurityGroups",
        ctx,
        &x,
    )))
}

fn authorize_ingress(
    params: &Params,
    state: &Config,
    ctx: &ControlContext,
) -> Result<Handled, Ec2Error> {
    let index = target_group(params, state)?;
    let rules = requested_rules(params, state)?;
    if rules.is_empty() {
        return Err(Ec2Error::missing("IpPermissions"));
    }
    let mut new_state = state.clone();
    let group = &mut new_state.security_groups[index];
    for rule in &rules {
        if group
            .ip_permissions
            .iter()
            .any(|p| rule.same_traffic(p) && has_source(p, &rule.source))
        {
            return Err(Ec2Error::new(
                "InvalidPermission.Duplicate",
                format!("the specified rule \"{}\" already exists", rule.describe()),
            ));
        }
        add_rule(&mut group.ip_permissions, rule);
    }
    let group_id = group.group_id.clone();
    let mut x = Xml::returned_true();
    x.set("securityGroupRuleSet", &rules, |x, r| {
        let added = RuleShape::Added {
            account: &state.account_id,
        };
        render_rule(x, &group_id, r, added)
    });
    written("AuthorizeSecurityGroupIngress", ctx, &x, new_state)
}

fn revoke_ingress(
    params: &Params,
    state: &Config,
    ctx: &ControlContext,
) -> Result<Handled, Ec2Error> {
    let index = target_group(params, state)?;
    let group_id = state.security_groups[index].group_id.clone();
    let mut rules = requested_rules(params, state)?;
    let rule_ids = params.list("SecurityGroupRuleId");
    let existing: Vec<Rule> = state.security_groups[index]
        .ip_permissions
        .iter()
        .flat_map(flatten)
        .collect();
    for id in &rule_ids {
        let rule = existing
            .iter()
            .find(|r| &r.id(&group_id) == id)
            .ok_or_else(|| {
                Ec2Error::new(
                    "InvalidSecurityGroupRuleId.NotFound",
                    format!("The security group rule ID '{id}' does not exist"),
                )
            })?;
        rules.push(rule.clone());
    }
    if rules.is_empty() {
        return Err(Ec2Error::missing("IpPermissions"));
    }
    let mut new_state = state.clone();
    let permissions = &mut new_state.security_groups[index].ip_permissions;
    let mut revoked = Vec::new();
    let mut unknown = Vec::new();
    for rule in rules {
        let found = existing
            .iter()
            .find(|r| {
                r.protocol == rule.protocol
                    && r.from_port == rule.from_port
                    && r.to_port == rule.to_port
                    && r.source == rule.source
            })
            .cloned();
        if remove_rule(permissions, &rule) {
            revoked.push(found.unwrap_or(rule));
        } else {
            unknown.push(rule);
        }
    }
    // Nothing matched: EC2 refuses. Some matched: EC2 revokes those and lists the rest as
    // unknown, with `return` true.
    if revoked.is_empty() {
        return Err(Ec2Error::new(
            "InvalidPermission.NotFound",
            "The specified rule does not exist in this security group.",
        ));
    }
    let mut x = Xml::returned_true();
    if !unknown.is_empty() {
        let as_permissions: Vec<IpPermissionConfig> = unknown
            .iter()
            .map(|r| {
                let mut ps = Vec::new();
                add_rule(&mut ps, r);
                ps.remove(0)
            })
            .collect();
        x.set("unknownIpPermissionSet", &as_permissions, |x, p| {
            render_permission(x, p, &state.account_id)
        });
    }
    x.set("revokedSecurityGroupRuleSet", &revoked, |x, r| {
        render_rule(x, &group_id, r, RuleShape::Revoked)
    });
    written("RevokeSecurityGroupIngress", ctx, &x, new_state)
}

fn delete_security_group(
    params: &Params,
    state: &Config,
    ctx: &ControlContext,
) -> Result<Handled, Ec2Error> {
    let index = target_group(params, state)?;
    let group = &state.security_groups[index];
    let id = group.group_id.as_str();
    if group.group_name.as_deref() == Some("default") {
        return Err(Ec2Error::new(
            "CannotDelete",
            format!("the specified group: \"{id}\" name: \"default\" cannot be deleted by a user"),
        ));
    }
    let in_use = state.vpc_endpoints.iter().any(|e| {
        e.security_group_ids
            .as_ref()
            .is_some_and(|ids| ids.iter().any(|g| g == id))
    }) || state.security_groups.iter().any(|g| {
        g.group_id != id
            && g.ip_permissions
                .iter()
                .any(|p| p.user_id_group_pairs.iter().any(|pair| pair.group_id == id))
    }) || state
        .emulator
        .clients
        .iter()
        .any(|c| c.security_group_ids.iter().any(|g| g == id));
    if in_use {
        return Err(Ec2Error::dependency(format!(
            "resource {id} has a dependent object"
        )));
    }
    let id = id.to_string();
    let mut new_state = state.clone();
    new_state.security_groups.remove(index);
    let mut x = Xml::returned_true();
    x.text("groupId", &id);
    written("DeleteSecurityGroup", ctx, &x, new_state)
}

// ---------------------------------------------------------------------------------------------
// VPC endpoints

/// A `PolicyDocument` parameter, kept as the caller wrote it; it must be JSON.
fn policy_document(text: &str) -> Result<serde_json::Value, Ec2Error> {
    if serde_json::from_str::<serde_json::Value>(text).is_err() {
        return Err(Ec2Error::new(
            "InvalidPolicyDocument",
            "The policy document is not valid JSON.",
        ));
    }
    Ok(serde_json::Value::String(text.to_string()))
}

fn policy_text(e: &VpcEndpointConfig) -> String {
    match &e.policy_document {
        None => FULL_ACCESS_POLICY.to_string(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn render_endpoint(
    x: &mut Xml,
    e: &VpcEndpointConfig,
    state: &Config,
    topology: &Topology,
    endpoint_state: &str,
) {
    let region = region_of(state);
    x.text("vpcEndpointId", &e.vpc_endpoint_id);
    x.text("vpcEndpointType", &e.vpc_endpoint_type);
    x.text("vpcId", &e.vpc_id);
    x.text("serviceName", &e.service_name);
    x.text("state", endpoint_state);
    x.text("policyDocument", &policy_text(e));
    x.set("routeTableIdSet", &[] as &[()], |_, _| {});
    x.strings("subnetIdSet", &e.subnet_ids);
    let groups: Vec<&SecurityGroupConfig> = e
        .security_group_ids
        .iter()
        .flatten()
        .filter_map(|id| state.security_groups.iter().find(|g| &g.group_id == id))
        .collect();
    x.set("groupSet", &groups, |x, g| {
        x.text("groupId", &g.group_id);
        x.text("groupName", g.group_name.as_deref().unwrap_or(""));
    });
    let ip_type = e.ip_address_type.as_deref().unwrap_or("ipv4");
    x.text("ipAddressType", ip_type);
    x.element("dnsOptions", |x| x.text("dnsRecordIpType", ip_type));
    x.bool("privateDnsEnabled", e.private_dns_enabled);
    x.bool("requesterManaged", false);
    let enis: Vec<String> = e
        .subnet_ids
        .iter()
        .map(|s| derived_id("eni", &format!("{}|{s}", e.vpc_endpoint_id)))
        .collect();
    x.strings("networkInterfaceIdSet", &enis);
    let mut dns: Vec<(String, String)> = Vec::new();
    let public_zone = vpce_hosted_zone_id(&region.name);
    if let Some(t) = topology.endpoint(&e.vpc_endpoint_id) {
        for entry in &t.dns_entries {
            dns.push((entry.dns_name.clone(), public_zone.clone()));
        }
    }
    if e.private_dns_enabled {
        // The private hosted zone AWS creates for the endpoint: its id is AWS's choice, so the
        // emulator derives one from the endpoint id.
        let private_zone = route53_style_id(&format!("private-zone|{}", e.vpc_endpoint_id));
        dns.push((region.api_zone(), private_zone.clone()));
        dns.push((format!("*.{}", region.api_zone()), private_zone));
    }
    x.set("dnsEntrySet", &dns, |x, (name, zone)| {
        x.text("dnsName", name);
        x.text("hostedZoneId", zone);
    });
    x.opt("creationTimestamp", e.creation_timestamp.as_deref());
    x.tags(&e.tags);
    x.text("ownerId", &state.account_id);
}

/// The addresses the topology gave an endpoint, as the scenario writes them down.
fn assigned_interfaces(
    topology: &Topology,
    endpoint_id: &str,
) -> Option<Vec<NetworkInterfaceConfig>> {
    let t = topology.endpoint(endpoint_id)?;
    Some(
        t.network_interfaces
            .iter()
            .map(|n| NetworkInterfaceConfig {
                subnet_id: n.subnet_id.clone(),
                private_ip_address: n.address,
                ipv6_address: n.ipv6_address,
            })
            .collect(),
    )
}

/// Writes every endpoint's current local addresses into the scenario, so that later edits
/// (another endpoint deleted, a subnet added) never move an address a client already resolved.
fn pin_addresses(state: &mut Config, topology: &Topology) {
    for e in &mut state.vpc_endpoints {
        if e.network_interfaces.is_none() {
            e.network_interfaces = assigned_interfaces(topology, &e.vpc_endpoint_id);
        }
    }
}

/// The lowest address from 127.0.1.1 up that nothing uses (the topology's own automatic range).
fn free_address(state: &Config, topology: &Topology) -> IpAddr {
    let taken: BTreeSet<IpAddr> = topology
        .listen_addresses()
        .into_iter()
        .chain(
            state
                .vpc_endpoints
                .iter()
                .flat_map(|e| e.network_interfaces.iter().flatten())
                .map(|n| n.private_ip_address),
        )
        .collect();
    let mut candidate = u32::from(Ipv4Addr::new(127, 0, 1, 1));
    loop {
        let address = IpAddr::V4(Ipv4Addr::from(candidate));
        if !taken.contains(&address) {
            return address;
        }
        candidate = candidate.saturating_add(1);
    }
}

/// The subnet (and its zone) of a VPC, checked as CreateVpcEndpoint checks it.
fn endpoint_subnet<'s>(
    state: &'s Config,
    vpc_id: &str,
    subnet_id: &str,
) -> Result<&'s SubnetConfig, Ec2Error> {
    let (vpc, subnet) = find_subnet(state, subnet_id)?;
    if vpc.vpc_id != vpc_id {
        return Err(Ec2Error::new(
            "InvalidParameter",
            format!("The subnet ID '{subnet_id}' does not belong to the VPC '{vpc_id}'"),
        ));
    }
    Ok(subnet)
}

fn duplicate_zone(subnet_id: &str) -> Ec2Error {
    Ec2Error::new(
        "DuplicateSubnetsInSameZone",
        format!("Found another VPC endpoint subnet in the availability zone of {subnet_id}. VPC endpoint subnets should be in different availability zones supported by the VPC endpoint service."),
    )
}

fn endpoint_group(state: &Config, vpc_id: &str, group_id: &str) -> Result<(), Ec2Error> {
    let group = &state.security_groups[group_index(state, group_id)?];
    if group.vpc_id != vpc_id {
        return Err(Ec2Error::new(
            "InvalidParameter",
            format!("The security group '{group_id}' does not belong to the VPC '{vpc_id}'"),
        ));
    }
    Ok(())
}

fn private_dns_conflict(
    state: &Config,
    vpc_id: &str,
    except_endpoint: &str,
) -> Result<(), Ec2Error> {
    if state.vpc_endpoints.iter().any(|e| {
        e.vpc_id == vpc_id && e.private_dns_enabled && e.vpc_endpoint_id != except_endpoint
    }) {
        return Err(Ec2Error::new(
            "InvalidParameter",
            format!(
                "private-dns-enabled cannot be set because there is already a conflicting DNS domain for {} in the VPC {vpc_id}",
                region_of(state).api_zone()
            ),
        ));
    }
    Ok(())
}

fn create_vpc_endpoint(
    params: &Params,
    state: &Config,
    ctx: &ControlContext,
) -> Result<Handled, Ec2Error> {
    let vpc_id = params.required("VpcId")?;
    let service_name = params.required("ServiceName")?;
    // EC2's default type is Gateway, which execute-api does not offer.
    let endpoint_type = params.get("VpcEndpointType").unwrap_or("Gateway");
    let region = region_of(state);
    if service_name != region.execute_api_service_name() {
        return Err(Ec2Error::new(
            "InvalidServiceName",
            format!("The Vpc Endpoint Service '{service_name}' does not exist"),
        ));
    }
    if endpoint_type != "Interface" {
        return Err(Ec2Error::new(
            "InvalidParameter",
            format!("Endpoint type ({endpoint_type}) does not match available service types ([Interface])."),
        ));
    }
    vpc_index(state, vpc_id)?;
    let subnet_ids = params.list("SubnetId");
    let mut zones = BTreeSet::new();
    for id in &subnet_ids {
        let subnet = endpoint_subnet(state, vpc_id, id)?;
        if !zones.insert(subnet.availability_zone.clone()) {
            return Err(duplicate_zone(id));
        }
    }
    let mut group_ids = params.list("SecurityGroupId");
    for id in &group_ids {
        endpoint_group(state, vpc_id, id)?;
    }
    if group_ids.is_empty() {
        // AWS attaches the VPC's default group. A scenario VPC written without one gets none,
        // which the emulator reads as "no filtering".
        if let Some(default) = state
            .security_groups
            .iter()
            .find(|g| g.vpc_id == vpc_id && g.group_name.as_deref() == Some("default"))
        {
            group_ids.push(default.group_id.clone());
        }
    }
    let private_dns_enabled = params.bool("PrivateDnsEnabled")?.unwrap_or(true);
    if private_dns_enabled {
        private_dns_conflict(state, vpc_id, "")?;
    }
    let ip_address_type = match params.get("IpAddressType") {
        None | Some("") => None,
        Some(t @ ("ipv4" | "dualstack" | "ipv6")) => Some(t.to_string()),
        Some(other) => {
            return Err(Ec2Error::new(
                "InvalidParameterValue",
                format!("Value ({other}) for parameter IpAddressType is invalid."),
            ))
        }
    };
    let policy_document = match params.get("PolicyDocument") {
        None | Some("") => None,
        Some(text) => Some(policy_document(text)?),
    };
    let endpoint = VpcEndpointConfig {
        vpc_endpoint_id: ids::ec2_id("vpce"),
        vpc_endpoint_type: "Interface".into(),
        service_name: service_name.to_string(),
        vpc_id: vpc_id.to_string(),
        subnet_ids,
        security_group_ids: if group_ids.is_empty() {
            None
        } else {
            Some(group_ids)
        },
        private_dns_enabled,
        ip_address_type,
        policy_document,
        network_interfaces: None,
        dns_name_suffix: None,
        tags: params.tags("vpc-endpoint")?,
        creation_timestamp: Some(timestamp(ctx.now)),
    };
    let id = endpoint.vpc_endpoint_id.clone();
    let mut new_state = state.clone();
    new_state.vpc_endpoints.push(endpoint);
    let (mut new_state, topology) = checked(new_state)?;
    // Pin the addresses the topology just assigned (see `pin_addresses`); only this
    // endpoint's, so the call writes down nothing about the others.
    if let Some(nics) = assigned_interfaces(&topology, &id) {
        if let Some(e) = new_state
            .vpc_endpoints
            .iter_mut()
            .find(|e| e.vpc_endpoint_id == id)
        {
            e.network_interfaces = Some(nics);
        }
    }
    let (new_state, topology) = checked(new_state)?;
    let mut x = Xml::default();
    if let Some(e) = new_state
        .vpc_endpoints
        .iter()
        .find(|e| e.vpc_endpoint_id == id)
    {
        x.element("vpcEndpoint", |x| {
            render_endpoint(x, e, &new_state, &topology, "pending")
        });
    }
    x.opt("clientToken", params.get("ClientToken"));
    Ok(Handled::write(
        ok_response("CreateVpcEndpoint", ctx, &x),
        new_state,
    ))
}

fn describe_vpc_endpoints(
    params: &Params,
    state: &Config,
    ctx: &ControlContext,
) -> Result<Handled, Ec2Error> {
    let by_id = NamedBy {
        param: "VpcEndpointId",
        key: |e: &VpcEndpointConfig| Some(e.vpc_endpoint_id.as_str()),
        not_found: Ec2Error::endpoint_not_found,
    };
    let selected = select(
        params,
        &state.vpc_endpoints,
        &[by_id],
        |e| &e.tags,
        |e, name| match name {
            "vpc-endpoint-id" => one(&e.vpc_endpoint_id),
            "vpc-id" => one(&e.vpc_id),
            "service-name" => one(&e.service_name),
            "vpc-endpoint-state" => one("available"),
            "vpc-endpoint-type" => one(&e.vpc_endpoint_type),
            "ip-address-type" => one(e.ip_address_type.as_deref().unwrap_or("ipv4")),
            _ => None,
        },
    )?;
    let topology = current_topology(state)?;
    let mut x = Xml::default();
    x.set("vpcEndpointSet", &selected, |x, e| {
        render_endpoint(x, e, state, &topology, "available")
    });
    Ok(Handled::read(ok_response("DescribeVpcEndpoints", ctx, &x)))
}

fn modify_vpc_endpoint(
    params: &Params,
    state: &Config,
    ctx: &ControlContext,
) -> Result<Handled, Ec2Error> {
    let id = params.required("VpcEndpointId")?;
    let index = endpoint_index(state, id)?;
    let topology = current_topology(state)?;
    let mut new_state = state.clone();
    pin_addresses(&mut new_state, &topology);
    let vpc_id = new_state.vpc_endpoints[index].vpc_id.clone();

    for subnet_id in params.list("RemoveSubnetId") {
        let e = &mut new_state.vpc_endpoints[index];
        if !e.subnet_ids.contains(&subnet_id) {
            // Wording not captured from AWS.
            return Err(Ec2Error::new(
                "InvalidParameter",
                format!(
                    "The subnet ID '{subnet_id}' is not associated with the VPC endpoint '{id}'"
                ),
            ));
        }
        e.subnet_ids.retain(|s| s != &subnet_id);
        if let Some(nics) = &mut e.network_interfaces {
            nics.retain(|n| n.subnet_id != subnet_id);
        }
    }
    for subnet_id in params.list("AddSubnetId") {
        let subnet = endpoint_subnet(state, &vpc_id, &subnet_id)?;
        let e = &new_state.vpc_endpoints[index];
        if e.subnet_ids.contains(&subnet_id) {
            continue;
        }
        let zone_taken = e.subnet_ids.iter().any(|s| {
            state
                .vpcs
                .iter()
                .flat_map(|v| &v.subnets)
                .any(|x| &x.subnet_id == s && x.availability_zone == subnet.availability_zone)
        });
        if zone_taken {
            return Err(duplicate_zone(&subnet_id));
        }
        let address = free_address(&new_state, &topology);
        let e = &mut new_state.vpc_endpoints[index];
        e.subnet_ids.push(subnet_id.clone());
        e.network_interfaces
            .get_or_insert_with(Vec::new)
            .push(NetworkInterfaceConfig {
                subnet_id,
                private_ip_address: address,
                ipv6_address: None,
            });
    }
    for group_id in params.list("AddSecurityGroupId") {
        endpoint_group(state, &vpc_id, &group_id)?;
        let groups = new_state.vpc_endpoints[index]
            .security_group_ids
            .get_or_insert_with(Vec::new);
        if !groups.contains(&group_id) {
            groups.push(group_id);
        }
    }
    for group_id in params.list("RemoveSecurityGroupId") {
        let groups = new_state.vpc_endpoints[index]
            .security_group_ids
            .get_or_insert_with(Vec::new);
        if !groups.contains(&group_id) {
            return Err(Ec2Error::group_not_found(&group_id));
        }
        groups.retain(|g| g != &group_id);
    }
    if params.bool("ResetPolicy")? == Some(true) {
        new_state.vpc_endpoints[index].policy_document = None;
    } else if let Some(text) = params.get("PolicyDocument").filter(|t| !t.is_empty()) {
        new_state.vpc_endpoints[index].policy_document = Some(policy_document(text)?);
    }
    if let Some(enabled) = params.bool("PrivateDnsEnabled")? {
        if enabled {
            private_dns_conflict(state, &vpc_id, id)?;
        }
        new_state.vpc_endpoints[index].private_dns_enabled = enabled;
    }
    written("ModifyVpcEndpoint", ctx, &Xml::returned_true(), new_state)
}

fn delete_vpc_endpoints(
    params: &Params,
    state: &Config,
    ctx: &ControlContext,
) -> Result<Handled, Ec2Error> {
    let ids = params.list("VpcEndpointId");
    if ids.is_empty() {
        return Err(Ec2Error::missing("VpcEndpointId"));
    }
    let topology = current_topology(state)?;
    let mut new_state = state.clone();
    pin_addresses(&mut new_state, &topology);
    let mut unsuccessful = Vec::new();
    let mut deleted = false;
    for id in &ids {
        let before = new_state.vpc_endpoints.len();
        new_state.vpc_endpoints.retain(|e| &e.vpc_endpoint_id != id);
        if new_state.vpc_endpoints.len() == before {
            unsuccessful.push(id.clone());
            continue;
        }
        deleted = true;
        // An API associated with the endpoint would no longer validate; AWS drops the
        // association (and its alias name) with the endpoint, so the scenario does too.
        for api in &mut new_state.rest_apis {
            api.endpoint_configuration
                .vpc_endpoint_ids
                .retain(|v| v != id);
        }
    }
    let mut x = Xml::default();
    x.set("unsuccessful", &unsuccessful, |x, id| {
        x.element("error", |x| {
            x.text("code", "InvalidVpcEndpoint.NotFound");
            x.text(
                "message",
                &format!("The Vpc Endpoint Id '{id}' does not exist"),
            );
        });
        x.text("resourceId", id);
    });
    if !deleted {
        return Ok(Handled::read(ok_response("DeleteVpcEndpoints", ctx, &x)));
    }
    written("DeleteVpcEndpoints", ctx, &x, new_state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ConfigOrigin;

    const VPC: &str = "vpc-0a1b2c3d4e5f67890";
    const SUBNET_A: &str = "subnet-0a1b2c3d4e5f60001";
    const SUBNET_B: &str = "subnet-0a1b2c3d4e5f60002";
    const DEFAULT_SG: &str = "sg-0a1b2c3d4e5f60003";
    const VPCE: &str = "vpce-01234567890abcdef";
    const HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

    fn state() -> Config {
        let text = format!(
            r#"{{
  "region": "us-east-1",
  "accountId": "123456789012",
  "vpcs": [{{"vpcId": "{VPC}", "cidrBlock": "10.0.0.0/16", "subnets": [
    {{"subnetId": "{SUBNET_A}", "availabilityZone": "us-east-1a", "cidrBlock": "10.0.0.0/24"}},
    {{"subnetId": "{SUBNET_B}", "availabilityZone": "us-east-1b", "cidrBlock": "10.0.1.0/24"}}]}}],
  "securityGroups": [{{"groupId": "{DEFAULT_SG}", "groupName": "default",
    "description": "default VPC security group", "vpcId": "{VPC}",
    "ipPermissions": [{{"ipProtocol": "-1", "userIdGroupPairs": [{{"groupId": "{DEFAULT_SG}"}}]}}]}}],
  "vpcEndpoints": [{{"vpcEndpointId": "{VPCE}", "serviceName": "com.amazonaws.us-east-1.execute-api",
    "vpcId": "{VPC}", "subnetIds": ["{SUBNET_A}", "{SUBNET_B}"], "securityGroupIds": ["{DEFAULT_SG}"],
    "privateDnsEnabled": true, "dnsNameSuffix": "abcd1234",
    "creationTimestamp": "2024-01-02T03:04:05.678Z", "tags": [{{"key": "Name", "value": "api <&>"}}]}}],
  "restApis": [{{"id": "chw1a2q2xk", "name": "Api",
    "endpointConfiguration": {{"types": ["PRIVATE"], "vpcEndpointIds": ["{VPCE}"]}}}}]
}}"#
        );
        let config = Config::from_json_str(&text, ConfigOrigin::Inline).unwrap();
        validate(&config).unwrap();
        config
    }

    fn ctx() -> ControlContext {
        ControlContext {
            now: time::macros::datetime!(2024-05-01 12:00:00.123 UTC),
            request_id: "11111111-2222-3333-4444-555555555555".into(),
        }
    }

    fn post(state: &Config, body: &str) -> Handled {
        let req = ControlRequest {
            method: http::Method::POST,
            path: "/".into(),
            query: Vec::new(),
            headers: http::HeaderMap::new(),
            body: bytes::Bytes::from(body.to_string()),
        };
        handle(&req, state, &ctx())
    }

    fn body(h: &Handled) -> String {
        String::from_utf8(h.response.body.clone()).unwrap()
    }

    fn ok(action: &str, inner: &str) -> String {
        format!(
            "{HEAD}<{action}Response xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>11111111-2222-3333-4444-555555555555</requestId>{inner}</{action}Response>"
        )
    }

    fn error(code: &str, message: &str) -> String {
        format!(
            "{HEAD}<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>11111111-2222-3333-4444-555555555555</RequestID></Response>"
        )
    }

    fn between<'a>(text: &'a str, open: &str, close: &str) -> &'a str {
        let start = text.find(open).unwrap() + open.len();
        let end = start + text[start..].find(close).unwrap();
        &text[start..end]
    }

    fn assert_error(h: &Handled, status: u16, code: &str, message: &str) {
        assert_eq!(body(h), error(code, message));
        assert_eq!(h.response.status, status);
        assert!(h.new_state.is_none());
    }

    #[test]
    fn form_bodies_and_query_strings_decode() {
        let pairs = parse_form("Action=CreateVpc&A=a+b%2Fc%3d&Empty=&Bad=%zz%4");
        assert_eq!(
            pairs,
            vec![
                ("Action".to_string(), "CreateVpc".to_string()),
                ("A".to_string(), "a b/c=".to_string()),
                ("Empty".to_string(), String::new()),
                ("Bad".to_string(), "%zz%4".to_string()),
            ]
        );
        let req = ControlRequest {
            method: http::Method::GET,
            path: "/".into(),
            query: vec![
                ("Action".into(), "DescribeVpcs".into()),
                ("VpcId.1".into(), "vpc-0000000000000000f".into()),
            ],
            headers: http::HeaderMap::new(),
            body: bytes::Bytes::new(),
        };
        let h = handle(&req, &state(), &ctx());
        assert_error(
            &h,
            400,
            "InvalidVpcID.NotFound",
            "The vpc ID &apos;vpc-0000000000000000f&apos; does not exist",
        );
    }

    #[test]
    fn unknown_actions_and_dry_runs_are_refused_as_ec2_does() {
        let h = post(&state(), "Action=RunInstances&Version=2016-11-15");
        assert_error(
            &h,
            400,
            "InvalidAction",
            "The action RunInstances is not valid for this web service.",
        );
        assert_eq!(
            h.response.headers,
            vec![(
                "Content-Type".to_string(),
                "text/xml;charset=UTF-8".to_string()
            )]
        );
        let h = post(
            &state(),
            "Action=CreateVpc&CidrBlock=10.1.0.0/16&DryRun=true",
        );
        assert_error(
            &h,
            412,
            "DryRunOperation",
            "Request would have succeeded, but DryRun flag is set.",
        );
    }

    #[test]
    fn create_vpc_answers_like_ec2_and_adds_the_default_group() {
        let h = post(
            &state(),
            "Action=CreateVpc&Version=2016-11-15&CidrBlock=10.1.0.0%2F16&TagSpecification.1.ResourceType=vpc&TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1.Value=second",
        );
        assert_eq!(h.response.status, 200);
        let text = body(&h);
        let id = between(&text, "<vpcId>", "</vpcId>").to_string();
        assert!(crate::names::is_resource_id(&id, "vpc"), "{id}");
        let assoc = derived_id("vpc-cidr-assoc", &id);
        let dopt = derived_id("dopt", "123456789012");
        assert_eq!(
            text,
            ok(
                "CreateVpc",
                &format!("<vpc><vpcId>{id}</vpcId><ownerId>123456789012</ownerId><instanceTenancy>default</instanceTenancy><ipv6CidrBlockAssociationSet/><cidrBlockAssociationSet><item><associationId>{assoc}</associationId><cidrBlock>10.1.0.0/16</cidrBlock><cidrBlockState><state>associated</state></cidrBlockState></item></cidrBlockAssociationSet><isDefault>false</isDefault><tagSet><item><key>Name</key><value>second</value></item></tagSet><state>pending</state><cidrBlock>10.1.0.0/16</cidrBlock><dhcpOptionsId>{dopt}</dhcpOptionsId></vpc>")
            )
        );
        let new_state = h.new_state.unwrap();
        assert_eq!(new_state.vpcs.len(), 2);
        let group = new_state
            .security_groups
            .iter()
            .find(|g| g.vpc_id == id)
            .unwrap();
        assert_eq!(group.group_name.as_deref(), Some("default"));
        assert_eq!(
            group.description.as_deref(),
            Some("default VPC security group")
        );
        assert_eq!(group.ip_permissions.len(), 1);
        assert_eq!(group.ip_permissions[0].ip_protocol, "-1");
        assert_eq!(
            group.ip_permissions[0].user_id_group_pairs[0].group_id,
            group.group_id
        );

        let h = post(&state(), "Action=CreateVpc&CidrBlock=10.0.0.0/8");
        assert_error(
            &h,
            400,
            "InvalidVpc.Range",
            "The CIDR &apos;10.0.0.0/8&apos; is invalid.",
        );
        let h = post(&state(), "Action=CreateVpc&CidrBlock=10.0.0.1/16");
        assert_error(&h, 400, "InvalidParameterValue", "Value (10.0.0.1/16) for parameter cidrBlock is invalid. This is not a valid CIDR block.");
        let h = post(&state(), "Action=CreateVpc");
        assert_error(
            &h,
            400,
            "MissingParameter",
            "The request must contain the parameter CidrBlock",
        );
    }

    #[test]
    fn describe_vpcs_filters_by_id_cidr_and_tag() {
        let mut s = state();
        s.vpcs[0].tags.push(TagConfig {
            key: "env".into(),
            value: "dev".into(),
        });
        let h = post(&s, "Action=DescribeVpcs&Filter.1.Name=tag%3Aenv&Filter.1.Value.1=d*&Filter.2.Name=cidr&Filter.2.Value.1=10.0.0.0/16");
        let text = body(&h);
        assert!(
            text.contains(&format!("<vpcSet><item><vpcId>{VPC}</vpcId>")),
            "{text}"
        );
        assert!(text.contains("<tagSet><item><key>env</key><value>dev</value></item></tagSet><state>available</state>"), "{text}");
        let h = post(
            &s,
            "Action=DescribeVpcs&Filter.1.Name=vpc-id&Filter.1.Value.1=vpc-00000000",
        );
        assert_eq!(body(&h), ok("DescribeVpcs", "<vpcSet/>"));
        let h = post(
            &s,
            "Action=DescribeVpcs&Filter.1.Name=colour&Filter.1.Value.1=red",
        );
        assert_error(
            &h,
            400,
            "InvalidParameterValue",
            "The filter &apos;colour&apos; is invalid",
        );
    }

    #[test]
    fn delete_vpc_needs_an_empty_vpc() {
        let h = post(&state(), &format!("Action=DeleteVpc&VpcId={VPC}"));
        assert_error(
            &h,
            400,
            "DependencyViolation",
            &format!("The vpc &apos;{VPC}&apos; has dependencies and cannot be deleted."),
        );
        let created = post(&state(), "Action=CreateVpc&CidrBlock=10.9.0.0/16");
        let id = between(&body(&created), "<vpcId>", "</vpcId>").to_string();
        let s = created.new_state.unwrap();
        let h = post(&s, &format!("Action=DeleteVpc&VpcId={id}"));
        assert_eq!(body(&h), ok("DeleteVpc", "<return>true</return>"));
        let s = h.new_state.unwrap();
        assert_eq!(s.vpcs.len(), 1);
        assert!(s.security_groups.iter().all(|g| g.vpc_id != id));
    }

    #[test]
    fn create_subnet_checks_cidrs_and_picks_a_free_zone() {
        let h = post(
            &state(),
            &format!("Action=CreateSubnet&VpcId={VPC}&CidrBlock=10.0.2.0/24"),
        );
        let text = body(&h);
        let id = between(&text, "<subnetId>", "</subnetId>").to_string();
        assert_eq!(
            text,
            ok(
                "CreateSubnet",
                &format!("<subnet><subnetId>{id}</subnetId><subnetArn>arn:aws:ec2:us-east-1:123456789012:subnet/{id}</subnetArn><state>available</state><vpcId>{VPC}</vpcId><cidrBlock>10.0.2.0/24</cidrBlock><availableIpAddressCount>251</availableIpAddressCount><availabilityZone>us-east-1c</availabilityZone><availabilityZoneId>use1-az3</availabilityZoneId><defaultForAz>false</defaultForAz><mapPublicIpOnLaunch>false</mapPublicIpOnLaunch><mapCustomerOwnedIpOnLaunch>false</mapCustomerOwnedIpOnLaunch><ownerId>123456789012</ownerId><assignIpv6AddressOnCreation>false</assignIpv6AddressOnCreation><ipv6CidrBlockAssociationSet/><tagSet/><enableDns64>false</enableDns64><ipv6Native>false</ipv6Native><privateDnsNameOptionsOnLaunch><hostnameType>ip-name</hostnameType><enableResourceNameDnsARecord>false</enableResourceNameDnsARecord><enableResourceNameDnsAAAARecord>false</enableResourceNameDnsAAAARecord></privateDnsNameOptionsOnLaunch></subnet>")
            )
        );
        assert_eq!(h.new_state.unwrap().vpcs[0].subnets.len(), 3);

        let h = post(
            &state(),
            &format!("Action=CreateSubnet&VpcId={VPC}&CidrBlock=10.0.0.128/25"),
        );
        assert_error(
            &h,
            400,
            "InvalidSubnet.Conflict",
            "The CIDR &apos;10.0.0.128/25&apos; conflicts with another subnet",
        );
        let h = post(
            &state(),
            &format!("Action=CreateSubnet&VpcId={VPC}&CidrBlock=10.1.0.0/24"),
        );
        assert_error(
            &h,
            400,
            "InvalidSubnet.Range",
            "The CIDR &apos;10.1.0.0/24&apos; is invalid.",
        );
        let h = post(
            &state(),
            "Action=CreateSubnet&VpcId=vpc-0000000000000000f&CidrBlock=10.0.5.0/24",
        );
        assert_error(
            &h,
            400,
            "InvalidVpcID.NotFound",
            "The vpc ID &apos;vpc-0000000000000000f&apos; does not exist",
        );
        let h = post(
            &state(),
            &format!(
                "Action=CreateSubnet&VpcId={VPC}&CidrBlock=10.0.5.0/24&AvailabilityZone=eu-west-1a"
            ),
        );
        assert_error(
            &h,
            400,
            "InvalidParameterValue",
            "Invalid Availability Zone (eu-west-1a)",
        );
    }

    #[test]
    fn describe_and_delete_subnets() {
        let h = post(
            &state(),
            "Action=DescribeSubnets&Filter.1.Name=availability-zone&Filter.1.Value.1=us-east-1b",
        );
        let text = body(&h);
        assert!(
            text.contains(&format!("<subnetSet><item><subnetId>{SUBNET_B}</subnetId>")),
            "{text}"
        );
        assert_eq!(text.matches("<subnetId>").count(), 1);
        let h = post(
            &state(),
            &format!("Action=DeleteSubnet&SubnetId={SUBNET_A}"),
        );
        assert_error(
            &h,
            400,
            "DependencyViolation",
            &format!("The subnet &apos;{SUBNET_A}&apos; has dependencies and cannot be deleted."),
        );
        let h = post(
            &state(),
            "Action=DeleteSubnet&SubnetId=subnet-0000000000000000f",
        );
        assert_error(
            &h,
            400,
            "InvalidSubnetID.NotFound",
            "The subnet ID &apos;subnet-0000000000000000f&apos; does not exist",
        );
    }

    #[test]
    fn security_groups_are_created_authorized_revoked_and_described() {
        let h = post(
            &state(),
            &format!("Action=CreateSecurityGroup&GroupName=endpoint&GroupDescription=HTTPS+in&VpcId={VPC}"),
        );
        let text = body(&h);
        let sg = between(&text, "<groupId>", "</groupId>").to_string();
        assert_eq!(
            text,
            ok(
                "CreateSecurityGroup",
                &format!("<return>true</return><groupId>{sg}</groupId><securityGroupArn>arn:aws:ec2:us-east-1:123456789012:security-group/{sg}</securityGroupArn>")
            )
        );
        let s = h.new_state.unwrap();
        let dup = post(
            &s,
            &format!(
                "Action=CreateSecurityGroup&GroupName=endpoint&GroupDescription=x&VpcId={VPC}"
            ),
        );
        assert_error(
            &dup,
            400,
            "InvalidGroup.Duplicate",
            &format!(
                "The security group &apos;endpoint&apos; already exists for VPC &apos;{VPC}&apos;"
            ),
        );

        let h = post(
            &s,
            &format!("Action=AuthorizeSecurityGroupIngress&GroupId={sg}&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=443&IpPermissions.1.ToPort=443&IpPermissions.1.IpRanges.1.CidrIp=10.20.0.0%2F16&IpPermissions.1.IpRanges.1.Description=on+premises&IpPermissions.1.Groups.1.GroupId={DEFAULT_SG}"),
        );
        let rule_cidr = Rule {
            protocol: "tcp".into(),
            from_port: Some(443),
            to_port: Some(443),
            source: Source::Ipv4("10.20.0.0/16".into()),
            description: None,
        }
        .id(&sg);
        let rule_group = Rule {
            protocol: "tcp".into(),
            from_port: Some(443),
            to_port: Some(443),
            source: Source::Group(DEFAULT_SG.into()),
            description: None,
        }
        .id(&sg);
        assert_eq!(
            body(&h),
            ok(
                "AuthorizeSecurityGroupIngress",
                &format!("<return>true</return><securityGroupRuleSet><item><securityGroupRuleId>{rule_cidr}</securityGroupRuleId><groupId>{sg}</groupId><groupOwnerId>123456789012</groupOwnerId><isEgress>false</isEgress><ipProtocol>tcp</ipProtocol><fromPort>443</fromPort><toPort>443</toPort><cidrIpv4>10.20.0.0/16</cidrIpv4><description>on premises</description><tagSet/></item><item><securityGroupRuleId>{rule_group}</securityGroupRuleId><groupId>{sg}</groupId><groupOwnerId>123456789012</groupOwnerId><isEgress>false</isEgress><ipProtocol>tcp</ipProtocol><fromPort>443</fromPort><toPort>443</toPort><referencedGroupInfo><groupId>{DEFAULT_SG}</groupId><userId>123456789012</userId></referencedGroupInfo><tagSet/></item></securityGroupRuleSet>")
            )
        );
        let s = h.new_state.unwrap();
        let g = s.security_groups.iter().find(|g| g.group_id == sg).unwrap();
        assert_eq!(g.ip_permissions.len(), 1);
        assert_eq!(
            g.ip_permissions[0].ip_ranges[0].description.as_deref(),
            Some("on premises")
        );

        // The legacy flat form, and a duplicate.
        let h = post(&s, &format!("Action=AuthorizeSecurityGroupIngress&GroupId={sg}&IpProtocol=tcp&FromPort=443&ToPort=443&CidrIp=10.20.0.0/16"));
        assert_error(&h, 400, "InvalidPermission.Duplicate", "the specified rule &quot;peer: 10.20.0.0/16, TCP, from port: 443, to port: 443, ALLOW&quot; already exists");
        let h = post(&s, &format!("Action=AuthorizeSecurityGroupIngress&GroupId={sg}&IpProtocol=tcp&CidrIp=10.30.0.0/16"));
        assert_error(&h, 400, "InvalidParameterValue", "Invalid value &apos;Must specify both from and to ports with TCP/UDP.&apos; for portRange");
        let h = post(&s, &format!("Action=AuthorizeSecurityGroupIngress&GroupId={sg}&IpProtocol=tcp&FromPort=1&ToPort=2&CidrIp=10.30.0/16"));
        assert_error(
            &h,
            400,
            "InvalidParameterValue",
            "CIDR block 10.30.0/16 is malformed",
        );

        let h = post(&s, &format!("Action=DescribeSecurityGroups&GroupId.1={sg}"));
        assert_eq!(
            body(&h),
            ok(
                "DescribeSecurityGroups",
                &format!("<securityGroupInfo><item><ownerId>123456789012</ownerId><groupId>{sg}</groupId><groupName>endpoint</groupName><groupDescription>HTTPS in</groupDescription><vpcId>{VPC}</vpcId><securityGroupArn>arn:aws:ec2:us-east-1:123456789012:security-group/{sg}</securityGroupArn><ipPermissions><item><ipProtocol>tcp</ipProtocol><fromPort>443</fromPort><toPort>443</toPort><groups><item><userId>123456789012</userId><groupId>{DEFAULT_SG}</groupId></item></groups><ipRanges><item><description>on premises</description><cidrIp>10.20.0.0/16</cidrIp></item></ipRanges><ipv6Ranges/><prefixListIds/></item></ipPermissions><ipPermissionsEgress><item><ipProtocol>-1</ipProtocol><groups/><ipRanges><item><cidrIp>0.0.0.0/0</cidrIp></item></ipRanges><ipv6Ranges/><prefixListIds/></item></ipPermissionsEgress><tagSet/></item></securityGroupInfo>")
            )
        );

        // Revoke one known and one unknown rule; then nothing known.
        let h = post(&s, &format!("Action=RevokeSecurityGroupIngress&GroupId={sg}&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=443&IpPermissions.1.ToPort=443&IpPermissions.1.IpRanges.1.CidrIp=10.20.0.0/16&IpPermissions.1.IpRanges.2.CidrIp=10.99.0.0/16"));
        assert_eq!(
            body(&h),
            ok(
                "RevokeSecurityGroupIngress",
                &format!("<return>true</return><unknownIpPermissionSet><item><ipProtocol>tcp</ipProtocol><fromPort>443</fromPort><toPort>443</toPort><groups/><ipRanges><item><cidrIp>10.99.0.0/16</cidrIp></item></ipRanges><ipv6Ranges/><prefixListIds/></item></unknownIpPermissionSet><revokedSecurityGroupRuleSet><item><securityGroupRuleId>{rule_cidr}</securityGroupRuleId><groupId>{sg}</groupId><isEgress>false</isEgress><ipProtocol>tcp</ipProtocol><fromPort>443</fromPort><toPort>443</toPort><cidrIpv4>10.20.0.0/16</cidrIpv4><description>on premises</description></item></revokedSecurityGroupRuleSet>")
            )
        );
        let s2 = h.new_state.unwrap();
        let h = post(&s2, &format!("Action=RevokeSecurityGroupIngress&GroupId={sg}&IpProtocol=tcp&FromPort=443&ToPort=443&CidrIp=10.20.0.0/16"));
        assert_error(
            &h,
            400,
            "InvalidPermission.NotFound",
            "The specified rule does not exist in this security group.",
        );
        let h = post(
            &s2,
            &format!(
                "Action=RevokeSecurityGroupIngress&GroupId={sg}&SecurityGroupRuleId.1={rule_group}"
            ),
        );
        assert_eq!(h.response.status, 200, "{}", body(&h));
        let s3 = h.new_state.unwrap();
        assert!(s3
            .security_groups
            .iter()
            .find(|g| g.group_id == sg)
            .unwrap()
            .ip_permissions
            .is_empty());

        let h = post(&s3, &format!("Action=DeleteSecurityGroup&GroupId={sg}"));
        assert_eq!(
            body(&h),
            ok(
                "DeleteSecurityGroup",
                &format!("<return>true</return><groupId>{sg}</groupId>")
            )
        );
        let h = post(
            &s3,
            &format!("Action=DeleteSecurityGroup&GroupId={DEFAULT_SG}"),
        );
        assert_error(&h, 400, "CannotDelete", &format!("the specified group: &quot;{DEFAULT_SG}&quot; name: &quot;default&quot; cannot be deleted by a user"));
        let h = post(
            &s3,
            "Action=DeleteSecurityGroup&GroupId=sg-0000000000000000f",
        );
        assert_error(
            &h,
            400,
            "InvalidGroup.NotFound",
            "The security group &apos;sg-0000000000000000f&apos; does not exist",
        );
    }

    fn endpoint_xml(id: &str, state_word: &str, suffix: &str, rest: &str) -> String {
        let eni_a = derived_id("eni", &format!("{id}|{SUBNET_A}"));
        let eni_b = derived_id("eni", &format!("{id}|{SUBNET_B}"));
        format!("<vpcEndpointId>{id}</vpcEndpointId><vpcEndpointType>Interface</vpcEndpointType><vpcId>{VPC}</vpcId><serviceName>com.amazonaws.us-east-1.execute-api</serviceName><state>{state_word}</state><policyDocument>{{&quot;Statement&quot;:[{{&quot;Action&quot;:&quot;*&quot;,&quot;Effect&quot;:&quot;Allow&quot;,&quot;Principal&quot;:&quot;*&quot;,&quot;Resource&quot;:&quot;*&quot;}}]}}</policyDocument><routeTableIdSet/><subnetIdSet><item>{SUBNET_A}</item><item>{SUBNET_B}</item></subnetIdSet><groupSet><item><groupId>{DEFAULT_SG}</groupId><groupName>default</groupName></item></groupSet><ipAddressType>ipv4</ipAddressType><dnsOptions><dnsRecordIpType>ipv4</dnsRecordIpType></dnsOptions><networkInterfaceIdSet><item>{eni_a}</item><item>{eni_b}</item></networkInterfaceIdSet><dnsEntrySet><item><dnsName>{id}-{suffix}.execute-api.us-east-1.vpce.amazonaws.com</dnsName><hostedZoneId>Z7HUB22UULQXV</hostedZoneId></item><item><dnsName>{id}-{suffix}-us-east-1a.execute-api.us-east-1.vpce.amazonaws.com</dnsName><hostedZoneId>Z7HUB22UULQXV</hostedZoneId></item><item><dnsName>{id}-{suffix}-us-east-1b.execute-api.us-east-1.vpce.amazonaws.com</dnsName><hostedZoneId>Z7HUB22UULQXV</hostedZoneId></item>{rest}"
        )
    }

    #[test]
    fn describe_vpc_endpoints_shows_dns_entries_in_aws_order() {
        let s = state();
        let h = post(&s, "Action=DescribeVpcEndpoints&Filter.1.Name=service-name&Filter.1.Value.1=com.amazonaws.us-east-1.execute-api");
        let zone = route53_style_id(&format!("private-zone|{VPCE}"));
        let head = endpoint_xml(VPCE, "available", "abcd1234", "");
        let expected = ok(
            "DescribeVpcEndpoints",
            &format!("<vpcEndpointSet><item>{}<item><dnsName>execute-api.us-east-1.amazonaws.com</dnsName><hostedZoneId>{zone}</hostedZoneId></item><item><dnsName>*.execute-api.us-east-1.amazonaws.com</dnsName><hostedZoneId>{zone}</hostedZoneId></item></dnsEntrySet><creationTimestamp>2024-01-02T03:04:05.678Z</creationTimestamp><tagSet><item><key>Name</key><value>api &lt;&amp;&gt;</value></item></tagSet><ownerId>123456789012</ownerId></item></vpcEndpointSet>",
                head.replace("</dnsOptions>", "</dnsOptions><privateDnsEnabled>true</privateDnsEnabled><requesterManaged>false</requesterManaged>"))
        );
        assert_eq!(body(&h), expected);
        // The names are the ones the DNS server answers.
        let topology = validate(&s).unwrap();
        assert!(topology
            .dns_answer(&format!(
                "{VPCE}-abcd1234-us-east-1b.execute-api.us-east-1.vpce.amazonaws.com"
            ))
            .is_some());

        let h = post(
            &s,
            "Action=DescribeVpcEndpoints&VpcEndpointId.1=vpce-0000000000000000f",
        );
        assert_error(
            &h,
            400,
            "InvalidVpcEndpointId.NotFound",
            "The Vpc Endpoint Id &apos;vpce-0000000000000000f&apos; does not exist",
        );
        let h = post(
            &s,
            "Action=DescribeVpcEndpoints&Filter.1.Name=tag:Name&Filter.1.Value.1=other",
        );
        assert_eq!(body(&h), ok("DescribeVpcEndpoints", "<vpcEndpointSet/>"));
    }

    #[test]
    fn create_vpc_endpoint_pins_addresses_and_defaults_like_aws() {
        let mut s = state();
        // One endpoint per VPC may have private DNS: the existing one must give it up first.
        let h = post(&s, &format!("Action=CreateVpcEndpoint&VpcEndpointType=Interface&VpcId={VPC}&ServiceName=com.amazonaws.us-east-1.execute-api&SubnetId.1={SUBNET_A}&SubnetId.2={SUBNET_B}"));
        assert_error(&h, 400, "InvalidParameter", &format!("private-dns-enabled cannot be set because there is already a conflicting DNS domain for execute-api.us-east-1.amazonaws.com in the VPC {VPC}"));
        s.vpc_endpoints[0].private_dns_enabled = false;

        let h = post(&s, &format!("Action=CreateVpcEndpoint&VpcEndpointType=Interface&VpcId={VPC}&ServiceName=com.amazonaws.us-east-1.execute-api&SubnetId.1={SUBNET_A}&SubnetId.2={SUBNET_B}&ClientToken=tok-1"));
        assert_eq!(h.response.status, 200, "{}", body(&h));
        let text = body(&h);
        let id = between(&text, "<vpcEndpointId>", "</vpcEndpointId>").to_string();
        let suffix = crate::names::endpoint_dns_suffix(&id);
        let zone = route53_style_id(&format!("private-zone|{id}"));
        let head = endpoint_xml(&id, "pending", &suffix, "");
        let expected = ok(
            "CreateVpcEndpoint",
            &format!("<vpcEndpoint>{}<item><dnsName>execute-api.us-east-1.amazonaws.com</dnsName><hostedZoneId>{zone}</hostedZoneId></item><item><dnsName>*.execute-api.us-east-1.amazonaws.com</dnsName><hostedZoneId>{zone}</hostedZoneId></item></dnsEntrySet><creationTimestamp>2024-05-01T12:00:00.123Z</creationTimestamp><tagSet/><ownerId>123456789012</ownerId></vpcEndpoint><clientToken>tok-1</clientToken>",
                head.replace("</dnsOptions>", "</dnsOptions><privateDnsEnabled>true</privateDnsEnabled><requesterManaged>false</requesterManaged>"))
        );
        assert_eq!(text, expected);
        let new_state = h.new_state.unwrap();
        let e = new_state
            .vpc_endpoints
            .iter()
            .find(|e| e.vpc_endpoint_id == id)
            .unwrap();
        assert_eq!(
            e.security_group_ids.as_deref(),
            Some(&[DEFAULT_SG.to_string()][..])
        );
        let nics = e.network_interfaces.as_ref().unwrap();
        // The first endpoint holds 127.0.1.1 and .2 automatically.
        assert_eq!(
            nics.iter()
                .map(|n| (n.subnet_id.as_str(), n.private_ip_address.to_string()))
                .collect::<Vec<_>>(),
            vec![
                (SUBNET_A, "127.0.1.3".to_string()),
                (SUBNET_B, "127.0.1.4".to_string())
            ]
        );

        // Deleting the first endpoint does not move the second.
        let h = post(
            &new_state,
            &format!("Action=DeleteVpcEndpoints&VpcEndpointId.1={VPCE}"),
        );
        let after = h.new_state.unwrap();
        let topology = validate(&after).unwrap();
        let addresses: Vec<String> = topology
            .endpoint(&id)
            .unwrap()
            .network_interfaces
            .iter()
            .map(|n| n.address.to_string())
            .collect();
        assert_eq!(addresses, vec!["127.0.1.3", "127.0.1.4"]);

        let h = post(&s, &format!("Action=CreateVpcEndpoint&VpcId={VPC}&ServiceName=com.amazonaws.us-east-1.execute-api&SubnetId.1={SUBNET_A}"));
        assert_error(
            &h,
            400,
            "InvalidParameter",
            "Endpoint type (Gateway) does not match available service types ([Interface]).",
        );
        let h = post(&s, &format!("Action=CreateVpcEndpoint&VpcEndpointType=Interface&VpcId={VPC}&ServiceName=com.amazonaws.us-west-2.execute-api&SubnetId.1={SUBNET_A}"));
        assert_error(&h, 400, "InvalidServiceName", "The Vpc Endpoint Service &apos;com.amazonaws.us-west-2.execute-api&apos; does not exist");
        let h = post(&s, &format!("Action=CreateVpcEndpoint&VpcEndpointType=Interface&VpcId={VPC}&ServiceName=com.amazonaws.us-east-1.execute-api&SubnetId.1=subnet-0000000000000000f"));
        assert_error(
            &h,
            400,
            "InvalidSubnetID.NotFound",
            "The subnet ID &apos;subnet-0000000000000000f&apos; does not exist",
        );
    }

    #[test]
    fn modify_vpc_endpoint_edits_subnets_groups_policy_and_private_dns() {
        let s = state();
        let mut with_c = s.clone();
        with_c.vpcs[0].subnets.push(SubnetConfig {
            subnet_id: "subnet-0a1b2c3d4e5f60009".into(),
            availability_zone: "us-east-1c".into(),
            cidr_block: "10.0.9.0/24".into(),
            tags: Vec::new(),
        });
        let h = post(&with_c, &format!("Action=ModifyVpcEndpoint&VpcEndpointId={VPCE}&RemoveSubnetId.1={SUBNET_A}&AddSubnetId.1=subnet-0a1b2c3d4e5f60009&PolicyDocument=%7B%22Statement%22%3A%5B%5D%7D&PrivateDnsEnabled=false"));
        assert_eq!(body(&h), ok("ModifyVpcEndpoint", "<return>true</return>"));
        let new_state = h.new_state.unwrap();
        let e = &new_state.vpc_endpoints[0];
        assert_eq!(
            e.subnet_ids,
            vec![SUBNET_B.to_string(), "subnet-0a1b2c3d4e5f60009".to_string()]
        );
        assert!(!e.private_dns_enabled);
        assert_eq!(
            e.policy_document,
            Some(serde_json::Value::String("{\"Statement\":[]}".into()))
        );
        let nics: Vec<(String, String)> = e
            .network_interfaces
            .as_ref()
            .unwrap()
            .iter()
            .map(|n| (n.subnet_id.clone(), n.private_ip_address.to_string()))
            .collect();
        // The kept subnet keeps its address; the new one gets the next free one.
        assert_eq!(
            nics,
            vec![
                (SUBNET_B.to_string(), "127.0.1.2".to_string()),
                (
                    "subnet-0a1b2c3d4e5f60009".to_string(),
                    "127.0.1.3".to_string()
                )
            ]
        );

        let h = post(&new_state, &format!("Action=ModifyVpcEndpoint&VpcEndpointId={VPCE}&ResetPolicy=true&RemoveSecurityGroupId.1={DEFAULT_SG}"));
        let e = &h.new_state.unwrap().vpc_endpoints[0];
        assert_eq!(e.policy_document, None);
        assert_eq!(e.security_group_ids.as_deref(), Some(&[][..]));

        let h = post(&s, &format!("Action=ModifyVpcEndpoint&VpcEndpointId={VPCE}&AddSubnetId.1={SUBNET_B}&AddSubnetId.2=subnet-0000000000000000f"));
        assert_error(
            &h,
            400,
            "InvalidSubnetID.NotFound",
            "The subnet ID &apos;subnet-0000000000000000f&apos; does not exist",
        );
        let h = post(
            &s,
            "Action=ModifyVpcEndpoint&VpcEndpointId=vpce-0000000000000000f&PrivateDnsEnabled=true",
        );
        assert_error(
            &h,
            400,
            "InvalidVpcEndpointId.NotFound",
            "The Vpc Endpoint Id &apos;vpce-0000000000000000f&apos; does not exist",
        );
    }

    #[test]
    fn delete_vpc_endpoints_reports_unknown_ids_and_unlinks_apis() {
        let s = state();
        let h = post(&s, &format!("Action=DeleteVpcEndpoints&VpcEndpointId.1={VPCE}&VpcEndpointId.2=vpce-0000000000000000f"));
        assert_eq!(
            body(&h),
            ok("DeleteVpcEndpoints", "<unsuccessful><item><error><code>InvalidVpcEndpoint.NotFound</code><message>The Vpc Endpoint Id &apos;vpce-0000000000000000f&apos; does not exist</message></error><resourceId>vpce-0000000000000000f</resourceId></item></unsuccessful>")
        );
        let new_state = h.new_state.unwrap();
        assert!(new_state.vpc_endpoints.is_empty());
        assert!(new_state.rest_apis[0]
            .endpoint_configuration
            .vpc_endpoint_ids
            .is_empty());

        let h = post(
            &new_state,
            &format!("Action=DeleteVpcEndpoints&VpcEndpointId.1={VPCE}"),
        );
        assert!(h.new_state.is_none());
        assert!(body(&h).contains("<unsuccessful><item>"));
        let h = post(
            &s,
            &format!("Action=DeleteVpcEndpoints&VpcEndpointId.1={VPCE}&VpcEndpointId.2=x"),
        );
        assert!(h.new_state.is_some());
        let h = post(&new_state, "Action=DeleteVpcEndpoints");
        assert_error(
            &h,
            400,
            "MissingParameter",
            "The request must contain the parameter VpcEndpointId",
        );
    }

    #[test]
    fn derived_values_have_aws_shapes() {
        assert_eq!(availability_zone_id("us-east-1", "us-east-1a"), "use1-az1");
        assert_eq!(
            availability_zone_id("ap-southeast-2", "ap-southeast-2b"),
            "apse2-az2"
        );
        assert_eq!(
            availability_zone_id("eu-central-1", "eu-central-1c"),
            "euc1-az3"
        );
        assert_eq!(vpce_hosted_zone_id("eu-west-1"), "Z38GZ743OKFT7T");
        assert_eq!(vpce_hosted_zone_id("xx-nowhere-9").len(), 21);
        assert!(crate::names::is_resource_id(&derived_id("eni", "x"), "eni"));
        assert!(glob_match("vpc-*", "vpc-123"));
        assert!(glob_match("us-east-1?", "us-east-1b"));
        assert!(!glob_match("us-east-1?", "us-east-1"));
    }
}
