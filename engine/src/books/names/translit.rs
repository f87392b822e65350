//! Devanagari → Latin transliteration tuned for Hindi names, producing input for the search key.
//!
//! Hand-written on purpose: the small transliteration crates either map letters one-to-one
//! (so राहुल becomes "raahula", never "rahul") or target a scholarly scheme (IAST, ISO 15919)
//! with diacritics. What a lookup key needs is how a merchant would type the name in Latin,
//! which means deleting the Hindi schwa (the unwritten inherent "a") the way speech does.
//! The output is only ever folded further by the search key, so long vowels are written
//! short here and spelling niceties are left to the fold.

/// The vowel a consonant carries.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Vowel {
    /// The unwritten "a"; a candidate for schwa deletion.
    Inherent,
    /// Deleted by schwa rules.
    Deleted,
    /// Killed by a virama (halant): the consonant is the first half of a cluster.
    Halant,
    /// A written vowel sign (matra).
    Sign(&'static str),
}

enum Tok {
    Consonant {
        latin: &'static str,
        vowel: Vowel,
    },
    /// Independent vowel letter, or a vowel sign with no consonant to sit on.
    Vowel(&'static str),
    /// Anusvara / chandrabindu: a nasal that closes the syllable before it.
    Nasal,
    /// Visarga, digits: emitted as is, never affect schwa rules.
    Other(char),
}

pub(super) fn is_devanagari(c: char) -> bool {
    matches!(c, '\u{0900}'..='\u{097F}' | '\u{A8E0}'..='\u{A8FF}')
}

fn consonant(c: char) -> Option<&'static str> {
    Some(match c {
        'क' => "k",
        'ख' => "kh",
        'ग' => "g",
        'घ' => "gh",
        'ङ' => "n",
        'च' => "ch",
        'छ' => "chh",
        'ज' => "j",
        'झ' => "jh",
        'ञ' => "n",
        'ट' => "t",
        'ठ' => "th",
        'ड' => "d",
        'ढ' => "dh",
        'ण' => "n",
        'त' => "t",
        'थ' => "th",
        'द' => "d",
        'ध' => "dh",
        'न' | 'ऩ' => "n",
        'प' => "p",
        'फ' => "ph",
        'ब' => "b",
        'भ' => "bh",
        'म' => "m",
        'य' | '\u{095F}' => "y",
        'र' | 'ऱ' => "r",
        'ल' | 'ळ' | 'ऴ' => "l",
        'व' => "v",
        'श' | 'ष' => "sh",
        'स' => "s",
        'ह' => "h",
        // Precomposed nukta letters (Urdu and Persian sounds).
        '\u{0958}' => "q",
        '\u{0959}' => "kh",
        '\u{095A}' => "g",
        '\u{095B}' => "z",
        '\u{095C}' => "r",
        '\u{095D}' => "rh",
        '\u{095E}' => "f",
        _ => return None,
    })
}

/// A nukta written as a separate mark after its consonant.
fn with_nukta(latin: &'static str) -> &'static str {
    match latin {
        "k" => "q",
        "j" => "z",
        "d" => "r",
        "dh" => "rh",
        "ph" => "f",
        other => other,
    }
}

fn independent_vowel(c: char) -> Option<&'static str> {
    Some(match c {
        'अ' | 'आ' => "a",
        'इ' | 'ई' => "i",
        'उ' | 'ऊ' => "u",
        'ऋ' | 'ॠ' => "ri",
        'ऌ' | 'ॡ' => "li",
        'ए' | 'ऍ' | 'ऎ' => "e",
        'ऐ' => "ai",
        'ओ' | 'ऑ' | 'ऒ' => "o",
        'औ' => "au",
        _ => return None,
    })
}

fn vowel_sign(c: char) -> Option<&'static str> {
    Some(match c {
        'ा' => "a",
        'ि' | 'ी' => "i",
        'ु' | 'ू' => "u",
        'ृ' | 'ॄ' => "ri",
        'ॢ' | 'ॣ' => "li",
        'े' | 'ॅ' | 'ॆ' => "e",
        'ै' => "ai",
        'ो' | 'ॉ' | 'ॊ' => "o",
        'ौ' | 'ॏ' => "au",
        _ => return None,
    })
}

fn tokenize(word: &str) -> Vec<Tok> {
    let mut toks: Vec<Tok> = Vec::with_capacity(word.len() / 2);
    for c in word.chars() {
        if let Some(mut latin) = consonant(c) {
            // ज्ञ is said "gy" in Hindi (ज्ञान → gyan), not "jn".
            if c == 'ञ'
                && let Some(Tok::Consonant {
                    latin: head,
                    vowel: Vowel::Halant,
                }) = toks.last_mut()
                && *head == "j"
            {
                *head = "g";
                latin = "y";
            }
            toks.push(Tok::Consonant {
                latin,
                vowel: Vowel::Inherent,
            });
        } else if let Some(v) = vowel_sign(c) {
            match toks.last_mut() {
                Some(Tok::Consonant { vowel, .. }) if *vowel == Vowel::Inherent => {
                    *vowel = Vowel::Sign(v)
                }
                _ => toks.push(Tok::Vowel(v)),
            }
        } else if let Some(v) = independent_vowel(c) {
            toks.push(Tok::Vowel(v));
        } else {
            match c {
                '\u{094D}' => {
                    if let Some(Tok::Consonant { vowel, .. }) = toks.last_mut()
                        && *vowel == Vowel::Inherent
                    {
                        *vowel = Vowel::Halant;
                    }
                }
                '\u{093C}' => {
                    if let Some(Tok::Consonant {
                        latin,
                        vowel: Vowel::Inherent,
                    }) = toks.last_mut()
                    {
                        *latin = with_nukta(latin);
                    }
                }
                'ं' | 'ँ' | 'ऀ' => toks.push(Tok::Nasal),
                'ः' => toks.push(Tok::Other('h')),
                '०'..='९' => {
                    let digit = u32::from(c) - u32::from('०');
                    if let Some(d) = char::from_digit(digit, 10) {
                        toks.push(Tok::Other(d));
                    }
                }
                // Dandas, avagraha, Om, ZWJ/ZWNJ and other signs carry nothing a name key needs.
                _ => {}
            }
        }
    }
    toks
}

/// Does this token end in a pronounced vowel (so the next consonant opens a new syllable)?
fn ends_in_vowel(tok: &Tok) -> bool {
    match tok {
        Tok::Vowel(_) => true,
        Tok::Consonant { vowel, .. } => matches!(vowel, Vowel::Inherent | Vowel::Sign(_)),
        Tok::Nasal | Tok::Other(_) => false,
    }
}

fn is_halant(tok: &Tok) -> bool {
    matches!(
        tok,
        Tok::Consonant {
            vowel: Vowel::Halant,
            ..
        }
    )
}

/// Hindi drops the inherent "a" at the end of a word (राहुल is "rahul"), except after most
/// clusters (मिश्र stays "mishra"), and inside a word in the pattern V C a C V (कमला is "kamla").
/// Scanning right to left means a deletion closes the syllable before it, which is exactly what
/// blocks two deletions in a row.
fn delete_schwas(toks: &mut [Tok]) {
    let n = toks.len();
    if n >= 2 {
        // र्थ, र्म: the r-headed cluster is said open in Hindi (सिद्धार्थ → "siddharth"), except
        // before y (सूर्य → "surya").
        let reph_cluster = matches!(
            toks[n - 2],
            Tok::Consonant {
                latin: "r",
                vowel: Vowel::Halant
            }
        ) && !matches!(toks[n - 1], Tok::Consonant { latin: "y", .. });
        let prev_is_cluster = is_halant(&toks[n - 2]) && !reph_cluster;
        let carries_vowel_before = toks[..n - 1]
            .iter()
            .any(|t| ends_in_vowel(t) || matches!(t, Tok::Vowel(_)));
        if let Tok::Consonant { vowel, .. } = &mut toks[n - 1]
            && *vowel == Vowel::Inherent
            && !prev_is_cluster
            && carries_vowel_before
        {
            *vowel = Vowel::Deleted;
        }
    }
    for i in (1..n.saturating_sub(1)).rev() {
        let next_opens_syllable = matches!(
            &toks[i + 1],
            Tok::Consonant {
                vowel: Vowel::Inherent | Vowel::Sign(_),
                ..
            }
        );
        let prev_is_vowel = ends_in_vowel(&toks[i - 1]);
        if let Tok::Consonant { vowel, .. } = &mut toks[i]
            && *vowel == Vowel::Inherent
            && next_opens_syllable
            && prev_is_vowel
        {
            *vowel = Vowel::Deleted;
        }
    }
}

/// Transliterates a single word; non-Devanagari characters pass through unchanged.
pub(super) fn to_latin(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut run = String::new();
    for c in word.chars() {
        if is_devanagari(c) {
            run.push(c);
        } else {
            if !run.is_empty() {
                render_run(&run, &mut out);
                run.clear();
            }
            out.push(c);
        }
    }
    if !run.is_empty() {
        render_run(&run, &mut out);
    }
    out
}

fn render_run(run: &str, out: &mut String) {
    let mut toks = tokenize(run);
    delete_schwas(&mut toks);
    for (i, tok) in toks.iter().enumerate() {
        let next = toks.get(i + 1);
        match tok {
            Tok::Consonant { latin, vowel } => {
                out.push_str(latin);
                match vowel {
                    Vowel::Inherent => out.push('a'),
                    Vowel::Sign(v) => out.push_str(v),
                    Vowel::Deleted | Vowel::Halant => {}
                }
            }
            Tok::Vowel(v) => out.push_str(v),
            // Before h the anusvara is a velar nasal (सिंह → "singh"); elsewhere "n" is what
            // people type, and the key folds n/m before labials anyway.
            Tok::Nasal => match next {
                Some(Tok::Consonant { latin: "h", .. }) => out.push_str("ng"),
                _ => out.push('n'),
            },
            Tok::Other(c) => out.push(*c),
        }
    }
}
