//! Escaping text for the control plane's markup: XML in EC2's answers, HTML in the console.
//! One rule set: `&`, `<`, `>`, `"` and `'` become references, so a value is safe in element
//! content and in attributes quoted either way. Only how `'` is written differs: XML's named
//! entity, and the numeric reference every HTML parser reads.

/// Escapes text for an XML element or attribute.
pub fn xml(text: &str) -> String {
    escape(text, "&apos;")
}

/// Escapes text for HTML element content and attribute values.
pub fn html(text: &str) -> String {
    escape(text, "&#39;")
}

fn escape(text: &str, apostrophe: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str(apostrophe),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn both_escape_every_character_that_can_break_out() {
        assert_eq!(
            super::xml(r#"<a b="c" d='e'>&"#),
            "&lt;a b=&quot;c&quot; d=&apos;e&apos;&gt;&amp;"
        );
        assert_eq!(super::html("'"), "&#39;");
        assert_eq!(super::xml("plain é"), "plain é");
    }
}
