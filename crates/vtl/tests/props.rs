//! Property test: whatever text a user writes as a mapping template, parsing and rendering
//! never panic; a template either parses and renders (or fails to render) or is refused with an
//! error.

use apigw_vtl::{RenderInput, Template};
use proptest::prelude::*;
use serde_json::json;

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_mapping_templates_parse_or_fail_cleanly(source in "[ -~\n]{0,80}", body in "[ -~]{0,40}") {
        if let Ok(template) = Template::parse(&source) {
            let context = json!({"stage": "test", "identity": {"sourceIp": "10.0.0.1"}});
            let variables = json!({"v": "1"});
            let input = RenderInput {
                context: &context,
                stage_variables: &variables,
                body: &body,
                path_params: &[("p".to_string(), "1".to_string())],
                query_params: &[],
                headers: &[],
            };
            let _ = template.render(&input);
        }
    }
}
