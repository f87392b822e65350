//! HTML text escaping for the server-rendered pages.
//!
//! Written by hand rather than taken from a crate: the pages are assembled with `format!`, and
//! escaping the five characters that are special in text and in quoted attribute values (`&`,
//! `<`, `>`, `"`, `'`) is the whole of what they need; every value from a row or a request goes
//! through [`escape`] before it reaches the markup.

use std::borrow::Cow;

/// `text` safe inside an element or a quoted attribute value.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.contains(['&', '<', '>', '"', '\'']) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn markup_and_quotes_are_escaped_and_plain_text_is_not_copied() {
        assert_eq!(
            escape(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
        assert!(matches!(escape("राहुल ₹500"), std::borrow::Cow::Borrowed(_)));
    }
}
