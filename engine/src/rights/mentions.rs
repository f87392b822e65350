//! Whether a text names a customer: their name, nickname or phone as a whole word, case folded.

/// What a deleted customer could be named by in free text. Names shorter than three
/// characters would match too much to be worth erasing by.
pub(super) fn needles(name: &str, nickname: Option<&str>, phone: Option<&str>) -> Vec<String> {
    let mut needles = Vec::new();
    for text in [Some(name), nickname].into_iter().flatten() {
        let text = text.trim().to_lowercase();
        if text.chars().count() >= 3 && !needles.contains(&text) {
            needles.push(text);
        }
    }
    if let Some(phone) = phone {
        needles.push(phone.to_string());
        // Merchants type the ten national digits more often than the full number.
        if phone.len() > 10 && phone.starts_with("91") {
            needles.push(phone[phone.len() - 10..].to_string());
        }
    }
    needles
}

/// A LIKE pattern (with `\` as the escape) finding `needle` anywhere, for `LOWER(column)`.
pub(super) fn like_pattern(needle: &str) -> String {
    let mut pattern = String::with_capacity(needle.len() + 2);
    pattern.push('%');
    for c in needle.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Whether `text` holds `needle` (already lowercase) as a whole word: the characters around it
/// are not letters or digits. The database's LIKE found the candidates; this keeps "Ali" from
/// erasing every message about "Alina".
pub(super) fn names(text: &str, needle: &str) -> bool {
    let text = text.to_lowercase();
    if needle.is_empty() {
        return false;
    }
    let mut from = 0;
    while let Some(found) = text[from..].find(needle) {
        let start = from + found;
        let end = start + needle.len();
        let before = text[..start].chars().next_back();
        let after = text[end..].chars().next();
        if !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric) {
            return true;
        }
        from = start + text[start..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_found_as_a_whole_word_in_any_case() {
        assert!(names("Rahul ne 500 diye", "rahul"));
        assert!(names("RAHUL ka balance?", "rahul"));
        assert!(names("\"customer_name\":\"Rahul Verma\"", "rahul verma"));
        assert!(!names("Rahulji ne diye", "rahul"));
        assert!(!names("Alina ka udhaar", "ali"));
        assert!(names("राहुल ने 500 दिए", "राहुल"));
        assert!(names("call 9876543210 today", "9876543210"));
        assert!(!names("919876543210", "9876543210"));
    }

    #[test]
    fn needles_cover_name_nickname_and_both_forms_of_an_indian_phone() {
        assert_eq!(
            needles("Rahul Verma", Some("Ru"), Some("919876543210")),
            vec!["rahul verma", "919876543210", "9876543210"]
        );
        assert_eq!(needles("Asha", Some("asha"), None), vec!["asha"]);
    }

    #[test]
    fn like_wildcards_in_a_name_are_escaped() {
        assert_eq!(like_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }
}
