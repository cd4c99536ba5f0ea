//! The EC2 handlers, end to end through `handle`: exact XML bodies, status codes and the
//! edited scenarios.

use super::derived::{availability_zone_id, vpce_hosted_zone_id};
use super::describe::glob_match;
use super::params::parse_form;
use super::rules::{Rule, Source};
use super::*;
use crate::aws::ids;
use crate::controlplane::{validate, ControlRequest};
use crate::scenario::config::{ConfigOrigin, SubnetConfig, TagConfig};

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
    assert!(h.change.is_none());
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

/// `Action=DescribeVpcs` and then `filters` tag filters of one value each.
fn describe_vpcs_with_filters(filters: usize) -> String {
    let mut body = String::from("Action=DescribeVpcs");
    for n in 1..=filters {
        body.push_str(&format!("&Filter.{n}.Name=tag:k{n}&Filter.{n}.Value.1=v"));
    }
    body
}

#[test]
fn a_call_with_too_many_parameters_is_refused_at_once() {
    // 100 001 parameters in about 2 MB: reading them took seconds when every lookup scanned
    // them all; now the count refuses the call before anything is decoded.
    let h = post(&state(), &describe_vpcs_with_filters(50_000));
    assert_error(
        &h,
        400,
        "InvalidQueryParameter",
        "The request has more than 10000 parameters.",
    );
    // At the limit the call is read and answered (no VPC has these tags).
    let h = post(&state(), &describe_vpcs_with_filters(4_999));
    assert_eq!(h.response.status, 200, "{}", body(&h));
    assert_eq!(body(&h), ok("DescribeVpcs", "<vpcSet/>"));
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
    assert!(crate::aws::names::is_resource_id(&id, "vpc"), "{id}");
    let assoc = ids::derived_ec2_id("vpc-cidr-assoc", &id);
    let dopt = ids::derived_ec2_id("dopt", "123456789012");
    assert_eq!(
        text,
        ok(
            "CreateVpc",
            &format!("<vpc><vpcId>{id}</vpcId><ownerId>123456789012</ownerId><instanceTenancy>default</instanceTenancy><ipv6CidrBlockAssociationSet/><cidrBlockAssociationSet><item><associationId>{assoc}</associationId><cidrBlock>10.1.0.0/16</cidrBlock><cidrBlockState><state>associated</state></cidrBlockState></item></cidrBlockAssociationSet><isDefault>false</isDefault><tagSet><item><key>Name</key><value>second</value></item></tagSet><state>pending</state><cidrBlock>10.1.0.0/16</cidrBlock><dhcpOptionsId>{dopt}</dhcpOptionsId></vpc>")
        )
    );
    let new_state = h.change.unwrap().state;
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
    assert_error(
        &h,
        400,
        "InvalidParameterValue",
        "Value (10.0.0.1/16) for parameter cidrBlock is invalid. This is not a valid CIDR block.",
    );
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
    let s = created.change.unwrap().state;
    let h = post(&s, &format!("Action=DeleteVpc&VpcId={id}"));
    assert_eq!(body(&h), ok("DeleteVpc", "<return>true</return>"));
    let s = h.change.unwrap().state;
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
    assert_eq!(h.change.unwrap().state.vpcs[0].subnets.len(), 3);

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
        &format!(
            "Action=CreateSecurityGroup&GroupName=endpoint&GroupDescription=HTTPS+in&VpcId={VPC}"
        ),
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
    let s = h.change.unwrap().state;
    let dup = post(
        &s,
        &format!("Action=CreateSecurityGroup&GroupName=endpoint&GroupDescription=x&VpcId={VPC}"),
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
    let s = h.change.unwrap().state;
    let g = s.security_groups.iter().find(|g| g.group_id == sg).unwrap();
    assert_eq!(g.ip_permissions.len(), 1);
    assert_eq!(
        g.ip_permissions[0].ip_ranges[0].description.as_deref(),
        Some("on premises")
    );

    // The legacy flat form, and a duplicate.
    let h = post(&s, &format!("Action=AuthorizeSecurityGroupIngress&GroupId={sg}&IpProtocol=tcp&FromPort=443&ToPort=443&CidrIp=10.20.0.0/16"));
    assert_error(&h, 400, "InvalidPermission.Duplicate", "the specified rule &quot;peer: 10.20.0.0/16, TCP, from port: 443, to port: 443, ALLOW&quot; already exists");
    let h = post(
        &s,
        &format!(
            "Action=AuthorizeSecurityGroupIngress&GroupId={sg}&IpProtocol=tcp&CidrIp=10.30.0.0/16"
        ),
    );
    assert_error(
        &h,
        400,
        "InvalidParameterValue",
        "Invalid value &apos;Must specify both from and to ports with TCP/UDP.&apos; for portRange",
    );
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
    let s2 = h.change.unwrap().state;
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
    let s3 = h.change.unwrap().state;
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
    let eni_a = ids::derived_ec2_id("eni", &format!("{id}|{SUBNET_A}"));
    let eni_b = ids::derived_ec2_id("eni", &format!("{id}|{SUBNET_B}"));
    format!("<vpcEndpointId>{id}</vpcEndpointId><vpcEndpointType>Interface</vpcEndpointType><vpcId>{VPC}</vpcId><serviceName>com.amazonaws.us-east-1.execute-api</serviceName><state>{state_word}</state><policyDocument>{{&quot;Statement&quot;:[{{&quot;Action&quot;:&quot;*&quot;,&quot;Effect&quot;:&quot;Allow&quot;,&quot;Principal&quot;:&quot;*&quot;,&quot;Resource&quot;:&quot;*&quot;}}]}}</policyDocument><routeTableIdSet/><subnetIdSet><item>{SUBNET_A}</item><item>{SUBNET_B}</item></subnetIdSet><groupSet><item><groupId>{DEFAULT_SG}</groupId><groupName>default</groupName></item></groupSet><ipAddressType>ipv4</ipAddressType><dnsOptions><dnsRecordIpType>ipv4</dnsRecordIpType></dnsOptions><networkInterfaceIdSet><item>{eni_a}</item><item>{eni_b}</item></networkInterfaceIdSet><dnsEntrySet><item><dnsName>{id}-{suffix}.execute-api.us-east-1.vpce.amazonaws.com</dnsName><hostedZoneId>Z7HUB22UULQXV</hostedZoneId></item><item><dnsName>{id}-{suffix}-us-east-1a.execute-api.us-east-1.vpce.amazonaws.com</dnsName><hostedZoneId>Z7HUB22UULQXV</hostedZoneId></item><item><dnsName>{id}-{suffix}-us-east-1b.execute-api.us-east-1.vpce.amazonaws.com</dnsName><hostedZoneId>Z7HUB22UULQXV</hostedZoneId></item>{rest}"
    )
}

#[test]
fn describe_vpc_endpoints_shows_dns_entries_in_aws_order() {
    let s = state();
    let h = post(&s, "Action=DescribeVpcEndpoints&Filter.1.Name=service-name&Filter.1.Value.1=com.amazonaws.us-east-1.execute-api");
    let zone = ids::hosted_zone_id(&format!("private-zone|{VPCE}"));
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
    let suffix = crate::aws::names::endpoint_dns_suffix(&id);
    let zone = ids::hosted_zone_id(&format!("private-zone|{id}"));
    let head = endpoint_xml(&id, "pending", &suffix, "");
    let expected = ok(
        "CreateVpcEndpoint",
        &format!("<vpcEndpoint>{}<item><dnsName>execute-api.us-east-1.amazonaws.com</dnsName><hostedZoneId>{zone}</hostedZoneId></item><item><dnsName>*.execute-api.us-east-1.amazonaws.com</dnsName><hostedZoneId>{zone}</hostedZoneId></item></dnsEntrySet><creationTimestamp>2024-05-01T12:00:00.123Z</creationTimestamp><tagSet/><ownerId>123456789012</ownerId></vpcEndpoint><clientToken>tok-1</clientToken>",
            head.replace("</dnsOptions>", "</dnsOptions><privateDnsEnabled>true</privateDnsEnabled><requesterManaged>false</requesterManaged>"))
    );
    assert_eq!(text, expected);
    let new_state = h.change.unwrap().state;
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
    let after = h.change.unwrap().state;
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
    assert_error(
        &h,
        400,
        "InvalidServiceName",
        "The Vpc Endpoint Service &apos;com.amazonaws.us-west-2.execute-api&apos; does not exist",
    );
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
    let new_state = h.change.unwrap().state;
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
    let e = &h.change.unwrap().state.vpc_endpoints[0];
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
    let new_state = h.change.unwrap().state;
    assert!(new_state.vpc_endpoints.is_empty());
    assert!(new_state.rest_apis[0]
        .endpoint_configuration
        .vpc_endpoint_ids
        .is_empty());

    let h = post(
        &new_state,
        &format!("Action=DeleteVpcEndpoints&VpcEndpointId.1={VPCE}"),
    );
    assert!(h.change.is_none());
    assert!(body(&h).contains("<unsuccessful><item>"));
    let h = post(
        &s,
        &format!("Action=DeleteVpcEndpoints&VpcEndpointId.1={VPCE}&VpcEndpointId.2=x"),
    );
    assert!(h.change.is_some());
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
    assert!(crate::aws::names::is_resource_id(
        &ids::derived_ec2_id("eni", "x"),
        "eni"
    ));
    assert!(glob_match("vpc-*", "vpc-123"));
    assert!(glob_match("us-east-1?", "us-east-1b"));
    assert!(!glob_match("us-east-1?", "us-east-1"));
}
