//! What an integration may put in the method response's headers: names that are HTTP tokens and
//! values without control characters (RFC 9110 §5.5: `field-vchar`, space and tab).
//!
//! Header values reach the client as written: a CR or LF in one would end the header and start
//! another (`Set-Cookie: …`), or end the head and start the body. API Gateway refuses such an
//! answer: an AWS_PROXY function's is a malformed proxy response (502); a MOCK's or an HTTP
//! integration's mapped header is a configuration error (500, decision in docs/decisions.md,
//! "Header values from integrations"). Checked once, after every integration, for every kind.

use super::IntegrationOutput;
use crate::dataplane::access_log::Escaped;

/// Why a header of `output` may not be sent, or `None` when all may. Allocates only to
/// describe a refusal.
pub fn refusal(output: &IntegrationOutput) -> Option<String> {
    if !valid_value(&output.content_type) {
        return Some(format!(
            "the header Content-Type has a value with a control character: \"{}\"",
            Escaped(&output.content_type)
        ));
    }
    output.headers.iter().find_map(|(name, value)| {
        if !valid_name(name) {
            Some(format!(
                "the header name \"{}\" is not an HTTP token",
                Escaped(name)
            ))
        } else if !valid_value(value) {
            Some(format!(
                "the header {name} has a value with a control character: \"{}\"",
                Escaped(value)
            ))
        } else {
            None
        }
    })
}

/// A field name is a token (RFC 9110 §5.1, §5.6.2): at least one `tchar`.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'!' | b'#'
                        | b'$'
                        | b'%'
                        | b'&'
                        | b'\''
                        | b'*'
                        | b'+'
                        | b'-'
                        | b'.'
                        | b'^'
                        | b'_'
                        | b'`'
                        | b'|'
                        | b'~'
                )
        })
}

/// A field value has no control character but horizontal tab (RFC 9110 §5.5). Bytes above
/// 0x7F (`obs-text`, UTF-8 here) pass, as hyper's `HeaderValue` lets them.
pub fn valid_value(value: &str) -> bool {
    value
        .bytes()
        .all(|b| b == b'\t' || (b >= 0x20 && b != 0x7f))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn output(content_type: &str, headers: &[(&str, &str)]) -> IntegrationOutput {
        IntegrationOutput {
            status: 200,
            content_type: content_type.to_string(),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: Bytes::new(),
            traced: false,
        }
    }

    #[test]
    fn values_with_control_characters_are_refused() {
        for bad in [
            "a\r\nSet-Cookie: x=1",
            "a\nb",
            "a\rb",
            "\u{0}",
            "a\u{1b}[31m",
            "\u{7f}",
        ] {
            assert!(!valid_value(bad), "{bad:?}");
            let refused = refusal(&output("text/plain", &[("Location", bad)]));
            let cause = refused.expect("refused");
            assert!(!cause.contains(['\r', '\n']), "{cause}");
        }
        for good in [
            "",
            "https://example.com/a?b=c",
            "a\tb",
            "caf\u{e9} \u{1F600}",
            "\"q\"",
        ] {
            assert!(valid_value(good), "{good:?}");
        }
        assert!(refusal(&output("text/html\r\nX-Injected: 1", &[])).is_some());
        assert!(refusal(&output("application/json", &[("X-Ok", "1")])).is_none());
    }

    #[test]
    fn names_must_be_tokens() {
        for bad in ["", "X Y", "X:Y", "X\r\nY", "X(Y)", "caf\u{e9}", "X\"Y"] {
            assert!(!valid_name(bad), "{bad:?}");
            assert!(refusal(&output("text/plain", &[(bad, "1")])).is_some());
        }
        for good in ["X-Fn", "x_y", "A1!#$%&'*+-.^_`|~"] {
            assert!(valid_name(good), "{good:?}");
        }
    }
}
