use super::*;
use serde_json::json;

const HOST: &str = "chw1a2q2xk.execute-api.us-east-1.amazonaws.com";
const VERSION: &str = "2026-11-25T10:00:00Z";

fn petstore() -> Value {
    let region = crate::aws::names::Region::parse("us-east-1").unwrap();
    let text = crate::scenario::examples::example_document("PetStore", &region).unwrap();
    crate::scenario::document::parse(&text).unwrap()
}

fn export(doc: &Value, export_type: &str, extensions: &[&str]) -> Value {
    export_document_versioned(
        doc,
        export_type,
        extensions,
        "PetStore",
        HOST,
        "test",
        VERSION,
    )
    .unwrap()
}

/// The keys of an object, in order.
fn keys_of(value: &Value) -> Vec<String> {
    value.as_object().unwrap().keys().cloned().collect()
}

/// Every key anywhere in the tree that starts with `x-`.
fn vendor_keys(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k.starts_with("x-") {
                    out.push(k.clone());
                }
                vendor_keys(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| vendor_keys(v, out)),
        _ => {}
    }
}

#[test]
fn the_example_api_exports_as_aws_writes_oas30() {
    let out = export(&petstore(), "oas30", &["integrations"]);
    let keys = keys_of(&out);
    assert_eq!(keys, ["openapi", "info", "servers", "paths", "components"]);
    assert_eq!(out["openapi"], "3.0.1");
    assert_eq!(
        out["info"],
        json!({"title": "PetStore",
               "description": "Your first API with Amazon API Gateway. This is a sample API that integrates via HTTP with our demo Pet Store endpoints",
               "version": VERSION})
    );
    assert_eq!(
        out["servers"],
        json!([{"url": "https://chw1a2q2xk.execute-api.us-east-1.amazonaws.com/{basePath}",
                "variables": {"basePath": {"default": "test"}}}])
    );
    let get_pets = &out["paths"]["/pets"]["get"];
    assert_eq!(
        get_pets["parameters"],
        json!([
            {"name": "type", "in": "query", "description": "The type of pet to retrieve", "schema": {"type": "string"}},
            {"name": "page", "in": "query", "description": "Page number of results to return.", "schema": {"type": "string"}}
        ])
    );
    assert_eq!(
        get_pets["responses"],
        json!({"200": {"description": "Successful operation",
            "headers": {"Access-Control-Allow-Origin": {"schema": {"type": "string"}}},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pets"}}}}})
    );
    assert_eq!(
        get_pets["x-amazon-apigateway-integration"]["uri"],
        "http://petstore.execute-api.us-east-1.amazonaws.com/petstore/pets"
    );
    let post = &out["paths"]["/pets"]["post"];
    let post_keys = keys_of(post);
    assert_eq!(
        post_keys,
        [
            "tags",
            "summary",
            "operationId",
            "requestBody",
            "responses",
            "x-amazon-apigateway-integration"
        ]
    );
    assert_eq!(
        post["requestBody"],
        json!({"content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewPet"}}},
               "required": true})
    );
    // No model: AWS writes an empty content map.
    assert_eq!(
        out["paths"]["/"]["get"]["responses"]["200"],
        json!({"description": "Successful operation",
               "headers": {"Content-Type": {"description": "Media type of request", "schema": {"type": "string"}}},
               "content": {}})
    );
    assert_eq!(
        out["paths"]["/pets/{petId}"]["get"]["parameters"],
        json!([{"name": "petId", "in": "path", "description": "The id of the pet to retrieve",
                "required": true, "schema": {"type": "string"}}])
    );
    assert_eq!(
        out["components"]["schemas"]["NewPet"],
        json!({"type": "object", "properties": {
            "type": {"$ref": "#/components/schemas/PetType"}, "price": {"type": "number"}}})
    );
}

#[test]
fn the_example_api_exports_as_aws_writes_swagger() {
    let out = export(&petstore(), "swagger", &[]);
    let keys = keys_of(&out);
    assert_eq!(
        keys,
        [
            "swagger",
            "info",
            "host",
            "basePath",
            "schemes",
            "paths",
            "definitions"
        ]
    );
    assert_eq!(out["host"], HOST);
    assert_eq!(out["basePath"], "/test");
    assert_eq!(out["schemes"], json!(["https"]));
    let info_keys = keys_of(&out["info"]);
    assert_eq!(info_keys, ["description", "version", "title"]);
    let post = &out["paths"]["/pets"]["post"];
    let post_keys = keys_of(post);
    assert_eq!(
        post_keys,
        [
            "tags",
            "summary",
            "operationId",
            "consumes",
            "produces",
            "parameters",
            "responses"
        ]
    );
    let mut found = Vec::new();
    vendor_keys(&out, &mut found);
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn swagger_to_oas30_and_back_keeps_the_api() {
    let original = export(&petstore(), "swagger", &["apigateway"]);
    let oas30 = export(&petstore(), "oas30", &["apigateway"]);
    let back = export(&oas30, "swagger", &["apigateway"]);
    assert_eq!(back["definitions"], original["definitions"]);
    for (path, method) in [
        ("/pets", "get"),
        ("/pets", "post"),
        ("/pets", "options"),
        ("/pets/{petId}", "get"),
        ("/pets/{petId}", "options"),
    ] {
        let mut expected = original["paths"][path][method].clone();
        let got = &back["paths"][path][method];
        // A request without a body, or responses without a model, have no media type in
        // OpenAPI 3 (AWS's exports lose them the same way).
        for list in ["consumes", "produces"] {
            if got.get(list).is_none() {
                expected.as_object_mut().unwrap().remove(list);
            }
        }
        assert_eq!(got, &expected, "{method} {path}");
    }
    // OpenAPI 3 to Swagger to OpenAPI 3 is a fixed point.
    assert_eq!(export(&back, "oas30", &["apigateway"]), oas30);
}

#[test]
fn refs_are_rewritten_both_ways_and_shared_sections_inlined() {
    let doc = json!({
        "openapi": "3.0.1",
        "info": {"title": "t", "version": "1"},
        "paths": {"/items/{id}": {
            "parameters": [{"$ref": "#/components/parameters/Id"}],
            "put": {
                "requestBody": {"$ref": "#/components/requestBodies/Item"},
                "responses": {"200": {"$ref": "#/components/responses/Items"}}
            }
        }},
        "components": {
            "schemas": {
                "Item": {"type": "object", "properties": {"tags": {"type": "array", "items": {"$ref": "#/components/schemas/Tag"}}}},
                "Tag": {"type": "string"},
                "Items": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}
            },
            "parameters": {"Id": {"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "format": "int64"}}},
            "requestBodies": {"Item": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}}},
            "responses": {"Items": {"description": "the items", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Items"}}}}}
        }
    });
    let swagger = export(&doc, "swagger", &[]);
    assert_eq!(
        swagger["paths"],
        json!({"/items/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": true, "type": "integer", "format": "int64"}],
            "put": {
                "consumes": ["application/json"],
                "produces": ["application/json"],
                "parameters": [{"in": "body", "name": "Item", "required": true, "schema": {"$ref": "#/definitions/Item"}}],
                "responses": {"200": {"description": "the items", "schema": {"$ref": "#/definitions/Items"}}}
            }
        }})
    );
    assert_eq!(
        swagger["definitions"]["Item"]["properties"]["tags"]["items"],
        json!({"$ref": "#/definitions/Tag"})
    );
    assert_eq!(
        swagger["definitions"]["Items"]["items"],
        json!({"$ref": "#/definitions/Item"})
    );
    let oas30 = export(&swagger, "oas30", &[]);
    assert_eq!(
        oas30["paths"]["/items/{id}"]["put"]["requestBody"],
        json!({"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}, "required": true})
    );
    assert_eq!(oas30["components"]["schemas"], doc["components"]["schemas"]);
}

const WITH_EXTENSIONS: &str = r#"{
  "openapi": "3.0.1",
  "info": {"title": "orders", "version": "7"},
  "x-custom": true,
  "x-amazon-apigateway-policy": "{\"Version\":\"2012-10-17\",\"Statement\":[]}",
  "x-amazon-apigateway-endpoint-configuration": {"vpcEndpointIds": ["vpce-01234567890abcdef"]},
  "x-amazon-apigateway-binary-media-types": ["image/png"],
  "x-amazon-apigateway-request-validators": {"all": {"validateRequestBody": true, "validateRequestParameters": true}},
  "x-amazon-apigateway-gateway-responses": {"DEFAULT_4XX": {"statusCode": 400}},
  "paths": {
    "/orders": {
      "x-amazon-apigateway-any-method": {
        "security": [{"sigv4": []}, {"lambda": []}],
        "x-amazon-apigateway-request-validator": "all",
        "x-internal": "dropped",
        "responses": {"200": {"description": "ok"}},
        "x-amazon-apigateway-integration": {"type": "mock", "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
          "responses": {"default": {"statusCode": "200"}}}
      }
    }
  },
  "components": {"securitySchemes": {
    "sigv4": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"},
    "lambda": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "custom",
      "x-amazon-apigateway-authorizer": {"type": "token", "authorizerUri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations"}}
  }}
}"#;

fn all_vendor_keys(value: &Value) -> Vec<String> {
    let mut found = Vec::new();
    vendor_keys(value, &mut found);
    found.sort();
    found.dedup();
    found
}

#[test]
fn extensions_are_kept_only_when_asked_for() {
    let doc: Value = serde_json::from_str(WITH_EXTENSIONS).unwrap();
    let plain = export(&doc, "oas30", &[]);
    assert_eq!(
        all_vendor_keys(&plain),
        [
            "x-amazon-apigateway-any-method",
            "x-amazon-apigateway-authtype"
        ]
    );
    let integrations = export(&doc, "oas30", &["integrations"]);
    assert_eq!(
        all_vendor_keys(&integrations),
        [
            "x-amazon-apigateway-any-method",
            "x-amazon-apigateway-authtype",
            "x-amazon-apigateway-binary-media-types",
            "x-amazon-apigateway-endpoint-configuration",
            "x-amazon-apigateway-integration",
            "x-amazon-apigateway-policy"
        ]
    );
    // OpenAPI 3 exports carry the endpoint configuration on the server, and the policy as
    // an object.
    assert_eq!(
        integrations["servers"][0]["x-amazon-apigateway-endpoint-configuration"],
        json!({"vpcEndpointIds": ["vpce-01234567890abcdef"]})
    );
    assert_eq!(
        integrations["x-amazon-apigateway-policy"],
        json!({"Version": "2012-10-17", "Statement": []})
    );
    let authorizers = export(&doc, "oas30", &["authorizers"]);
    assert_eq!(
        all_vendor_keys(&authorizers),
        [
            "x-amazon-apigateway-any-method",
            "x-amazon-apigateway-authorizer",
            "x-amazon-apigateway-authtype"
        ]
    );
    // The CLI's comma-separated form, and `apigateway` for everything API Gateway reads.
    let both = export(&doc, "oas30", &["integrations,authorizers"]);
    assert!(all_vendor_keys(&both).contains(&"x-amazon-apigateway-authorizer".to_string()));
    let everything = export(&doc, "swagger", &["apigateway"]);
    assert_eq!(
        all_vendor_keys(&everything),
        [
            "x-amazon-apigateway-any-method",
            "x-amazon-apigateway-authorizer",
            "x-amazon-apigateway-authtype",
            "x-amazon-apigateway-binary-media-types",
            "x-amazon-apigateway-endpoint-configuration",
            "x-amazon-apigateway-gateway-responses",
            "x-amazon-apigateway-integration",
            "x-amazon-apigateway-policy",
            "x-amazon-apigateway-request-validator",
            "x-amazon-apigateway-request-validators"
        ]
    );
    // Swagger keeps it at the top level.
    assert_eq!(
        everything["x-amazon-apigateway-endpoint-configuration"],
        json!({"vpcEndpointIds": ["vpce-01234567890abcdef"]})
    );
    assert_eq!(
        everything["securityDefinitions"]["sigv4"],
        json!({"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"})
    );
    assert_eq!(
        everything["info"],
        json!({"version": "7", "title": "PetStore"})
    );
}

#[test]
fn exports_import_again() {
    for export_type in ["oas30", "swagger"] {
        let out = export(&petstore(), export_type, &["integrations"]);
        let api =
            crate::model::openapi::import(&out).unwrap_or_else(|e| panic!("{export_type}: {e}"));
        assert!(api.warnings.is_empty(), "{export_type}: {:?}", api.warnings);
        assert_eq!(api.title.as_deref(), Some("PetStore"));
        assert!(api.definition.route("/pets/7", "GET").is_some());
        // Without extensions the methods have no integration: still a valid document.
        let plain = export(&petstore(), export_type, &[]);
        crate::model::openapi::import(&plain).unwrap_or_else(|e| panic!("{export_type}: {e}"));
        let doc: Value = serde_json::from_str(WITH_EXTENSIONS).unwrap();
        let out = export(&doc, export_type, &["apigateway"]);
        crate::model::openapi::import(&out).unwrap_or_else(|e| panic!("{export_type}: {e}"));
    }
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let e = export_document_versioned(&petstore(), "postman", &[], "a", HOST, "s", VERSION)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "Invalid export type specified: postman. Valid values are oas30 and swagger"
    );
    let e =
        export_document_versioned(&json!([1]), "oas30", &[], "a", HOST, "s", VERSION).unwrap_err();
    assert_eq!(
        e.to_string(),
        "The API's definition is not an OpenAPI object"
    );
    let e = export_document_versioned(
        &json!({"openapi": "2.5"}),
        "oas30",
        &[],
        "a",
        HOST,
        "s",
        VERSION,
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("neither Swagger 2.0 nor OpenAPI 3.0"),
        "{e}"
    );
    // Odd shapes inside are skipped, not fatal.
    let odd = json!({"swagger": "2.0", "paths": {"/a": 3, "/b": {"get": {"parameters": 5, "responses": {"200": 1}}}},
                     "definitions": [], "securityDefinitions": {"x": 1}});
    let out = export(&odd, "oas30", &[]);
    assert_eq!(
        out["paths"]["/b"]["get"]["responses"]["200"],
        json!({"description": "200 response", "content": {}})
    );
    let cyclic = json!({"openapi": "3.0.1", "paths": {"/a": {"get": {"parameters": [{"$ref": "#/components/parameters/p"}]}}},
                        "components": {"parameters": {"p": {"$ref": "#/components/parameters/p"}}}});
    let out = export(&cyclic, "swagger", &[]);
    assert_eq!(
        out["paths"]["/a"]["get"]["parameters"],
        json!([{"required": false, "type": "string"}])
    );
}

#[test]
fn yaml_and_headers() {
    let out = export(&petstore(), "oas30", &["integrations"]);
    let yaml = to_yaml(&out);
    assert!(
        yaml.starts_with("openapi: \"3.0.1\"\ninfo:\n  title: \"PetStore\"\n"),
        "{yaml}"
    );
    assert_eq!(crate::scenario::document::parse(&yaml).unwrap(), out);
    let doc: Value = serde_json::from_str(WITH_EXTENSIONS).unwrap();
    for export_type in ["oas30", "swagger"] {
        let out = export(&doc, export_type, &["apigateway"]);
        assert_eq!(
            crate::scenario::document::parse(&to_yaml(&out)).unwrap(),
            out
        );
    }
    let small = json!({"info": {"version": "2024-01-13T23:01:41Z"},
        "paths": {"/a/{id}": {"get": {
            "parameters": [{"name": "id", "in": "path", "required": true}],
            "responses": {"200": {"description": "ok\n\"quoted\"", "content": {}}},
            "tags": [], "x": [[1, null], [false]]}}}});
    assert_eq!(
        to_yaml(&small),
        concat!(
            "info:\n",
            "  version: \"2024-01-13T23:01:41Z\"\n",
            "paths:\n",
            "  /a/{id}:\n",
            "    get:\n",
            "      parameters:\n",
            "      - name: \"id\"\n",
            "        in: \"path\"\n",
            "        required: true\n",
            "      responses:\n",
            "        \"200\":\n",
            "          description: \"ok\\n\\\"quoted\\\"\"\n",
            "          content: {}\n",
            "      tags: []\n",
            "      x:\n",
            "      - - 1\n",
            "        - null\n",
            "      - - false\n",
        )
    );
    assert_eq!(
        crate::scenario::document::parse(&to_yaml(&small)).unwrap(),
        small
    );
    assert_eq!(
        export_version(time::macros::datetime!(2024-01-13 23:01:41 UTC)),
        "2024-01-13T23:01:41Z"
    );
}
