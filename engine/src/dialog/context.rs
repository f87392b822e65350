//! Reading a message in the light of the conversation: "uska", "usne", "aur 100 likh do" mean the active customer.

/// Pronouns that stand for a person, and the case marker to put after the name instead.
const PRONOUNS: &[(&str, &str)] = &[
    ("usne", "ne"),
    ("isne", "ne"),
    ("unhone", "ne"),
    ("inhone", "ne"),
    ("uska", "ka"),
    ("uski", "ki"),
    ("uske", "ke"),
    ("iska", "ka"),
    ("iski", "ki"),
    ("iske", "ke"),
    ("unka", "ka"),
    ("unki", "ki"),
    ("unke", "ke"),
    ("usko", "ko"),
    ("isko", "ko"),
    ("unko", "ko"),
    ("inko", "ko"),
    ("use", "ko"),
    ("ise", "ko"),
    ("usse", "se"),
    ("isse", "se"),
    ("unse", "se"),
    ("उसने", "ने"),
    ("इसने", "ने"),
    ("उन्होंने", "ने"),
    ("उसका", "का"),
    ("उसकी", "की"),
    ("उसके", "के"),
    ("इसका", "का"),
    ("इसकी", "की"),
    ("इसके", "के"),
    ("उनका", "का"),
    ("उनके", "के"),
    ("उसको", "को"),
    ("इसको", "को"),
    ("उसे", "को"),
    ("इसे", "को"),
    ("उससे", "से"),
    ("him", ""),
    ("her", ""),
];

/// Words that continue the previous topic at the start of a message.
const CONTINUATIONS: &[&str] = &["aur", "or", "and", "phir", "fir", "also", "और", "फिर"];

/// Whether a name as said is only a pronoun (nobody can be found by it).
/// True when the message opens with "aur", "phir"…: it says itself that it goes on about the
/// customer of the last message.
pub fn continues(text: &str) -> bool {
    text.split_whitespace()
        .next()
        .is_some_and(|w| CONTINUATIONS.contains(&w.to_lowercase().as_str()))
}

pub fn is_pronoun(word: &str) -> bool {
    let word = word.trim().to_lowercase();
    PRONOUNS.iter().any(|(p, _)| *p == word)
}

/// The text with each pronoun replaced by `name` and its case marker, if it had any pronoun.
pub fn replace_pronouns(text: &str, name: &str) -> Option<String> {
    let mut replaced = false;
    let words: Vec<String> = text
        .split_whitespace()
        .map(|word| {
            let bare = word
                .trim_matches(|c: char| c.is_ascii_punctuation() || c == '।')
                .to_lowercase();
            match PRONOUNS.iter().find(|(p, _)| *p == bare) {
                Some((_, marker)) => {
                    replaced = true;
                    if marker.is_empty() {
                        name.to_string()
                    } else {
                        format!("{name} {marker}")
                    }
                }
                None => word.to_string(),
            }
        })
        .collect();
    replaced.then(|| words.join(" "))
}

/// Ways to read a message that names nobody as being about `name`, most natural first:
/// "aur 100 udhaar likh do" → "Rahul 100 udhaar likh do", "Rahul ko …", "Rahul ne …".
pub fn about_customer(text: &str, name: &str) -> Vec<String> {
    let mut words: Vec<&str> = text.split_whitespace().collect();
    while words
        .first()
        .is_some_and(|w| CONTINUATIONS.contains(&w.to_lowercase().as_str()))
    {
        words.remove(0);
    }
    let rest = words.join(" ");
    if rest.is_empty() {
        return Vec::new();
    }
    vec![
        format!("{name} {rest}"),
        format!("{name} ko {rest}"),
        format!("{name} ne {rest}"),
        format!("{name} ka {rest}"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pronouns_become_the_active_customer() {
        assert_eq!(
            replace_pronouns("uska balance batao", "Rahul").as_deref(),
            Some("Rahul ka balance batao")
        );
        assert_eq!(
            replace_pronouns("Usne 200 diye.", "Rahul").as_deref(),
            Some("Rahul ne 200 diye.")
        );
        assert_eq!(
            replace_pronouns("उसका बैलेंस बताओ", "राहुल").as_deref(),
            Some("राहुल का बैलेंस बताओ")
        );
        assert_eq!(replace_pronouns("Suresh ne 200 diye", "Rahul"), None);
        assert!(is_pronoun("Uska"));
        assert!(!is_pronoun("Rahul"));
    }

    #[test]
    fn continuations_are_read_about_the_active_customer() {
        let readings = about_customer("aur 100 udhaar likh do", "Rahul");
        assert_eq!(
            readings.first().map(String::as_str),
            Some("Rahul 100 udhaar likh do")
        );
        assert!(readings.contains(&"Rahul ko 100 udhaar likh do".to_string()));
        assert!(about_customer("aur", "Rahul").is_empty());
    }
}
