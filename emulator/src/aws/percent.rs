//! Percent-encoding as API Gateway applies it, in one place: decoding what clients send (paths,
//! query strings, form bodies) and encoding what the emulator sends on (backend URLs, links).
//!
//! Decoding is lenient, as API Gateway is: an invalid escape (`%zz`, a lone `%`) is kept as
//! written, and a path whose escapes do not decode to UTF-8 is kept as it came. Encoding keeps
//! RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`) and escapes every other byte.

use std::borrow::Cow;

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Everything but RFC 3986's unreserved characters.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A path: segments escaped, `/` kept (a greedy `{proxy+}` value spans segments).
const PATH: &AsciiSet = &COMPONENT.remove(b'/');

/// Decodes `%XX` escapes in a path or query component; invalid escapes and non-UTF-8 results
/// are kept as they came.
pub fn decode(s: &str) -> String {
    match percent_decode_str(s).decode_utf8() {
        Ok(decoded) => decoded.into_owned(),
        Err(_) => s.to_string(),
    }
}

/// Decodes `application/x-www-form-urlencoded` text (`+` is a space); bytes that are not
/// UTF-8 become U+FFFD.
pub fn decode_form(s: &str) -> String {
    let spaced: Cow<'_, str> = if s.contains('+') {
        Cow::Owned(s.replace('+', " "))
    } else {
        Cow::Borrowed(s)
    };
    percent_decode_str(&spaced).decode_utf8_lossy().into_owned()
}

/// Escapes a query parameter name or value, or a path segment.
pub fn encode_component(s: &str) -> String {
    utf8_percent_encode(s, COMPONENT).to_string()
}

/// Escapes a path, keeping its `/`.
pub fn encode_path(s: &str) -> String {
    utf8_percent_encode(s, PATH).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_keeps_what_does_not_decode() {
        assert_eq!(decode("%41%zz%"), "A%zz%");
        assert_eq!(decode("%4"), "%4");
        assert_eq!(decode("a%20b+c"), "a b+c");
        assert_eq!(decode("%C3%A9"), "é");
        assert_eq!(decode("%FF"), "%FF", "not UTF-8: kept as sent");
    }

    #[test]
    fn forms_decode_plus_as_space() {
        assert_eq!(decode_form("a+b%2Bc"), "a b+c");
        assert_eq!(decode_form("100%"), "100%");
        assert_eq!(decode_form("%FF"), "\u{fffd}");
    }

    #[test]
    fn encoding_keeps_only_unreserved_characters() {
        assert_eq!(
            encode_component("a b/c~d.e_f-g*é"),
            "a%20b%2Fc~d.e_f-g%2A%C3%A9"
        );
        assert_eq!(encode_path("a b/c"), "a%20b/c");
    }
}
