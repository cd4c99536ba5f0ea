//! Templates to scenarios: a full private-API stack validates, intrinsics are refused or
//! filled in at their place.

use std::collections::BTreeMap;

use serde_json::json;

use super::physical::Physical;
use super::template::Converter;
use super::{scenario_from_str, TemplateOptions};
use crate::scenario::config::ConfigOrigin;
use crate::scenario::document;

const TEMPLATE: &str = r#"
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Stage: {Type: String, Default: test}
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 172.31.0.0/16}
  SubnetA:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 172.31.0.0/20, AvailabilityZone: !Select [0, !GetAZs ""]}
  EndpointSg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: https
      VpcId: !Ref Vpc
      SecurityGroupIngress: [{IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: !GetAtt Vpc.CidrBlock}]
  Endpoint:
    Type: AWS::EC2::VPCEndpoint
    Properties:
      ServiceName: !Sub com.amazonaws.${AWS::Region}.execute-api
      VpcEndpointType: Interface
      VpcId: !Ref Vpc
      SubnetIds: [!Ref SubnetA]
      SecurityGroupIds: [!Ref EndpointSg]
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: orders
      EndpointConfiguration: {Types: [PRIVATE], VpcEndpointIds: [!Ref Endpoint]}
      Policy:
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Principal: "*", Action: execute-api:Invoke, Resource: execute-api:/*}
          - Effect: Deny
            Principal: "*"
            Action: execute-api:Invoke
            Resource: execute-api:/*
            Condition: {StringNotEquals: {aws:SourceVpce: !Ref Endpoint}}
  Orders:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: orders}
  GetOrders:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Orders
      HttpMethod: GET
      AuthorizationType: NONE
      Integration:
        Type: MOCK
        RequestTemplates: {application/json: '{"statusCode": 200}'}
        IntegrationResponses: [{StatusCode: 200, ResponseTemplates: {application/json: '[]'}}]
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: GetOrders
    Properties: {RestApiId: !Ref Api, StageName: !Ref Stage}
  Fn:
    Type: AWS::Lambda::Function
    Properties: {FunctionName: orders-fn, Runtime: python3.12, Handler: x.h, Code: {ZipFile: x}, Role: r}
  Bucket:
    Type: AWS::S3::Bucket
"#;

#[test]
fn a_template_becomes_a_scenario_that_validates() {
    let s = scenario_from_str(
        TEMPLATE,
        ConfigOrigin::File("t.yaml".into()),
        "t",
        &TemplateOptions::default(),
    )
    .unwrap();
    let topology = crate::Topology::from_config(&s.config).unwrap();
    let api = topology.rest_apis.values().next().unwrap();
    assert_eq!(api.name, "orders");
    assert!(api.stages.contains_key("test"));
    let stage = &api.stages["test"];
    assert!(stage
        .deployment
        .definition
        .route("/orders", "GET")
        .is_some());
    assert_eq!(topology.vpc_endpoints.len(), 1);
    assert_eq!(
        api.vpc_endpoint_ids,
        vec![topology.vpc_endpoints[0].id.clone()]
    );
    let warned: Vec<_> = s.warnings.iter().map(|w| w.path.as_str()).collect();
    assert_eq!(warned, ["$.Resources.Fn", "$.Resources.Bucket"]);
    // Ids are stable from one run to the next.
    let again = scenario_from_str(
        TEMPLATE,
        ConfigOrigin::Inline,
        "t",
        &TemplateOptions::default(),
    )
    .unwrap();
    assert_eq!(again.config.rest_apis[0].id, s.config.rest_apis[0].id);
}

#[test]
fn unsupported_intrinsics_name_their_place() {
    let t = TEMPLATE.replace(
        "CidrBlock: 172.31.0.0/16",
        "CidrBlock: !ImportValue shared-cidr",
    );
    let e =
        scenario_from_str(&t, ConfigOrigin::Inline, "t", &TemplateOptions::default()).unwrap_err();
    assert_eq!(
        e.path,
        "$.Resources.Vpc.Properties.CidrBlock['Fn::ImportValue']"
    );
    assert!(e.message.contains("not supported"), "{e}");
    let t = TEMPLATE.replace("!Ref Stage", "!Ref Nope");
    let e =
        scenario_from_str(&t, ConfigOrigin::Inline, "t", &TemplateOptions::default()).unwrap_err();
    assert!(e.message.contains("Nope"), "{e}");
}

#[test]
fn sub_fills_names_attributes_and_keeps_escapes() {
    let t = "Resources:\n  Fn: {Type: AWS::Lambda::Function, Properties: {FunctionName: f}}\n";
    let template = document::parse(t).unwrap();
    let resources = template["Resources"].as_object().unwrap();
    let c = Converter {
        resources,
        parameters: BTreeMap::new(),
        physical: BTreeMap::from([(
            "Fn".to_string(),
            Physical {
                kind: "AWS::Lambda::Function".into(),
                id: "f".into(),
            },
        )]),
        region: "eu-west-1".into(),
        account_id: "111122223333".into(),
        stack_name: "s".into(),
        warnings: Vec::new(),
        aliases: Vec::new(),
    };
    let v = c
        .sub(&json!("arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations ${!stageVariables.x}"), "$")
        .unwrap();
    assert_eq!(
        v,
        json!("arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:111122223333:function:f/invocations ${stageVariables.x}")
    );
}

#[test]
fn a_property_of_the_wrong_type_names_its_place() {
    let t = TEMPLATE.replace("CidrBlock: 172.31.0.0/16", "CidrBlock: 5");
    let e =
        scenario_from_str(&t, ConfigOrigin::Inline, "t", &TemplateOptions::default()).unwrap_err();
    assert_eq!(e.path, "$.Resources.Vpc.Properties.CidrBlock");
    assert_eq!(e.message, "invalid type: integer `5`, expected a string");
    let t = TEMPLATE.replace("FromPort: 443", "FromPort: 3000000000");
    let e =
        scenario_from_str(&t, ConfigOrigin::Inline, "t", &TemplateOptions::default()).unwrap_err();
    assert_eq!(
        e.path,
        "$.Resources.EndpointSg.Properties.SecurityGroupIngress[0].FromPort"
    );
}
