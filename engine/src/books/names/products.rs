//! Product-name keys: Hindi, Hinglish and English words for the same kirana item share one key.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::{is_particle, raw_words, score_words, word_key};

/// Canonical item → the words merchants use for it. Entries are written as people type or say
/// them and folded at first use, so the table never has to know what the fold does.
/// Kept to items whose words are unambiguous: "gud" (jaggery) is left out because it is also
/// how "good" folds, which would turn "Good Day" biscuits into jaggery.
const SYNONYMS: &[(&str, &[&str])] = &[
    ("milk", &["milk", "doodh", "dudh", "दूध"]),
    ("rice", &["rice", "chawal", "chaval", "चावल"]),
    (
        "sugar",
        &[
            "sugar",
            "cheeni",
            "chini",
            "shakkar",
            "shakar",
            "चीनी",
            "शक्कर",
        ],
    ),
    ("salt", &["salt", "namak", "नमक"]),
    ("oil", &["oil", "tel", "तेल"]),
    (
        "eggs",
        &[
            "egg",
            "eggs",
            "anda",
            "ande",
            "andey",
            "अंडा",
            "अंडे",
            "अण्डा",
            "अण्डे",
        ],
    ),
    ("flour", &["flour", "atta", "aata", "आटा"]),
    (
        "lentils",
        &["lentil", "lentils", "dal", "daal", "dhal", "दाल"],
    ),
    (
        "tea",
        &[
            "tea",
            "chai",
            "chai patti",
            "chaipatti",
            "चाय",
            "चाय पत्ती",
            "चायपत्ती",
        ],
    ),
    ("bread", &["bread", "double roti", "डबल रोटी", "ब्रेड"]),
    ("pav", &["pav", "pao", "paav", "पाव"]),
    ("butter", &["butter", "makhan", "makkhan", "मक्खन", "मखन"]),
    ("curd", &["curd", "dahi", "yogurt", "yoghurt", "दही"]),
    ("ghee", &["ghee", "ghi", "घी"]),
    ("paneer", &["paneer", "cottage cheese", "पनीर"]),
    ("potato", &["potato", "potatoes", "aloo", "alu", "आलू"]),
    (
        "onion",
        &[
            "onion",
            "onions",
            "pyaz",
            "pyaaz",
            "pyaj",
            "kanda",
            "प्याज़",
            "प्याज",
        ],
    ),
    ("tomato", &["tomato", "tomatoes", "tamatar", "टमाटर"]),
    ("soap", &["soap", "sabun", "saabun", "साबुन"]),
    ("biscuit", &["biscuit", "biscuits", "biskut", "बिस्कुट"]),
    (
        "wheat",
        &["wheat", "gehun", "gehu", "gehoon", "गेहूं", "गेहूँ", "गेहूँ"],
    ),
    (
        "semolina",
        &["semolina", "suji", "sooji", "rava", "rawa", "सूजी", "रवा"],
    ),
    ("gram flour", &["gram flour", "besan", "बेसन"]),
    ("turmeric", &["turmeric", "haldi", "हल्दी"]),
    (
        "chilli",
        &[
            "chilli",
            "chili",
            "chillies",
            "mirch",
            "mirchi",
            "मिर्च",
            "मिर्ची",
        ],
    ),
    (
        "black pepper",
        &["black pepper", "pepper", "kali mirch", "काली मिर्च"],
    ),
    ("coriander", &["coriander", "dhania", "dhaniya", "धनिया"]),
    ("cumin", &["cumin", "jeera", "zeera", "jira", "जीरा"]),
    ("mustard", &["mustard", "sarson", "rai", "सरसों", "राई"]),
    (
        "mustard oil",
        &[
            "mustard oil",
            "sarson ka tel",
            "sarson tel",
            "सरसों का तेल",
            "सरसों तेल",
        ],
    ),
    ("cardamom", &["cardamom", "elaichi", "ilaichi", "इलायची"]),
    ("clove", &["clove", "cloves", "laung", "लौंग"]),
    ("garlic", &["garlic", "lehsun", "lahsun", "लहसुन"]),
    ("ginger", &["ginger", "adrak", "अदरक"]),
    ("peas", &["peas", "matar", "mattar", "मटर"]),
    (
        "chickpeas",
        &[
            "chickpeas",
            "chickpea",
            "chana",
            "chane",
            "chole",
            "चना",
            "चने",
            "छोले",
        ],
    ),
    ("poha", &["poha", "flattened rice", "पोहा"]),
    ("jaggery", &["jaggery", "gur", "गुड़"]),
    ("honey", &["honey", "shahad", "शहद"]),
    ("water", &["water", "pani", "paani", "पानी"]),
    ("matchbox", &["matchbox", "matches", "machis", "माचिस"]),
    ("toothpaste", &["toothpaste", "manjan", "मंजन"]),
    ("detergent", &["detergent", "washing powder", "वाशिंग पाउडर"]),
    (
        "banana",
        &["banana", "bananas", "kela", "kele", "केला", "केले"],
    ),
    ("apple", &["apple", "apples", "seb", "सेब"]),
    ("mango", &["mango", "mangoes", "aam", "आम"]),
    (
        "lemon",
        &["lemon", "lemons", "nimbu", "nimboo", "नींबू", "निंबू"],
    ),
    ("spinach", &["spinach", "palak", "पालक"]),
    (
        "cauliflower",
        &[
            "cauliflower",
            "gobhi",
            "gobi",
            "phool gobhi",
            "फूलगोभी",
            "फूल गोभी",
            "गोभी",
        ],
    ),
    (
        "cabbage",
        &[
            "cabbage",
            "patta gobhi",
            "band gobhi",
            "पत्तागोभी",
            "पत्ता गोभी",
            "बंद गोभी",
        ],
    ),
    ("brinjal", &["brinjal", "eggplant", "baingan", "बैंगन"]),
    (
        "okra",
        &["okra", "ladyfinger", "lady finger", "bhindi", "भिंडी"],
    ),
    ("cucumber", &["cucumber", "kheera", "khira", "खीरा"]),
    ("carrot", &["carrot", "carrots", "gajar", "गाजर"]),
    (
        "peanuts",
        &[
            "peanut",
            "peanuts",
            "groundnut",
            "moongfali",
            "mungfali",
            "मूंगफली",
            "मूँगफली",
        ],
    ),
    ("cashew", &["cashew", "cashews", "kaju", "काजू"]),
    (
        "almonds",
        &["almond", "almonds", "badam", "baadam", "बादाम"],
    ),
    ("raisins", &["raisin", "raisins", "kishmish", "किशमिश"]),
    ("coconut", &["coconut", "nariyal", "नारियल"]),
    ("tamarind", &["tamarind", "imli", "इमली"]),
    ("sweets", &["sweets", "mithai", "मिठाई"]),
    ("namkeen", &["namkeen", "नमकीन"]),
    ("candle", &["candle", "candles", "mombatti", "मोमबत्ती"]),
    ("incense", &["incense", "agarbatti", "अगरबत्ती"]),
    ("kerosene", &["kerosene", "mitti ka tel", "मिट्टी का तेल"]),
];

/// Longest synonym phrase, in words; bounds the phrase search.
const MAX_PHRASE: usize = 3;

struct Table {
    /// Synonym key words joined by a space → canonical key words.
    by_phrase: HashMap<String, Vec<String>>,
}

static TABLE: LazyLock<Table> = LazyLock::new(|| {
    let mut by_phrase = HashMap::new();
    for (canonical, words) in SYNONYMS {
        let canonical = phrase_key(canonical);
        by_phrase.insert(canonical.join(" "), canonical.clone());
        for word in *words {
            by_phrase.insert(phrase_key(word).join(" "), canonical.clone());
        }
    }
    Table { by_phrase }
});

fn phrase_key(text: &str) -> Vec<String> {
    raw_words(text).iter().map(|w| word_key(w)).collect()
}

/// Product words in Hindi/Hinglish and English that mean the same thing, for products:
/// returns the canonical English-ish key family so "doodh" and "milk" share a key. Words outside
/// the table keep their ordinary [`super::search_key`] form, so "Amul doodh" → "amul milk".
/// Honorifics are not stripped: in product names "ka"/"ki" are part of the name ("sarson ka tel").
pub fn product_search_key(name: &str) -> String {
    product_words(name).join(" ")
}

/// Like [`super::score`], but for products: uses [`product_search_key`] so synonyms score 1.0.
pub fn product_score(query: &str, name: &str) -> f32 {
    score_words(&product_words(query), &product_words(name), &[])
}

fn product_words(name: &str) -> Vec<String> {
    let raw = raw_words(name);
    // Particles are dropped only outside table phrases ("doodh ka packet" but "sarson ka tel"),
    // so they are marked here, before folding, and skipped after phrase matching.
    let particle: Vec<bool> = raw.iter().map(|w| is_particle(w)).collect();
    let words: Vec<String> = raw.iter().map(|w| word_key(w)).collect();
    let table = &*TABLE;
    let mut out = Vec::with_capacity(words.len());
    let mut i = 0;
    'words: while i < words.len() {
        for len in (1..=MAX_PHRASE.min(words.len() - i)).rev() {
            let phrase = words[i..i + len].join(" ");
            if let Some(canonical) = table.by_phrase.get(&phrase) {
                out.extend(canonical.iter().cloned());
                i += len;
                continue 'words;
            }
        }
        let word = &words[i];
        if particle[i] && particle.iter().any(|p| !p) {
            i += 1;
            continue;
        }
        // English plurals the table does not list ("tomatos" from speech-to-text).
        let singular = word.strip_suffix('s').filter(|w| w.len() >= 3);
        match singular.and_then(|w| table.by_phrase.get(w)) {
            Some(canonical) => out.extend(canonical.iter().cloned()),
            None => out.push(word.clone()),
        }
        i += 1;
    }
    out
}

#[cfg(test)]
pub(super) fn synonym_table() -> &'static [(&'static str, &'static [&'static str])] {
    SYNONYMS
}
