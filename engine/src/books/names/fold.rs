//! The Latin spelling fold: Hinglish spelling variants of one word reduced to one form.

use super::is_vowel;

/// Folds the spelling freedom of Hinglish out of a lowercase (mostly) Latin word.
pub(super) fn fold(word: &str) -> String {
    let mut chars: Vec<char> = Vec::with_capacity(word.len());
    for c in word.chars() {
        match c {
            'x' => chars.extend(['k', 's']),
            'q' => chars.push('k'),
            'w' => chars.push('v'),
            'z' => chars.push('j'),
            other => chars.push(strip_accent(other)),
        }
    }

    let mut out: Vec<char> = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match (c, next) {
            ('p', Some('h')) => {
                out.push('f');
                i += 2;
            }
            // "sh" and "s" are the same letter to speech-to-text (Shyam/Syam, Lakshmi/Laxmi).
            ('s', Some('h')) => {
                out.push('s');
                i += 2;
            }
            // च is written "ch" or "chh"; a lone "c" is a "k" (Camal, Rick).
            ('c', Some('h')) => {
                out.push('c');
                i += 2;
                while chars.get(i) == Some(&'h') {
                    i += 1;
                }
            }
            ('c', _) => {
                out.push('k');
                i += 1;
            }
            // Aspiration is marked inconsistently (Abhishek/Abishek, Geetha/Geeta, Siddharth/Sidarth).
            ('k' | 'g' | 'j' | 't' | 'd' | 'b' | 'r', Some('h')) => {
                out.push(c);
                i += 2;
            }
            ('e', Some('e')) => {
                out.push('i');
                i += 2;
            }
            ('o', Some('o')) => {
                out.push('u');
                i += 2;
            }
            ('o', Some('u')) => {
                out.extend(['a', 'u']);
                i += 2;
            }
            // Champa/Chanpa: anusvara before a labial is typed either way.
            ('m', Some('p' | 'b')) => {
                out.push('n');
                i += 1;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }

    // Pandey/Pande, Pinky/Pinki.
    if out.len() >= 3 && out.last() == Some(&'y') {
        match out[out.len() - 2] {
            'e' => {
                out.pop();
            }
            prev if !is_vowel(prev) && prev.is_ascii_alphabetic() => {
                out.pop();
                out.push('i');
            }
            _ => {}
        }
    }

    out.dedup();
    out.into_iter().collect()
}

/// Latin letters with diacritics, as in IAST spellings ("Rāhul") or pasted European names.
fn strip_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => 'a',
        'è' | 'é' | 'ê' | 'ë' | 'ē' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'ī' => 'i',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ō' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'ū' => 'u',
        'ṛ' | 'ṟ' => 'r',
        'ṣ' | 'ś' => 's',
        'ṭ' => 't',
        'ḍ' => 'd',
        'ṇ' | 'ñ' | 'ṅ' | 'ṃ' | 'ṁ' => 'n',
        'ḥ' => 'h',
        'ç' => 's',
        other => other,
    }
}
