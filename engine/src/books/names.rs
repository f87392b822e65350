//! Matching spoken, mistyped or Devanagari customer and product names to the stored ones.
//!
//! Everything here is a pure function. A name is reduced to a *search key*: lowercase Latin words
//! with honorifics removed, Devanagari transliterated and the spelling freedom of Hinglish folded
//! away, so "Raahul bhai", "rahool" and "राहुल" all become `rahul`. Keys are compared exactly first
//! and by string similarity second; [`resolve`] then decides whether one customer is clearly
//! meant or the merchant must be asked.
//!
//! Thresholds (all on the 0..=1 score):
//! * [`MIN_SCORE`] 0.70: below this a candidate is not worth showing. One consonant changed in a
//!   five-letter name ("Rakesh"/"Rajesh", "Karan"/"Kiran") scores about 0.85; unrelated names of
//!   the same length ("Rohit"/"Rahul") about 0.5.
//! * [`CONFIDENT`] 0.87: the best candidate may be taken without asking. It sits above the
//!   one-consonant-apart pairs (different people, so ask) and below first-name-or-surname-only
//!   matches (0.90, "Sharma ji" → "Ramesh Sharma") and vowel-only variants of long names.
//! * [`LEAD`] 0.08: the best must beat the runner-up by this much, so two people sharing a
//!   first name tie and are asked about, while a full-name match (1.0) beats a first-name-only
//!   match (0.90).

mod fold;
mod products;
#[cfg(test)]
mod tests;
mod translit;

use std::collections::HashMap;
use std::sync::LazyLock;

pub use products::{product_score, product_search_key};

/// Below this a candidate is dropped from [`rank`].
pub const MIN_SCORE: f32 = 0.70;
/// At or above this (and [`LEAD`] ahead of the next) [`resolve`] answers [`Resolution::One`].
pub const CONFIDENT: f32 = 0.87;
/// How far the best must be ahead of the second best for [`Resolution::One`].
pub const LEAD: f32 = 0.08;
/// [`Resolution::Ambiguous`] lists candidates within this distance of the best one.
pub const AMBIGUITY_WINDOW: f32 = 0.15;

/// Saying only some of the stored words ("Rahul" for "Rahul Sharma") is normal but less certain.
const PARTIAL: f32 = 0.90;
/// Everything stored was said, and more: worth asking about, not taking.
const EXTRA_WORDS: f32 = 0.85;
/// A single letter that is the initial of a stored word ("R Sharma").
const INITIAL: f32 = 0.80;
/// Speech-to-text and spelling rarely change the first consonant of a name, so doing so
/// usually means a different person ("Mohit"/"Rohit").
const FIRST_LETTER_CHANGED: f64 = 0.85;
/// A word pair at least this similar counts as the stored word having been said.
const WORD_SAID: f32 = 0.80;
/// Bounds the quadratic word alignment on absurd inputs; real names have a handful of words.
const MAX_WORDS: usize = 16;

/// Whole words that address or relate a person rather than name them.
const HONORIFICS: &[&str] = &[
    "ji",
    "jee",
    "bhai",
    "bhaiya",
    "bhaiyya",
    "bhaisahab",
    "sahab",
    "saheb",
    "sahib",
    "sir",
    "madam",
    "didi",
    "behen",
    "bhabhi",
    "aunty",
    "uncle",
    "mr",
    "mrs",
    "ms",
    "shri",
    "shrimati",
    "smt",
    "seth",
    "जी",
    "भाई",
    "भैया",
    "साहब",
    "दीदी",
];
/// Case and postposition words that attach to a name in a sentence ("Rahul ko", "राहुल से").
const PARTICLES: &[&str] = &[
    "ko",
    "ne",
    "ka",
    "ki",
    "ke",
    "se",
    "mein",
    "me",
    "को",
    "ने",
    "का",
    "की",
    "के",
    "से",
    "में",
];

/// Spellings too far apart for the general fold that people still use for one name.
/// Keys are folded at first use, so entries are written the way people type them.
const NAME_ALIASES: &[(&str, &[&str])] = &[
    (
        "mohammad",
        &[
            "mohammed", "muhammad", "muhammed", "mohamed", "muhamed", "mohamad", "muhamad", "mohd",
            "md",
        ],
    ),
    ("agrawal", &["agarwal", "aggarwal", "agarwala", "agrawala"]),
    (
        "chaudhary",
        &[
            "chowdhury",
            "chowdhary",
            "choudhury",
            "chaudhuri",
            "chaudhry",
            "choudhry",
            "chaudhri",
        ],
    ),
    ("varma", &["verma"]),
];

/// Normalised, script-independent, spelling-tolerant key for a name, stored in the database
/// as `search_key` and compared at lookup. Lowercase Latin, honorifics and particles removed,
/// Devanagari transliterated, vowels and common Hinglish spelling variants folded
/// (aa→a, ee/ii→i, oo/uu→u, w→v, z→j, ph→f, q→k, ck→k, doubled letters collapsed, sh/s variants…).
pub fn search_key(name: &str) -> String {
    name_words(name).join(" ")
}

/// Display form cleaned of honorifics/particles and extra spaces but keeping the script and spelling:
/// "sharma ji" → "sharma", "Rahul bhai" → "Rahul", "  Amit   Kumar " → "Amit Kumar".
pub fn clean_display_name(name: &str) -> String {
    let words: Vec<&str> = name.split_whitespace().collect();
    let kept: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| !is_honorific(&w.trim_matches(|c: char| !is_word_char(c)).to_lowercase()))
        .collect();
    if kept.is_empty() {
        words.join(" ")
    } else {
        kept.join(" ")
    }
}

/// How well `query` (as said) matches a candidate, 0.0..=1.0. Considers the whole name, each word of
/// the name (first name, surname), and the nickname; uses search keys plus an edit-distance /
/// Jaro-Winkler similarity on keys (strsim). Exact key match = 1.0.
pub fn score(query: &str, name: &str, nickname: Option<&str>) -> f32 {
    let nick = nickname.map(name_words).unwrap_or_default();
    score_words(&name_words(query), &name_words(name), &nick)
}

/// A candidate the caller wants ranked (ids are the caller's).
#[derive(Debug, Clone)]
pub struct Candidate<'a, Id> {
    pub id: Id,
    pub name: &'a str,
    pub nickname: Option<&'a str>,
}

/// A candidate with its [`score`].
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked<Id> {
    pub id: Id,
    pub score: f32,
}

/// What a lookup concluded.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolution<Id> {
    /// Exactly one good match (or one clearly ahead of the rest).
    One(Ranked<Id>),
    /// Several close matches, or a single one too weak to take unasked: ask the merchant.
    /// At most `limit` (at least one), best first.
    Ambiguous(Vec<Ranked<Id>>),
    /// Nothing good enough.
    None,
}

/// Ranks candidates best first (only those scoring at least [`MIN_SCORE`]), ties kept in input order.
pub fn rank<'a, Id: Clone>(
    query: &str,
    candidates: impl IntoIterator<Item = Candidate<'a, Id>>,
) -> Vec<Ranked<Id>> {
    let query = name_words(query);
    let mut ranked: Vec<Ranked<Id>> = candidates
        .into_iter()
        .filter_map(|c| {
            let nick = c.nickname.map(name_words).unwrap_or_default();
            let score = score_words(&query, &name_words(c.name), &nick);
            (score >= MIN_SCORE).then_some(Ranked { id: c.id, score })
        })
        .collect();
    // `sort_by` is stable, which is what keeps ties in the caller's order.
    ranked.sort_by(|a, b| b.score.total_cmp(&a.score));
    ranked
}

/// Decides One / Ambiguous / None: [`Resolution::One`] when the best scores at least
/// [`CONFIDENT`] and leads the next by [`LEAD`]; [`Resolution::None`] when nothing reaches
/// [`MIN_SCORE`]; otherwise [`Resolution::Ambiguous`] with the candidates within
/// [`AMBIGUITY_WINDOW`] of the best, at most `limit` of them (a `limit` of 0 is taken as 1).
pub fn resolve<'a, Id: Clone>(
    query: &str,
    candidates: impl IntoIterator<Item = Candidate<'a, Id>>,
    limit: usize,
) -> Resolution<Id> {
    let ranked = rank(query, candidates);
    let Some(best) = ranked.first() else {
        return Resolution::None;
    };
    let best_score = best.score;
    let clear_lead = ranked
        .get(1)
        .is_none_or(|second| best_score - second.score >= LEAD);
    if best_score >= CONFIDENT && clear_lead {
        return Resolution::One(best.clone());
    }
    Resolution::Ambiguous(
        ranked
            .into_iter()
            .take_while(|r| r.score >= best_score - AMBIGUITY_WINDOW)
            .take(limit.max(1))
            .collect(),
    )
}

/// Compares word keys; shared by names and products.
fn score_words(query: &[String], name: &[String], nick: &[String]) -> f32 {
    if query.is_empty() || name.is_empty() {
        return 0.0;
    }
    // Comparing without spaces first makes "Mohanlal"/"Mohan Lal" and "ParleG"/"Parle G" exact.
    let said = query.concat();
    if said == name.concat() || (!nick.is_empty() && said == nick.concat()) {
        return 1.0;
    }
    let query = &query[..query.len().min(MAX_WORDS)];
    let name = &name[..name.len().min(MAX_WORDS)];
    let nick = &nick[..nick.len().min(MAX_WORDS)];
    let pool: Vec<&String> = name.iter().chain(nick).collect();

    let mut pairs: Vec<(f32, usize, usize)> = Vec::with_capacity(query.len() * pool.len());
    for (qi, q) in query.iter().enumerate() {
        for (pi, p) in pool.iter().enumerate() {
            pairs.push((word_similarity(q, p), qi, pi));
        }
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut query_used = vec![false; query.len()];
    let mut pool_sim: Vec<Option<f32>> = vec![None; pool.len()];
    let mut total = 0.0;
    for (sim, qi, pi) in pairs {
        if !query_used[qi] && pool_sim[pi].is_none() {
            query_used[qi] = true;
            pool_sim[pi] = Some(sim);
            total += sim;
        }
    }
    let said_all = |range: std::ops::Range<usize>| {
        !range.is_empty()
            && pool_sim[range]
                .iter()
                .all(|s| s.is_some_and(|s| s >= WORD_SAID))
    };
    let complete = said_all(0..name.len()) || said_all(name.len()..pool.len());
    let average = total / query.len() as f32;
    let mut score = if complete { average } else { average * PARTIAL };
    if said_all(0..name.len()) && query.len() > name.len() {
        // Every stored word was said, plus more ("Rahul Sharma" for a stored "Rahul"): probably
        // the same person, but the extra word might point at someone not in the books yet.
        let stored: f32 = pool_sim[..name.len()].iter().flatten().sum();
        score = score.max(stored / name.len() as f32 * EXTRA_WORDS);
    }
    // Only a match without spaces is exact; anything else (even reordered words) ranks below it.
    score.clamp(0.0, 0.99)
}

fn word_similarity(a: &str, b: &str) -> f32 {
    if a == b {
        return 1.0;
    }
    let (mut ca, mut cb) = (a.chars(), b.chars());
    let (first_a, first_b) = (ca.next(), cb.next());
    let (single_a, single_b) = (ca.next().is_none(), cb.next().is_none());
    if single_a || single_b {
        return if first_a == first_b { INITIAL } else { 0.0 };
    }
    let mut sim = (strsim::jaro_winkler(a, b) + strsim::normalized_levenshtein(a, b)) / 2.0;
    let both_vowels = first_a.is_some_and(is_vowel) && first_b.is_some_and(is_vowel);
    if first_a != first_b && !both_vowels {
        sim *= FIRST_LETTER_CHANGED;
    }
    (sim as f32).clamp(0.0, 0.99)
}

/// Words of a name as keys, honorifics removed unless that would remove everything.
fn name_words(name: &str) -> Vec<String> {
    let raw = raw_words(name);
    let meaningful: Vec<&String> = raw.iter().filter(|w| !is_honorific(w)).collect();
    let chosen: Vec<&String> = if meaningful.is_empty() {
        raw.iter().collect()
    } else {
        meaningful
    };
    chosen
        .into_iter()
        .map(|w| {
            let key = word_key(w);
            ALIASES.get(&key).cloned().unwrap_or(key)
        })
        .collect()
}

/// Lowercased runs of word characters; everything else separates words.
fn raw_words(text: &str) -> Vec<String> {
    text.split(|c: char| !is_word_char(c))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn is_word_char(c: char) -> bool {
    // Indic vowel signs and viramas are combining marks, not alphanumeric, but belong to the word.
    // Dandas are sentence punctuation; ZWJ/ZWNJ only steer conjunct rendering.
    c.is_alphanumeric()
        || (matches!(c, '\u{0900}'..='\u{0DFF}') && !matches!(c, '\u{0964}' | '\u{0965}'))
        || matches!(c, '\u{200C}' | '\u{200D}')
}

fn is_honorific(word: &str) -> bool {
    HONORIFICS.contains(&word) || is_particle(word)
}

pub(super) fn is_particle(word: &str) -> bool {
    PARTICLES.contains(&word)
}

fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u')
}

/// Key of one lowercased word.
fn word_key(word: &str) -> String {
    let folded = fold::fold(&translit::to_latin(word));
    // A word made only of marks that carry no sound still has to match itself.
    if folded.is_empty() {
        word.to_string()
    } else {
        folded
    }
}

static ALIASES: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
    let mut map = HashMap::new();
    for (canonical, variants) in NAME_ALIASES {
        let canonical = fold::fold(canonical);
        for variant in *variants {
            map.insert(fold::fold(variant), canonical.clone());
        }
    }
    map
});
