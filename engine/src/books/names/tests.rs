//! Behaviour of name and product matching, by example and by property.

use proptest::prelude::*;

use super::*;

fn cand<'a>(id: u32, name: &'a str) -> Candidate<'a, u32> {
    Candidate {
        id,
        name,
        nickname: None,
    }
}

fn one_id(resolution: Resolution<u32>) -> Option<u32> {
    match resolution {
        Resolution::One(r) => Some(r.id),
        _ => None,
    }
}

fn ambiguous_ids(resolution: Resolution<u32>) -> Vec<u32> {
    match resolution {
        Resolution::Ambiguous(list) => list.into_iter().map(|r| r.id).collect(),
        other => panic!("expected Ambiguous, got {other:?}"),
    }
}

#[test]
fn spoken_spellings_of_rahul_share_the_stored_key() {
    let stored = search_key("Rahul");
    for said in [
        "Rahul",
        "Raahul",
        "Rahool",
        "rahul bhai",
        "RAHUL",
        "राहुल",
        "राहुल जी",
        "Rahul ko",
    ] {
        assert_eq!(search_key(said), stored, "{said}");
        assert_eq!(score(said, "Rahul", None), 1.0, "{said}");
    }
}

#[test]
fn honorific_with_surname_finds_the_surname() {
    assert_eq!(search_key("Sharma ji"), search_key("sharma"));
    assert!(score("Sharma ji", "Ramesh Sharma", None) >= CONFIDENT);
    let customers = [cand(1, "Ramesh Sharma"), cand(2, "Suresh Verma")];
    assert_eq!(one_id(resolve("Sharma ji", customers, 3)), Some(1));
}

#[test]
fn shared_first_name_is_ambiguous() {
    let customers = [cand(1, "Rahul Sharma"), cand(2, "Rahul Verma")];
    assert_eq!(
        ambiguous_ids(resolve("Rahul", customers.clone(), 3)),
        vec![1, 2]
    );
    assert_eq!(one_id(resolve("Rahul Sharma", customers, 3)), Some(1));
}

#[test]
fn spelling_variant_of_the_only_customer_is_one() {
    assert_eq!(one_id(resolve("Raahul", [cand(7, "Rahul")], 3)), Some(7));
}

#[test]
fn different_name_is_none() {
    assert_eq!(resolve("Rohit", [cand(1, "Rahul")], 3), Resolution::None);
}

#[test]
fn one_consonant_apart_asks_instead_of_guessing() {
    for (said, stored) in [("Rakesh", "Rajesh"), ("Karan", "Kiran"), ("Mohit", "Rohit")] {
        let resolution = resolve(said, [cand(1, stored)], 3);
        assert!(
            matches!(resolution, Resolution::Ambiguous(_) | Resolution::None),
            "{said}/{stored}: {resolution:?}"
        );
    }
}

#[test]
fn ambiguous_list_respects_limit_and_order() {
    let customers = [
        cand(1, "Rahul Verma"),
        cand(2, "Rahul Sharma"),
        cand(3, "Rahul Gupta"),
        cand(4, "Rahul"),
    ];
    let ids = ambiguous_ids(resolve("Rahul", customers[..3].to_vec(), 2));
    assert_eq!(ids, vec![1, 2], "ties keep input order, limit cuts");
    assert_eq!(
        ambiguous_ids(resolve("Rahul", customers[..3].to_vec(), 0)).len(),
        1
    );
    assert_eq!(
        one_id(resolve("Rahul", customers, 3)),
        Some(4),
        "an exact full name beats first-name matches"
    );
}

#[test]
fn duplicate_names_are_ambiguous() {
    let customers = [cand(1, "Amit Kumar"), cand(2, "Amit  Kumar")];
    assert_eq!(
        ambiguous_ids(resolve("amit kumar", customers, 5)),
        vec![1, 2]
    );
}

#[test]
fn nickname_finds_the_customer() {
    let customers = [
        Candidate {
            id: 1,
            name: "Prakash Gupta",
            nickname: Some("Pappu"),
        },
        Candidate {
            id: 2,
            name: "Pankaj Gupta",
            nickname: None,
        },
    ];
    assert_eq!(score("Pappu", "Prakash Gupta", Some("Pappu")), 1.0);
    assert_eq!(score("pappu bhai", "Prakash Gupta", Some("पप्पू")), 1.0);
    assert!(score("Pappu Gupta", "Prakash Gupta", Some("Pappu")) >= CONFIDENT);
    assert_eq!(one_id(resolve("Pappu", customers, 3)), Some(1));
}

#[test]
fn surname_and_first_name_each_match_alone() {
    for said in ["Gupta", "Prakash", "gupta ji", "गुप्ता जी", "प्रकाश"]
    {
        let s = score(said, "Prakash Gupta", None);
        assert!((CONFIDENT..1.0).contains(&s), "{said}: {s}");
    }
}

#[test]
fn saying_more_than_was_stored_asks() {
    assert_eq!(
        ambiguous_ids(resolve("Rahul Sharma", [cand(1, "Rahul")], 3)),
        vec![1]
    );
    assert_eq!(
        one_id(resolve(
            "Rahul Sharma",
            [cand(1, "Rahul"), cand(2, "Rahul Sharma")],
            3
        )),
        Some(2)
    );
}

#[test]
fn precomposed_and_separate_nukta_agree() {
    assert_eq!(
        search_key("\u{095B}\u{0939}\u{0940}\u{0930}"),
        search_key("\u{091C}\u{093C}\u{0939}\u{0940}\u{0930}")
    );
    assert_eq!(
        search_key("\u{095E}\u{093E}\u{0924}\u{093F}\u{092E}\u{093E}"),
        "fatima"
    );
}

#[test]
fn two_word_names_match_in_either_spacing_and_order() {
    assert_eq!(score("Mohanlal", "Mohan Lal", None), 1.0);
    assert_eq!(score("Amit   Kumar", "amit kumar", None), 1.0);
    assert!(score("Kumar Amit", "Amit Kumar", None) >= CONFIDENT);
    assert!(score("R Sharma", "Rahul Sharma", None) >= CONFIDENT);
}

#[test]
fn devanagari_and_latin_find_each_other() {
    let pairs = [
        ("राहुल", "Rahul"),
        ("सुनीता", "Sunita"),
        ("इमरान", "Imran"),
        ("अंजलि", "Anjali"),
        ("शर्मा", "Sharma"),
        ("गुप्ता", "Gupta"),
        ("मोहित", "Mohit"),
        ("प्रिया", "Priya"),
        ("दीपक", "Deepak"),
        ("दीपक", "Dipak"),
        ("कमला", "Kamla"),
        ("सलमान", "Salman"),
        ("सुरेश", "Suresh"),
        ("रमेश", "Ramesh"),
        ("प्रकाश", "Prakash"),
        ("संजय", "Sanjay"),
        ("अजय", "Ajay"),
        ("पूजा", "Pooja"),
        ("कृष्ण", "Krishna"),
        ("मिश्रा", "Mishra"),
        ("सिंह", "Singh"),
        ("लक्ष्मी", "Lakshmi"),
        ("ज़हीर", "Zaheer"),
        ("फ़ातिमा", "Fatima"),
        ("पांडे", "Pandey"),
        ("यादव", "Yadav"),
        ("ठाकुर", "Thakur"),
        ("चौधरी", "Chaudhary"),
        ("वर्मा", "Verma"),
        ("मोहम्मद", "Mohammed"),
        ("जगदीश", "Jagdish"),
        ("नवीन", "Naveen"),
        ("ज्ञान", "Gyan"),
        ("सचिन", "Sachin"),
    ];
    for (deva, latin) in pairs {
        assert_eq!(search_key(deva), search_key(latin), "{deva} vs {latin}");
        assert_eq!(
            one_id(resolve(deva, [cand(1, latin)], 3)),
            Some(1),
            "{deva} finds {latin}"
        );
        assert_eq!(
            one_id(resolve(latin, [cand(1, deva)], 3)),
            Some(1),
            "{latin} finds {deva}"
        );
    }
}

#[test]
fn devanagari_full_names_with_honorifics() {
    assert_eq!(search_key("रमेश शर्मा जी"), search_key("Ramesh Sharma"));
    let customers = [cand(1, "Ramesh Sharma"), cand(2, "Suresh Verma")];
    assert_eq!(one_id(resolve("शर्मा जी", customers, 3)), Some(1));
}

#[test]
fn transliteration_variants_share_a_key() {
    let families: &[&[&str]] = &[
        &["Mohammad", "Mohammed", "Muhammad", "Mohd", "Md"],
        &["Laxmi", "Lakshmi", "लक्ष्मी"],
        &["Shyam", "Syam", "श्याम"],
        &["Vijay", "Wijay", "विजय"],
        &["Zaheer", "Jaheer", "Zahir"],
        &["Sunita", "Suneeta"],
        &["Abhishek", "Abishek"],
        &["Siddharth", "Sidharth", "सिद्धार्थ"],
        &["Gaurav", "Gourav", "गौरव"],
        &["Pinky", "Pinki"],
        &["Agarwal", "Agrawal", "अग्रवाल"],
    ];
    for family in families {
        let key = search_key(family[0]);
        for variant in &family[1..] {
            assert_eq!(search_key(variant), key, "{} vs {variant}", family[0]);
        }
    }
}

#[test]
fn clean_display_name_keeps_script_and_spelling() {
    assert_eq!(clean_display_name("sharma ji"), "sharma");
    assert_eq!(clean_display_name("Rahul bhai"), "Rahul");
    assert_eq!(clean_display_name("  Amit   Kumar "), "Amit Kumar");
    assert_eq!(clean_display_name("Mr. Raahul"), "Raahul");
    assert_eq!(clean_display_name("राहुल जी"), "राहुल");
    assert_eq!(clean_display_name("Parle-G"), "Parle-G");
}

#[test]
fn a_name_is_never_stripped_to_nothing() {
    assert_eq!(clean_display_name("Bhai ji"), "Bhai ji");
    assert_eq!(search_key("bhai ji"), "bai ji");
    assert_eq!(score("Didi", "Didi", None), 1.0);
    assert_eq!(search_key("Seth"), "set");
}

#[test]
fn product_synonyms_share_a_key() {
    let families: &[&[&str]] = &[
        &["milk", "doodh", "dudh", "दूध", "Milk"],
        &["rice", "chawal", "चावल"],
        &["sugar", "cheeni", "chini", "शक्कर", "चीनी"],
        &["eggs", "egg", "ande", "anda", "अंडे"],
        &["flour", "atta", "aata", "आटा"],
        &["lentils", "dal", "daal", "दाल"],
        &["tea", "chai patti", "chai", "चाय पत्ती"],
        &["bread", "double roti"],
        &["butter", "makhan", "makkhan"],
        &["onion", "pyaz", "pyaaz", "प्याज़"],
        &["tomato", "tamatar", "tomatoes"],
        &["biscuit", "biscuits"],
        &["Parle G", "Parle-G", "parle g"],
        &["salt", "namak", "नमक"],
        &["oil", "tel", "तेल"],
        &["mustard oil", "sarson ka tel", "सरसों का तेल"],
    ];
    for family in families {
        let key = product_search_key(family[0]);
        for variant in &family[1..] {
            assert_eq!(
                product_search_key(variant),
                key,
                "{} vs {variant}",
                family[0]
            );
            assert_eq!(
                product_score(variant, family[0]),
                1.0,
                "{} vs {variant}",
                family[0]
            );
        }
    }
}

#[test]
fn product_words_inside_longer_names() {
    assert_eq!(product_search_key("Amul doodh"), "amul milk");
    assert!(product_score("doodh", "Amul Milk") >= CONFIDENT);
    assert!(product_score("doodh ka packet", "Milk packet") >= CONFIDENT);
    assert!(product_score("ParleG", "Parle-G") >= CONFIDENT);
    assert!(product_score("chawal", "Sugar") < MIN_SCORE);
    assert!(
        product_score("kali mirch", "Chilli") < CONFIDENT,
        "a phrase wins over its words"
    );
}

#[test]
fn product_synonym_table_has_no_conflicts() {
    let mut seen = std::collections::HashMap::new();
    for (canonical, words) in products::synonym_table() {
        for word in *words {
            let key = product_search_key(word);
            let family = product_search_key(canonical);
            assert_eq!(key, family, "{word} must map to {canonical}");
            if let Some(previous) = seen.insert(search_key(word), *canonical) {
                assert_eq!(previous, *canonical, "{word} is listed under two items");
            }
        }
    }
    assert!(products::synonym_table().len() >= 60);
}

#[test]
fn hostile_and_odd_inputs_do_not_panic() {
    let long = "राहुल ".repeat(100) + &"a".repeat(500);
    let inputs = [
        "",
        "   ",
        "'; DROP TABLE customers; --",
        "Robert'); DELETE FROM books;--",
        "\"Rahul\"",
        "‘Sharma’ ji",
        "😀🙏",
        "Rahul 😀",
        "्",
        "ं",
        "़",
        "\u{200d}\u{200c}",
        "।।",
        "\0\u{7}",
        "ＲＡＨＵＬ",
        "ß İ ǅ",
        "a",
        long.as_str(),
    ];
    for input in inputs {
        let _ = search_key(input);
        let _ = clean_display_name(input);
        let _ = product_search_key(input);
        for other in inputs {
            let s = score(input, other, Some(input));
            assert!((0.0..=1.0).contains(&s));
            let p = product_score(input, other);
            assert!((0.0..=1.0).contains(&p));
        }
        let _ = resolve(
            input,
            inputs.iter().enumerate().map(|(i, n)| cand(i as u32, n)),
            3,
        );
    }
    assert_eq!(score("", "Rahul", None), 0.0);
    assert_eq!(score("Rahul", "", None), 0.0);
    assert_eq!(resolve("", [cand(1, "Rahul")], 3), Resolution::None);
    assert_eq!(
        search_key("'; DROP TABLE customers; --"),
        "drop table kustomers"
    );
}

proptest! {
    #[test]
    fn search_key_never_panics(s in any::<String>()) {
        let _ = search_key(&s);
        let _ = clean_display_name(&s);
        let _ = product_search_key(&s);
    }

    #[test]
    fn score_stays_in_range(a in any::<String>(), b in any::<String>(), n in proptest::option::of(any::<String>())) {
        let s = score(&a, &b, n.as_deref());
        prop_assert!((0.0..=1.0).contains(&s));
        let p = product_score(&a, &b);
        prop_assert!((0.0..=1.0).contains(&p));
    }

    #[test]
    fn score_of_a_name_with_itself_is_one(s in "\\PC*") {
        prop_assume!(s.chars().any(char::is_alphabetic));
        prop_assert!(!search_key(&s).is_empty());
        prop_assert_eq!(score(&s, &s, None), 1.0);
        prop_assert_eq!(product_score(&s, &s), 1.0);
    }

    #[test]
    fn devanagari_names_match_themselves(s in "[\u{0900}-\u{097F} ]{1,20}") {
        prop_assume!(!search_key(&s).is_empty());
        prop_assert_eq!(score(&s, &s, None), 1.0);
    }

    #[test]
    fn rank_never_panics_and_is_sorted(q in any::<String>(), names in proptest::collection::vec(any::<String>(), 0..8)) {
        let ranked = rank(&q, names.iter().enumerate().map(|(i, n)| cand(i as u32, n)));
        prop_assert!(ranked.windows(2).all(|w| w[0].score >= w[1].score));
        prop_assert!(ranked.iter().all(|r| r.score >= MIN_SCORE));
        let _ = resolve(&q, names.iter().enumerate().map(|(i, n)| cand(i as u32, n)), 3);
    }
}
