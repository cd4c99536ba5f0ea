//! `/console`: everything the served topology holds, one table per kind of thing, in the order
//! a request meets them (network, endpoint, API).

use std::fmt::Write as _;

use super::html::{self, escape, Nav};
use crate::controlplane::ControlResponse;
use crate::model::network::{IngressRule, RuleProtocol};
use crate::model::topology::Topology;
use iam_policy::Policy;

pub(super) fn page(topology: &Topology) -> ControlResponse {
    html::response(
        200,
        html::page("Overview", Nav::Overview, None, &body(topology)),
    )
}

fn body(t: &Topology) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<p id=\"scenario\" class=\"muted\">Region <code data-region>{}</code> · account <code data-account>{}</code> · scenario {}</p>",
        escape(&t.region.name),
        escape(&t.account_id),
        escape(&t.origin.to_string())
    );
    vpcs(t, &mut out);
    security_groups(t, &mut out);
    vpc_endpoints(t, &mut out);
    rest_apis(t, &mut out);
    client_networks(t, &mut out);
    if !t.warnings.is_empty() {
        out.push_str("<section><h2>Accepted but not emulated</h2><ul id=\"warnings\">");
        for w in &t.warnings {
            let _ = write!(out, "<li>{}</li>", escape(&w.to_string()));
        }
        out.push_str("</ul></section>");
    }
    out
}

fn none_row(out: &mut String, columns: usize, text: &str) {
    let _ = write!(
        out,
        "<tr><td colspan=\"{columns}\" class=\"muted\">{}</td></tr>",
        escape(text)
    );
}

fn vpcs(t: &Topology, out: &mut String) {
    out.push_str("<section><h2>VPCs</h2><table id=\"vpcs\"><thead><tr><th>VPC</th><th>CIDR</th><th>Subnets</th></tr></thead><tbody>");
    if t.vpcs.is_empty() {
        none_row(out, 3, "No VPCs.");
    }
    for vpc in &t.vpcs {
        let _ = write!(
            out,
            "<tr data-vpc-id=\"{id}\"><td><code>{id}</code></td><td><code>{}</code></td><td><ul>",
            escape(&vpc.cidr.to_string()),
            id = escape(&vpc.id)
        );
        for s in &vpc.subnets {
            let _ = write!(
                out,
                "<li data-subnet-id=\"{id}\"><code>{id}</code> {} <code>{}</code></li>",
                escape(&s.availability_zone),
                escape(&s.cidr.to_string()),
                id = escape(&s.id)
            );
        }
        out.push_str("</ul></td></tr>");
    }
    out.push_str("</tbody></table></section>");
}

fn rule_text(rule: &IngressRule) -> String {
    let protocol = match rule.protocol {
        RuleProtocol::All => "all traffic",
        RuleProtocol::Tcp => "tcp",
        RuleProtocol::Other => "other protocol",
    };
    let ports = match (rule.protocol, rule.ports) {
        (RuleProtocol::All, _) | (_, None) => String::new(),
        (_, Some((a, b))) if a == b => format!("/{a}"),
        (_, Some((a, b))) => format!("/{a}-{b}"),
    };
    let sources: Vec<String> = rule
        .ranges
        .iter()
        .map(ToString::to_string)
        .chain(rule.source_groups.iter().cloned())
        .collect();
    format!(
        "{protocol}{ports} from {}",
        if sources.is_empty() {
            "nowhere".to_string()
        } else {
            sources.join(", ")
        }
    )
}

fn security_groups(t: &Topology, out: &mut String) {
    out.push_str("<section><h2>Security groups</h2><table id=\"security-groups\"><thead><tr><th>Group</th><th>Name</th><th>VPC</th><th>Inbound rules</th></tr></thead><tbody>");
    if t.security_groups.is_empty() {
        none_row(out, 4, "No security groups.");
    }
    for g in t.security_groups.values() {
        let _ = write!(
            out,
            "<tr data-security-group-id=\"{id}\"><td><code>{id}</code></td><td>{}</td><td><code>{}</code></td><td><ul>",
            escape(g.name.as_deref().unwrap_or("")),
            escape(&g.vpc_id),
            id = escape(&g.id)
        );
        if g.rules.is_empty() {
            out.push_str("<li class=\"muted\">none: every connection is dropped</li>");
        }
        for r in &g.rules {
            let _ = write!(out, "<li class=\"rule\">{}</li>", escape(&rule_text(r)));
        }
        out.push_str("</ul></td></tr>");
    }
    out.push_str("</tbody></table></section>");
}

fn policy_block(policy: &Policy, class: &str, extra_attributes: &str) -> String {
    let text = serde_json::to_string_pretty(&policy.normalized())
        .unwrap_or_else(|e| format!("(cannot print the policy: {e})"));
    format!(
        "<pre class=\"{class}\"{extra_attributes}>{}</pre>",
        escape(&text)
    )
}

fn vpc_endpoints(t: &Topology, out: &mut String) {
    out.push_str("<section><h2>VPC endpoints</h2><table id=\"vpc-endpoints\"><thead><tr><th>Endpoint</th><th>VPC</th><th>Subnets and addresses</th><th>Security groups</th><th>Private DNS</th><th>DNS names</th></tr></thead><tbody>");
    if t.vpc_endpoints.is_empty() {
        none_row(out, 6, "No VPC endpoints.");
    }
    for e in &t.vpc_endpoints {
        let id = escape(&e.id);
        let _ = write!(
            out,
            "<tr data-vpc-endpoint-id=\"{id}\"><td><code>{id}</code><div class=\"muted\">{} · {}</div></td><td><code>{}</code></td><td><ul>",
            escape(&e.service_name),
            escape(e.ip_address_type.as_str()),
            escape(&e.vpc_id)
        );
        for n in &e.network_interfaces {
            let addresses: Vec<String> = n.addresses().map(|a| a.to_string()).collect();
            let _ = write!(
                out,
                "<li data-subnet-id=\"{sid}\"><code>{sid}</code> ({}): <code class=\"address\">{}</code></li>",
                escape(&n.availability_zone),
                escape(&addresses.join(", ")),
                sid = escape(&n.subnet_id)
            );
        }
        out.push_str("</ul></td><td><ul>");
        match &e.security_groups {
            None => out.push_str("<li class=\"muted\">none: nothing is filtered</li>"),
            Some(groups) => {
                for g in groups {
                    let _ = write!(out, "<li><code>{}</code></li>", escape(&g.id));
                }
            }
        }
        let _ = write!(
            out,
            "</ul></td><td data-private-dns=\"{on}\" class=\"{on}\">{on}</td><td><ul class=\"dns-entries\">",
            on = if e.private_dns_enabled { "on" } else { "off" }
        );
        for d in &e.dns_entries {
            let addresses: Vec<String> = d.addresses.iter().map(|a| a.to_string()).collect();
            let _ = write!(
                out,
                "<li data-dns-name=\"{name}\"><code>{name}</code> → <code class=\"address\">{}</code></li>",
                escape(&addresses.join(", ")),
                name = escape(&d.dns_name)
            );
        }
        let _ = write!(
            out,
            "</ul><details><summary>Endpoint policy</summary>{}</details></td></tr>",
            policy_block(&e.policy, "policy endpoint-policy", "")
        );
    }
    out.push_str("</tbody></table></section>");
}

fn rest_apis(t: &Topology, out: &mut String) {
    out.push_str("<section id=\"rest-apis\"><h2>REST APIs</h2>");
    if t.rest_apis.is_empty() {
        out.push_str("<p class=\"muted\">No REST APIs.</p>");
    }
    for api in t.rest_apis.values() {
        let id = escape(&api.id);
        let _ = write!(
            out,
            "<div class=\"rest-api\" data-rest-api-id=\"{id}\"><h3><code>{id}</code> {}</h3><dl><dt>Endpoint type</dt><dd data-endpoint-type>{}</dd><dt>Associated endpoints</dt><dd>",
            escape(&api.name),
            api.endpoint_type.as_str()
        );
        if api.vpc_endpoint_ids.is_empty() {
            out.push_str(
                "<span class=\"muted\">none (reached with x-apigw-api-id or its own name)</span>",
            );
        } else {
            let ids: Vec<String> = api
                .vpc_endpoint_ids
                .iter()
                .map(|v| format!("<code>{}</code>", escape(v)))
                .collect();
            out.push_str(&ids.join(", "));
        }
        let _ = write!(
            out,
            "</dd><dt>ARN</dt><dd><code>{}</code></dd></dl>",
            escape(&api.arn)
        );
        let _ = write!(
            out,
            "<table class=\"stages\" id=\"stages-{id}\"><thead><tr><th>Stage</th><th>Deployment</th><th>Methods</th><th>Resource policy in force</th></tr></thead><tbody>"
        );
        if api.stages.is_empty() {
            none_row(out, 4, "No stages: nothing is deployed.");
        }
        for stage in api.stages.values() {
            let name = escape(&stage.name);
            let _ = write!(
                out,
                "<tr data-stage=\"{name}\"><td><code>{name}</code></td><td><code data-deployment-id>{}</code></td><td><ul>",
                escape(&stage.deployment.id)
            );
            for resource in stage.deployment.definition.resources() {
                for (method, _) in resource.methods() {
                    let _ = write!(
                        out,
                        "<li><code>{} {}</code></li>",
                        escape(method),
                        escape(&resource.path)
                    );
                }
            }
            out.push_str("</ul></td><td>");
            match &stage.deployment.policy {
                Some(policy) => out.push_str(&policy_block(
                    policy,
                    "policy resource-policy",
                    &format!(" data-stage=\"{name}\""),
                )),
                None => out.push_str("<span class=\"muted\">none</span>"),
            }
            out.push_str("</td></tr>");
        }
        out.push_str("</tbody></table></div>");
    }
    out.push_str("</section>");
}

fn client_networks(t: &Topology, out: &mut String) {
    if t.client_networks.is_empty() {
        return;
    }
    out.push_str("<section><h2>Clients</h2><table id=\"client-networks\"><thead><tr><th>Name</th><th>Source addresses</th><th>Appear as</th><th>VPC</th><th>Security groups</th></tr></thead><tbody>");
    for n in &t.client_networks {
        let _ = write!(
            out,
            "<tr><td>{}</td><td><code>{}</code></td><td><code>{}</code></td><td><code>{}</code></td><td>{}</td></tr>",
            escape(&n.name),
            escape(&n.source.to_string()),
            escape(&n.appears_as.map(|a| a.to_string()).unwrap_or_else(|| "as seen".into())),
            escape(n.vpc_id.as_deref().unwrap_or("on premises")),
            escape(&n.security_group_ids.join(", "))
        );
    }
    out.push_str("</tbody></table></section>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;

    fn seed_html() -> String {
        let topology = Topology::from_config(&Config::seed()).expect("the seed is valid");
        let r = page(&topology);
        assert_eq!(r.status, 200);
        String::from_utf8(r.body).expect("UTF-8")
    }

    #[test]
    fn shows_the_seed_endpoint_with_its_dns_names_and_addresses() {
        let html = seed_html();
        assert!(html.contains("<table id=\"vpc-endpoints\">"));
        assert!(html.contains("<tr data-vpc-endpoint-id=\"vpce-01234567890abcdef\">"));
        let regional = html
            .split("<li data-dns-name=\"vpce-01234567890abcdef-")
            .nth(1)
            .expect("a DNS entry of the endpoint");
        assert!(
            regional.contains(".execute-api.us-east-1.vpce.amazonaws.com</code> → <code class=\"address\">127.0.1.1, 127.0.1.2</code>"),
            "{regional}"
        );
        assert!(html.contains("<td data-private-dns=\""));
    }

    #[test]
    fn shows_the_seed_api_its_stage_deployment_and_policy() {
        let html = seed_html();
        assert!(html.contains("<div class=\"rest-api\" data-rest-api-id=\"chw1a2q2xk\">"));
        assert!(html.contains("<dd data-endpoint-type>PRIVATE</dd>"));
        assert!(html.contains(
            "<tr data-stage=\"test\"><td><code>test</code></td><td><code data-deployment-id>"
        ));
        let policy = html
            .split("<pre class=\"policy resource-policy\" data-stage=\"test\">")
            .nth(1)
            .and_then(|p| p.split("</pre>").next())
            .expect("the test stage's policy");
        // The seed spells the key as AWS's walkthrough does; condition keys are case-insensitive.
        assert!(
            policy.contains("&quot;aws:sourceVpce&quot;: &quot;vpce-01234567890abcdef&quot;"),
            "{policy}"
        );
        assert!(
            policy.contains("&quot;Effect&quot;: &quot;Allow&quot;"),
            "{policy}"
        );
    }

    #[test]
    fn shows_vpcs_subnets_and_security_group_rules() {
        let html = seed_html();
        assert!(html.contains("<table id=\"vpcs\">"));
        assert!(html.contains("<tr data-vpc-id=\"vpc-"));
        assert!(html.contains("<li data-subnet-id=\"subnet-"));
        assert!(html.contains("<table id=\"security-groups\">"));
        assert!(html.contains("<li class=\"rule\">tcp/443 from "), "{html}");
    }
}
