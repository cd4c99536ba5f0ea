//! Unit tests: templates rendered against one fixture request, and the limits.

use super::*;
use serde_json::json;

struct Fx {
    ctx: Value,
    sv: Value,
    body: String,
    path: Vec<(String, String)>,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
}

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn fx(body: &str) -> Fx {
    Fx {
        ctx: json!({"requestId": "req-1", "stage": "prod", "identity": {"sourceIp": "10.0.0.1"}}),
        sv: json!({"env": "test"}),
        body: body.to_string(),
        path: pairs(&[("id", "42")]),
        query: pairs(&[("q", "rust lang"), ("id", "shadowed")]),
        headers: pairs(&[("X-Trace", "abc"), ("Host", "api.example")]),
    }
}

impl Fx {
    fn render(&self, t: &str) -> Result<Rendered, VtlError> {
        Template::parse(t)?.render_with_overrides(&RenderInput {
            context: &self.ctx,
            stage_variables: &self.sv,
            body: &self.body,
            path_params: &self.path,
            query_params: &self.query,
            headers: &self.headers,
        })
    }
    fn text(&self, t: &str) -> String {
        self.render(t).expect("renders").text
    }
}

fn text(t: &str) -> String {
    fx("").text(t)
}

#[test]
fn context_use_names_the_keys_a_template_reads() {
    let uses = |t: &str| Template::parse(t).unwrap().context_use().clone();
    let keys = |k: &[&str]| ContextUse::Keys(k.iter().map(|s| s.to_string()).collect());
    assert_eq!(uses("plain $input.body"), keys(&[]));
    assert_eq!(
        uses("$context.stage ${context.identity.sourceIp} $!context.stage"),
        keys(&["stage", "identity"])
    );
    assert_eq!(
        uses("#if($x == $context.requestId)#set($y = \"$context.path\")#end"),
        keys(&["requestId", "path"])
    );
    assert_eq!(
        uses("#foreach($i in [1..$context.requestTimeEpoch])#end"),
        keys(&["requestTimeEpoch"])
    );
    for whole in [
        "$context",
        "$context.keySet()",
        "$context['stage']",
        "#foreach($k in $context.keySet())$k#end",
        "$util.escapeJavaScript(\"$context\")",
        "#set($c = $context)$c.stage",
    ] {
        assert_eq!(uses(whole), ContextUse::All, "{whole}");
    }
    assert!(ContextUse::All.reads("anything"));
    assert!(!keys(&["stage"]).reads("apiId"));
}

#[test]
fn plain_text_context_and_stage_variables() {
    assert_eq!(text("hello {\"a\": 1}\n"), "hello {\"a\": 1}\n");
    assert_eq!(
        text("$context.requestId ${context.stage} $context.identity.sourceIp $stageVariables.env"),
        "req-1 prod 10.0.0.1 test"
    );
}

#[test]
fn params_from_each_source() {
    let f = fx("");
    assert_eq!(
        f.text("$input.params('id')|$input.params('q')|$input.params('x-trace')"),
        "42|rust lang|abc"
    );
    assert_eq!(f.text("[$input.params('missing')]"), "[]");
    assert_eq!(
        f.text("$input.params().header.Host $input.params().querystring.q"),
        "api.example rust lang"
    );
}

#[test]
fn input_json_and_path() {
    let f = fx(r#"{"a": "abc", "o": {"k": [1, 2.5, true]}, "items": [{"n": "x"}, {"n": "y"}]}"#);
    assert_eq!(f.text("$input.json('$.a')"), "\"abc\"");
    assert_eq!(f.text("$input.json('$.o')"), r#"{"k":[1,2.5,true]}"#);
    assert_eq!(f.text("$input.path('$.o')"), "{k=[1, 2.5, true]}");
    assert_eq!(
        f.text("$input.path('$.items').size() $input.path('$.items[1].n')"),
        "2 y"
    );
    assert_eq!(
        f.text("$input.json('$.items[*].n') $input.path('$.a').length()"),
        r#"["x","y"] 3"#
    );
    let whole: Value = serde_json::from_str(&f.text("$input.json('$')")).expect("json");
    assert_eq!(whole["o"]["k"][1], json!(2.5));
    assert_eq!(f.text("[$input.json('$.nope')]"), "[]");
    assert_eq!(fx("").text("$input.json('$')"), "{}");
    assert!(f.render("$input.path('$..a')").is_err());
}

#[test]
fn pass_through_template() {
    let t = r#"#set($allParams = $input.params())
{
"body-json" : $input.json('$'),
"params" : {
#foreach($type in $allParams.keySet())
    #set($params = $allParams.get($type))
"$type" : {
    #foreach($paramName in $params.keySet())
    "$paramName" : "$util.escapeJavaScript($params.get($paramName))"
        #if($foreach.hasNext),#end
    #end
}
    #if($foreach.hasNext),#end
#end
}
}
"#;
    let mut f = fx(r#"{"pet": {"name": "Rex \"the dog\""}}"#);
    f.headers.push(("X-Quote".into(), "say \"hi\"".into()));
    let out = f.text(t);
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(v["body-json"]["pet"]["name"], "Rex \"the dog\"");
    assert_eq!(v["params"]["path"]["id"], "42");
    assert_eq!(v["params"]["querystring"]["q"], "rust lang");
    assert_eq!(v["params"]["header"]["X-Quote"], "say \"hi\"");
    assert!(out.starts_with("{\n\"body-json\""), "{out}");
}

#[test]
fn conditionals() {
    let t = "#foreach($n in [1, 5, 10, 'x'])#if($n == 'x')X#elseif($n < 5)small#elseif($n >= 10 && $n != 11)big#{else}mid#end,#end";
    assert_eq!(text(t), "small,mid,big,X,");
    assert_eq!(
        text("#if(!$nope)none#end #if($nope || 'a' eq \"a\")yes#end"),
        "none yes"
    );
    assert_eq!(
        text("#set($x = 7 / 2)$x #set($y = 7.0 / 2)$y ${x}0 #set($s = 'a' + 1)$s $velocityCount"),
        "3 3.5 30 a1 $velocityCount"
    );
}

#[test]
fn foreach_over_body_builds_json() {
    let f = fx(r#"[{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]"#);
    let t = "[\n#foreach($item in $input.path('$'))\n  {\"n\": $foreach.count, \"id\": $item.id, \"name\": \"$item.name\"}#if($foreach.hasNext),#end\n\n#end\n]";
    let v: Value = serde_json::from_str(&f.text(t)).expect("json");
    assert_eq!(
        v,
        json!([{"n": 1, "id": 1, "name": "a"}, {"n": 2, "id": 2, "name": "b"}])
    );
    assert_eq!(
        text("#foreach($i in [1..5])#if($i == 3)#break#end$i$velocityCount #end"),
        "11 22 "
    );
    assert_eq!(text("a#stop b"), "a");
}

#[test]
fn util_functions() {
    assert_eq!(
        text("$util.escapeJavaScript(\"it's \"\"quoted\"\"\n\\ok\")"),
        "it\\'s \\\"quoted\\\"\\n\\\\ok"
    );
    assert_eq!(
        text("$util.base64Encode('hello') $util.base64Decode('aGVsbG8=')"),
        "aGVsbG8= hello"
    );
    assert_eq!(
        text("$util.urlEncode('a b&c=é') $util.urlDecode('a+b%26c')"),
        "a+b%26c%3D%C3%A9 a b&c"
    );
    assert_eq!(
        text("#set($o = $util.parseJson('{\"a\":[1,2]}'))$o.a.get(1)"),
        "2"
    );
    assert_eq!(
        text("$util.escapeJavaScript(\"x'y\").replaceAll(\"\\\\'\", \"'\")"),
        "x'y"
    );
}

#[test]
fn string_and_map_methods() {
    let t = "#set($s = ' Hello World ')$s.trim().toLowerCase()|$s.substring(1, 6)|$s.indexOf('o')|$s.replace('l', 'L')|$s.split(' ').size()|$s.contains('World')|$s.trim().matches('H.*d')";
    assert_eq!(text(t), "hello world|Hello|5| HeLLo WorLd |3|true|true");
    let t = "#set($m = {})#set($prev = $m.put('a', 1))$!prev#set($m.b = [1])$m.b.add(2) $m $m.keySet() $m.containsKey('b')";
    assert_eq!(text(t), "true {a=1, b=[1, 2]} [a, b] true");
    assert!(fx("").render("#set($s = 'x')$s.substring(5)").is_err());
}

#[test]
fn quiet_undefined_and_literal_dollars_and_hashes() {
    assert_eq!(
        text("[$!nope][$!{nope}][$nope][${nope.x}][$nope.call(1)]"),
        "[][][$nope][${nope.x}][$nope.call(1)]"
    );
    assert_eq!(
        text("color: #fff; # heading; price $5 or $ 5; \\$x; a#b"),
        "color: #fff; # heading; price $5 or $ 5; $x; a#b"
    );
    assert_eq!(text("a ## comment\nb #* block\n *#c"), "a b c");
}

#[test]
fn unsupported_directives_are_parse_errors() {
    let err = Template::parse("line one\n  #macro(foo)x#end").expect_err("rejected");
    assert_eq!((err.line, err.column), (2, 3));
    assert!(
        err.message
            .contains("#macro is not supported by apigw-emulator"),
        "{err}"
    );
    for bad in [
        "#include('x')",
        "#{parse}('x')",
        "#if($a)",
        "#end",
        "#set($a)",
        "$a.b(",
        "#if($a == )x#end",
    ] {
        assert!(Template::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn response_override() {
    let t = "#set($context.responseOverride.status = 404)#set($context.responseOverride.header.X-Why = \"gone\")body";
    let r = fx("").render(t).expect("renders");
    assert_eq!((r.text.as_str(), r.status_override), ("body", Some(404)));
    assert_eq!(
        r.header_overrides,
        vec![("X-Why".to_string(), "gone".to_string())]
    );
}

#[test]
fn limits_fail_cleanly() {
    let err = fx("")
        .render("#foreach($i in [1..2000000])x#end")
        .expect_err("too large");
    assert!(err.message.contains("too large"), "{err}");
    let err = fx("")
        .render("#foreach($i in [1..1000])#foreach($j in [1..1001])#end#end")
        .expect_err("limit");
    assert!(err.message.contains("iterations"), "{err}");
    let err = fx("")
        .render("#set($s = 'xxxxxxxxxxxxxxxx')#foreach($i in [1..40])#set($s = \"$s$s\")#end")
        .expect_err("big");
    assert!(
        err.message.contains("10 MB") || err.message.contains("budget"),
        "{err}"
    );
    let err = fx("")
        .render("#set($l = [])#foreach($i in [1..300])#set($l = [$l])#end")
        .expect_err("deep");
    assert!(err.message.contains("deeply"), "{err}");
    assert!(Template::parse(&"(".repeat(100_000)).is_ok());
    assert!(Template::parse(&format!("#set($x = {}1)", "(".repeat(100_000))).is_err());
    assert!(Template::parse(&"#if(true)".repeat(10_000)).is_err());
}

#[test]
fn deepest_templates_fit_a_small_stack() {
    let deepest = |d: usize| {
        let open = "#foreach($i in [1])".repeat(d);
        let expr = format!(
            "{}[$i, {{'k': \"$i.toString()\"}}]{}",
            "(".repeat(28 - d),
            ")".repeat(28 - d)
        );
        format!("{open}#set($x = {expr})$x{}", "#end".repeat(d))
    };
    let worker = std::thread::Builder::new().stack_size(1 << 20);
    let out = worker
        .spawn(move || [1, 14, 28].map(|d| text(&deepest(d))))
        .expect("spawn")
        .join()
        .expect("no stack overflow");
    assert_eq!(out, ["[1, {k=1}]"; 3].map(String::from));
    assert!(Template::parse(&format!(
        "{}(1)",
        deepest(28).replace("#set", "#{if}(true)#set")
    ))
    .is_err());
}

#[test]
fn directive_lines_leave_no_blank_lines() {
    let t = "#set($a = 1)\n  #set($b = 2)\t\nstart\n#if($a == 1)\n  one\n#else\n  other\n#end\n#foreach($x in [1, 2])\n  item $x\n#end\nend";
    assert_eq!(text(t), "start\n  one\n  item 1\n  item 2\nend");
    assert_eq!(text("a\n  #if(true)b#end\nc"), "a\n  b\nc");
}
