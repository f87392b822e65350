//! The rules parser against the corpus written from the contract: the development part case by
//! case, the held-out part by its figures only (its cases are never printed, here or anywhere).

use execora_engine::nlu::eval::{self, CaseFile, EvalCase, EvalReport, SafetyCase, SafetyReport};
use execora_engine::nlu::rules::parse;

const GENERAL: [&str; 2] = ["money", "other"];

/// Floors the parser holds today, so that understanding cannot silently get worse. Raise them
/// when the parser improves; docs/UNDERSTANDING.md gives the measured figures and the targets.
/// The targets (exact ≥ 97%, confident and wrong ≤ 0.5%, deferred ≤ 10%, no wrong
/// booking on the held-out safety part, every control booked) are not all met yet: one control
/// of the first two waves is asked (and two wave-3 traps are booked, below); these floors are
/// what holds today. Confident-and-wrong on the first two waves was 0.62% until the seventh
/// round's families (2026-12-06); it is 0.37% now.
const DEV_EXACT_AT_LEAST: f64 = 99.5;
const DEV_CONFIDENT_WRONG_AT_MOST: f64 = 0.0;
const DEV_DEFERRED_AT_MOST: f64 = 4.0;
const HELD_OUT_EXACT_AT_LEAST: f64 = 98.7;
const HELD_OUT_CONFIDENT_WRONG_AT_MOST: f64 = 0.4;
const HELD_OUT_DEFERRED_AT_MOST: f64 = 5.3;
/// One held-out control (English) is still asked instead of booked; the target is zero. No
/// held-out safety case is booked wrongly (the target, held exactly).
const HELD_OUT_CONTROLS_ASKED_AT_MOST: usize = 1;

/// The third held-out wave (`heldout/wave3-*.jsonl`), written after three rounds of rule work
/// and never read by the rules' author: a fresh measure of generalisation, kept apart from the
/// first two waves so each keeps its own history. First measured 2026-12-06 at 364/367 exact
/// and one confident and wrong; 366/367 and none after the fifth and sixth probe rounds.
const WAVE3_EXACT_AT_LEAST: f64 = 99.7;
const WAVE3_CONFIDENT_WRONG_AT_MOST: f64 = 0.0;
const WAVE3_DEFERRED_AT_MOST: f64 = 4.5;
/// One wave-3 trap is booked today (the target is none; three until the review fixes of the
/// sixth round, two until the bill checks of the twenty-third round, which never opened it): a
/// floor against getting worse.
const WAVE3_WRONG_BOOKINGS_AT_MOST: usize = 1;

/// A corpus file; a missing or unreadable one fails (a figure nobody measures is no guard).
fn load(part: &str, name: &str) -> CaseFile {
    let path = format!(
        "{}/../fixtures/nlu/{part}/{name}.jsonl",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) => panic!("{path} cannot be read: {error}"),
    };
    match eval::load_file(&text) {
        Ok(cases) => cases,
        Err(error) => panic!("{path}: {error}"),
    }
}

fn general(part: &str) -> Vec<EvalCase> {
    GENERAL
        .iter()
        .flat_map(|name| match load(part, name) {
            CaseFile::General(cases) => cases,
            CaseFile::Safety(_) => panic!("{part}/{name} should hold general cases"),
        })
        .collect()
}

fn safety(part: &str) -> Vec<SafetyCase> {
    match load(part, "safety") {
        CaseFile::Safety(cases) => cases,
        CaseFile::General(_) => panic!("{part}/safety should hold safety cases"),
    }
}

fn assert_meets(report: &EvalReport, shown: &str, exact: f64, confident_wrong: f64, deferred: f64) {
    assert!(
        report.accuracy() >= exact
            && report.confident_wrong_rate() <= confident_wrong
            && report.deferred_rate() <= deferred,
        "wanted exact ≥ {exact}%, confident and wrong ≤ {confident_wrong}%, deferred ≤ {deferred}%\n{shown}"
    );
}

/// A probe round's safety file: at least 360 cases, none booked wrongly, and at most
/// `asked_at_most` controls asked (the floor as last measured).
fn assert_probe_round(name: &str, asked_at_most: usize) {
    let CaseFile::Safety(cases) = load("corpus", name) else {
        panic!("corpus/{name} should hold safety cases");
    };
    let report = eval::evaluate_safety(&cases, parse);
    assert!(
        report.total >= 360
            && report.wrong_bookings == 0
            && report.controls_not_booked <= asked_at_most,
        "{name}\n{}",
        report.render(false)
    );
}

fn assert_safe(report: &SafetyReport, shown: &str) {
    assert!(
        report.wrong_bookings == 0 && report.controls_not_booked == 0,
        "no wrong booking and every control booked at once\n{shown}"
    );
}

#[test]
fn the_corpus_is_large_enough_to_mean_something() {
    let held_out = general("heldout").len();
    let all_general = general("corpus").len() + held_out;
    let safety_cases = safety("corpus").len() + safety("heldout").len();
    let controls = safety("corpus")
        .iter()
        .chain(safety("heldout").iter())
        .filter(|case| case.class == "control")
        .count();
    assert!(all_general >= 1500, "{all_general} general cases");
    assert!(safety_cases >= 300, "{safety_cases} safety cases");
    assert!(controls >= 50, "{controls} controls");
    // About 30% is held out (by a hash of the text); a part that shrank to nothing would pass.
    assert!(held_out * 5 >= all_general, "held-out part too small");
}

#[test]
fn the_development_part_is_understood() {
    let report = eval::evaluate(&general("corpus"), parse);
    assert_meets(
        &report,
        &report.render(false),
        DEV_EXACT_AT_LEAST,
        DEV_CONFIDENT_WRONG_AT_MOST,
        DEV_DEFERRED_AT_MOST,
    );
}

#[test]
fn the_held_out_part_is_understood() {
    let report = eval::evaluate(&general("heldout"), parse);
    assert_meets(
        &report,
        &report.render(true),
        HELD_OUT_EXACT_AT_LEAST,
        HELD_OUT_CONFIDENT_WRONG_AT_MOST,
        HELD_OUT_DEFERRED_AT_MOST,
    );
}

#[test]
fn nothing_in_the_development_safety_corpus_is_booked_wrongly() {
    let report = eval::evaluate_safety(&safety("corpus"), parse);
    assert_safe(&report, &report.render(false));
}

#[test]
fn the_held_out_safety_corpus_holds_its_floor() {
    let report = eval::evaluate_safety(&safety("heldout"), parse);
    assert!(
        report.wrong_bookings == 0 && report.controls_not_booked <= HELD_OUT_CONTROLS_ASKED_AT_MOST,
        "{}",
        report.render(true)
    );
}

#[test]
fn the_money_probes_are_understood_exactly_and_book_nothing_wrongly() {
    let CaseFile::General(cases) = load("corpus", "probe-money") else {
        panic!("corpus/probe-money should hold general cases");
    };
    let report = eval::evaluate(&cases, parse);
    assert_eq!(report.correct, report.total, "{}", report.render(false));
    assert_meets(&report, &report.render(false), 100.0, 0.0, 0.0);
    let CaseFile::Safety(cases) = load("corpus", "probe-safety") else {
        panic!("corpus/probe-safety should hold safety cases");
    };
    let report = eval::evaluate_safety(&cases, parse);
    assert_safe(&report, &report.render(false));
}

/// The fourth round's probes (`corpus/probe-families*.jsonl`): word orders, glued honorifics,
/// fillers, documents' numbers, relative and past times, second requests, written from the
/// contract. Four odd phrasings are still asked rather than read; none is read wrongly.
#[test]
fn the_family_probes_are_understood_and_book_nothing_wrongly() {
    let CaseFile::General(cases) = load("corpus", "probe-families") else {
        panic!("corpus/probe-families should hold general cases");
    };
    let report = eval::evaluate(&cases, parse);
    assert!(report.total >= 350, "{} family probes", report.total);
    assert_meets(&report, &report.render(false), 98.5, 0.0, 4.0);
    let CaseFile::Safety(cases) = load("corpus", "probe-families-safety") else {
        panic!("corpus/probe-families-safety should hold safety cases");
    };
    let report = eval::evaluate_safety(&cases, parse);
    assert_safe(&report, &report.render(false));
}

/// The fifth round's probes (`corpus/probe-round5*.jsonl`, 487 clear commands and 388 safety
/// cases written from the contract): fillers and pauses, word orders, plans, hearsay, named
/// dates. A few odd phrasings are asked rather than read; none is read wrongly. One control
/// ("Raja ne 500 diye, 500 hi diye": the amount said twice) is asked, which it may well be.
#[test]
fn the_fifth_round_probes_are_understood_and_book_nothing_wrongly() {
    let CaseFile::General(cases) = load("corpus", "probe-round5") else {
        panic!("corpus/probe-round5 should hold general cases");
    };
    let report = eval::evaluate(&cases, parse);
    assert!(report.total >= 450, "{} round-5 probes", report.total);
    assert_meets(&report, &report.render(false), 98.5, 0.0, 3.5);
    let CaseFile::Safety(cases) = load("corpus", "probe-round5-safety") else {
        panic!("corpus/probe-round5-safety should hold safety cases");
    };
    let report = eval::evaluate_safety(&cases, parse);
    assert!(
        report.wrong_bookings == 0 && report.controls_not_booked <= 1,
        "{}",
        report.render(false)
    );
}

/// The sixth round's probes (`corpus/probe-round6*.jsonl`: 437 clear commands, mostly Indian
/// English, and 303 safety cases, reports of what was already written, denials and money given
/// back, with 105 look-alike controls). None is read wrongly; the odd phrasings still asked are
/// the floor (96.3% exact, 4.8% deferred; 2 controls asked: goods on udhaar, "ye udhaar nahi
/// payment hai"; the repayment said with "borrowed" is read since the seventh round).
#[test]
fn the_sixth_round_probes_are_understood_and_book_nothing_wrongly() {
    let CaseFile::General(cases) = load("corpus", "probe-round6") else {
        panic!("corpus/probe-round6 should hold general cases");
    };
    let report = eval::evaluate(&cases, parse);
    assert!(report.total >= 400, "{} round-6 probes", report.total);
    assert_meets(&report, &report.render(false), 96.3, 0.0, 4.9);
    let CaseFile::Safety(cases) = load("corpus", "probe-round6-safety") else {
        panic!("corpus/probe-round6-safety should hold safety cases");
    };
    let report = eval::evaluate_safety(&cases, parse);
    assert!(
        report.wrong_bookings == 0 && report.controls_not_booked <= 2,
        "{}",
        report.render(false)
    );
}

/// The seventh round's probes (`corpus/probe-round7*.jsonl`: 305 clear commands across intents
/// and 333 safety cases, reports of what is already written and money going to the customer,
/// mostly in Indian English, with 142 look-alike controls). First measured: 7 traps booked and 2
/// confident and wrong; none now. Three controls are still asked ("of what he owed", "in the
/// book", "that she owed").
#[test]
fn the_seventh_round_probes_are_understood_and_book_nothing_wrongly() {
    let CaseFile::General(cases) = load("corpus", "probe-round7") else {
        panic!("corpus/probe-round7 should hold general cases");
    };
    let report = eval::evaluate(&cases, parse);
    assert!(report.total >= 300, "{} round-7 probes", report.total);
    assert_meets(&report, &report.render(false), 99.0, 0.0, 2.0);
    let CaseFile::Safety(cases) = load("corpus", "probe-round7-safety") else {
        panic!("corpus/probe-round7-safety should hold safety cases");
    };
    let report = eval::evaluate_safety(&cases, parse);
    assert!(
        report.wrong_bookings == 0 && report.controls_not_booked <= 3,
        "{}",
        report.render(false)
    );
}

/// The eighth round's safety probes (`corpus/probe-round8-safety.jsonl`: 302 cases, mostly Latin
/// Hinglish, of what is already written, money going to the customer and 102 controls). First
/// measured: 3 traps booked and three controls booked confidently as the wrong kind (a payment of
/// udhaar as more udhaar); none now. Seven controls are still asked (nine before the ninth round), none read wrongly.
#[test]
fn the_eighth_round_probes_book_nothing_wrongly() {
    let CaseFile::Safety(cases) = load("corpus", "probe-round8-safety") else {
        panic!("corpus/probe-round8-safety should hold safety cases");
    };
    let report = eval::evaluate_safety(&cases, parse);
    assert!(
        report.total >= 300 && report.wrong_bookings == 0 && report.controls_not_booked <= 7,
        "{}",
        report.render(false)
    );
}

/// The ninth round's probes (`corpus/probe-round9*.jsonl`: 300 clear commands and 330 safety
/// cases, mostly Devanagari and mixed script, with voice-note transcripts). First measured: 2
/// traps booked ("हिसाब में जुड़ चुके हैं", "advance return कर दिया") and 5 controls asked; 298 of
/// 300 commands exact. None booked wrongly now, one control asked, 299 exact.
#[test]
fn the_ninth_round_probes_are_understood_and_book_nothing_wrongly() {
    let CaseFile::General(cases) = load("corpus", "probe-round9") else {
        panic!("corpus/probe-round9 should hold general cases");
    };
    let report = eval::evaluate(&cases, parse);
    assert!(report.total >= 300, "{} round-9 probes", report.total);
    assert_meets(&report, &report.render(false), 99.5, 0.0, 2.0);
    let CaseFile::Safety(cases) = load("corpus", "probe-round9-safety") else {
        panic!("corpus/probe-round9-safety should hold safety cases");
    };
    let report = eval::evaluate_safety(&cases, parse);
    assert!(
        report.total >= 330 && report.wrong_bookings == 0 && report.controls_not_booked <= 1,
        "{}",
        report.render(false)
    );
}

/// The tenth round's safety probes (`corpus/probe-round10-safety.jsonl`: 330 cases in English,
/// Latin Hinglish and mixed, of what is already written, money going to the customer and
/// controls). First measured: 3 booked, of which two traps ("entry to maine subah hi kar li",
/// "handed Ravi 600 from the cash box") and one case relabelled as the control it is ("Arjun ko
/// maine 600 loan diya" is Arjun's udhaar, as "maine Rahul ko 500 udhaar diye" in every earlier
/// round). None booked wrongly now, no control asked.
#[test]
fn the_tenth_round_probes_book_nothing_wrongly() {
    let CaseFile::Safety(cases) = load("corpus", "probe-round10-safety") else {
        panic!("corpus/probe-round10-safety should hold safety cases");
    };
    let report = eval::evaluate_safety(&cases, parse);
    assert!(
        report.total >= 330 && report.wrong_bookings == 0 && report.controls_not_booked == 0,
        "{}",
        report.render(false)
    );
}

/// The eleventh round's safety probes (`corpus/probe-round11-safety.jsonl`: 330 cases typed in
/// a hurry or spoken: lowercase, abbreviations, misspellings, run-ons, fillers; 150 controls).
/// First measured: 2 controls booked with the wrong customer, a stammered name taken whole
/// ("harpreet harpreet"), and 3 asked, one of them credit said before its amount and khata
/// ("udhaar 400 lucky ke naam likh do"). None booked wrongly now, one control asked ("prakash
/// aaya tha matlab usne 400 diye": who "usne" is, is a guess).
#[test]
fn the_eleventh_round_probes_book_nothing_wrongly() {
    let CaseFile::Safety(cases) = load("corpus", "probe-round11-safety") else {
        panic!("corpus/probe-round11-safety should hold safety cases");
    };
    let report = eval::evaluate_safety(&cases, parse);
    assert!(
        report.total >= 330 && report.wrong_bookings == 0 && report.controls_not_booked <= 1,
        "{}",
        report.render(false)
    );
}

/// The twelfth round's safety probes (`corpus/probe-round12-safety.jsonl`: 330 cases of money
/// paid out of the shop, to a landlord, a utility, staff, a supplier or the merchant's own home,
/// of bookings reported in chat style, and 130 controls). First measured: 23 booked wrongly, 18
/// of them expenses read as a payment from a "customer" named after the expense ("dukaan ka
/// kiraya 8000 diya"), 5 reports ("Kamal 500 updated"); 2 controls asked. None booked wrongly
/// now; the same 2 controls asked.
#[test]
fn the_twelfth_round_probes_book_nothing_wrongly() {
    let CaseFile::Safety(cases) = load("corpus", "probe-round12-safety") else {
        panic!("corpus/probe-round12-safety should hold safety cases");
    };
    let report = eval::evaluate_safety(&cases, parse);
    assert!(
        report.total >= 330 && report.wrong_bookings == 0 && report.controls_not_booked <= 2,
        "{}",
        report.render(false)
    );
}

/// The thirteenth round's safety probes (`corpus/probe-round13-safety.jsonl`: 360 short English
/// and Latin Hinglish messages, 130 reports of what is already written or owed, 130 of money
/// going back to the customer, 100 look-alike controls). First measured: 2 booked wrongly ("500
/// back to Tabassum by cash", "Fatima's 400 cash entry is there from yesterday"), 2 controls
/// asked. None of either now.
#[test]
fn the_thirteenth_round_probes_book_nothing_wrongly() {
    let CaseFile::Safety(cases) = load("corpus", "probe-round13-safety") else {
        panic!("corpus/probe-round13-safety should hold safety cases");
    };
    let report = eval::evaluate_safety(&cases, parse);
    assert!(
        report.total >= 360 && report.wrong_bookings == 0 && report.controls_not_booked == 0,
        "{}",
        report.render(false)
    );
}

/// The fourteenth round's safety probes (`corpus/probe-round14-safety.jsonl`: 360 messages in
/// regional Latin Hinglish, 130 reports of what is written or owed, 130 of money going back to
/// the customer, 100 look-alike controls). First measured: 1 booked wrongly ("galti se Guddu ne
/// 100 zyada de diye the wapas kar diye"), 14 controls asked. None booked wrongly now; 6 asked.
#[test]
fn the_fourteenth_round_probes_book_nothing_wrongly() {
    let CaseFile::Safety(cases) = load("corpus", "probe-round14-safety") else {
        panic!("corpus/probe-round14-safety should hold safety cases");
    };
    let report = eval::evaluate_safety(&cases, parse);
    assert!(
        report.total >= 360 && report.wrong_bookings == 0 && report.controls_not_booked <= 6,
        "{}",
        report.render(false)
    );
}

/// The fifteenth round's safety probes (`corpus/probe-round15-safety.jsonl`: 360 long Indian
/// English messages with reasons, passives, past perfects and staff reports; 130 already
/// written, 130 money back to the customer, 100 look-alike controls). First measured: 10 booked
/// wrongly (among them "Rahul was paid 500 from the counter today" as his payment, "Rahul had
/// taken 500 on credit last week and paid it today" as more credit), 76 controls not booked at
/// once. None booked wrongly now; 54 asked.
#[test]
fn the_fifteenth_round_probes_book_nothing_wrongly() {
    let CaseFile::Safety(cases) = load("corpus", "probe-round15-safety") else {
        panic!("corpus/probe-round15-safety should hold safety cases");
    };
    let report = eval::evaluate_safety(&cases, parse);
    assert!(
        report.total >= 360 && report.wrong_bookings == 0 && report.controls_not_booked <= 54,
        "{}",
        report.render(false)
    );
}

/// The sixteenth round's safety probes (`corpus/probe-round16-safety.jsonl`: 360 transcripts of
/// spoken voice notes, with fillers, stammers and self-corrections, in Latin Hinglish, English
/// and Devanagari). First measured: none booked wrongly, 11 controls asked; 9 asked now.
#[test]
fn the_sixteenth_round_probes_book_nothing_wrongly() {
    let CaseFile::Safety(cases) = load("corpus", "probe-round16-safety") else {
        panic!("corpus/probe-round16-safety should hold safety cases");
    };
    let report = eval::evaluate_safety(&cases, parse);
    assert!(
        report.total >= 360 && report.wrong_bookings == 0 && report.controls_not_booked <= 9,
        "{}",
        report.render(false)
    );
}

/// The seventeenth round (`corpus/probe-round17-safety.jsonl`: 360 Hindi narratives, 70%
/// Devanagari, 30% mixed script) and the eighteenth (`corpus/probe-round18-safety.jsonl`: 360
/// messages in SMS shorthand: rcvd, frm, alrdy, refnd, pd, chq, "bill 4 Ravi:"). First measured:
/// 1 and 10 booked wrongly, 75 and 61 controls asked. None booked wrongly now; 60 and 19 asked.
#[test]
fn the_seventeenth_and_eighteenth_round_probes_book_nothing_wrongly() {
    for (name, asked_at_most) in [("probe-round17-safety", 60), ("probe-round18-safety", 19)] {
        assert_probe_round(name, asked_at_most);
    }
}

/// The nineteenth round (`corpus/probe-round19-safety.jsonl`: 360 messages on how amounts are
/// written: Hindi and English number words, fractions, rupee markers, Indian grouping, paise,
/// and numbers that are no amount: times, dates, shares, counts, notes) and the twentieth
/// (`corpus/probe-round20-safety.jsonl`: 360 messages carrying several entries: numbered and
/// headed lists, staff reports, an entry beside a correction, a question or a condition).
/// First measured: 9 and 7 booked wrongly (among them "इमरान ने 7 बजे पेमेंट किया" as ₹7, "Nisha
/// ne 15% advance de diya" as ₹15, "Make a bill for Gaurav: … Make a bill for Shruti: …" with
/// Gaurav's bread on Shruti's bill), 24 and 69 controls asked. None booked wrongly now; 21 and
/// 33 asked (forwarded lists among them: someone else's words are asked).
#[test]
fn the_nineteenth_and_twentieth_round_probes_book_nothing_wrongly() {
    for (name, asked_at_most) in [("probe-round19-safety", 21), ("probe-round20-safety", 33)] {
        assert_probe_round(name, asked_at_most);
    }
}

/// The twenty-first round (`corpus/probe-round21-safety.jsonl`: 360 messages on who the
/// customer is: names that are also words (Pooja, Khushi, Prem, Sona, Moti), people told by a
/// relation, a description or a title). First measured: 22 booked wrongly ("pooja ke liye 500 ka
/// saman diya" as Pooja's payment, "khushi khushi 300 de gaya" as Khushi's, "Raju ka bhai 300 de
/// gaya" as Raju's, "The tea stall guy paid 150"), 7 of 211 controls asked. None now.
#[test]
fn the_twenty_first_round_probes_book_nothing_wrongly() {
    assert_probe_round("probe-round21-safety", 7);
}

/// The twenty-second round (`corpus/probe-round22-safety.jsonl`: 360 messages that lean on
/// context the parser cannot see or talk back to the bot: replies, corrections of an earlier
/// message, "same as kal", undo and cancel, forwarded customer messages, chit-chat with
/// numbers). First measured: 7 booked wrongly ("same as kal, 500 udhaar" to a customer "same",
/// "fine. Make a bill …" with "fine" as goods, a forwarded customer claim booked as paid), 40 of
/// 130 controls asked. None booked wrongly now; 24 asked.
#[test]
fn the_twenty_second_round_probes_book_nothing_wrongly() {
    assert_probe_round("probe-round22-safety", 24);
}

/// The twenty-third round (`corpus/probe-round23-safety.jsonl`: 360 bills: brands with digits,
/// quantities in words and fractions, unit forms, lists; and bills made already, later or under
/// a condition, goods given back, quantities not said, prices and discounts, containers the units
/// do not know, two customers). First measured: 32 booked wrongly ("Rahul ka 2 kilo atta ka bill
/// ban gaya hai" as a bill of "atta ban", "10% discount lagao" as 10 of "discount", "Rahul aur
/// Pappu ka bill" with Rahul as goods, "kuch packet Maggi" as one packet), 32 of 204 controls
/// asked. None booked wrongly now.
/// The twenty-fourth round (`corpus/probe-round24-safety.jsonl`: 360 messages on how money was
/// paid and whether it arrived: every mode word, references beside the amount, splits; and
/// payments failed, pending, bounced, reversed, refunded, or only claimed). First measured: 6
/// booked wrongly ("bank ne Anil ka 1200 reverse kar diya" as Anil's payment, "GPay किया पर
/// pending है" as paid, "Paytm txn id 7781234" as ₹77,81,234), 33 of 180 controls asked. None now.
#[test]
fn the_twenty_fourth_round_probes_book_nothing_wrongly() {
    assert_probe_round("probe-round24-safety", 33);
}

/// The twenty-fifth round (`corpus/probe-round25-safety.jsonl`: 360 messages in the vocabulary
/// of dues: events against states, forgiveness, advances, interest, balance questions with
/// amounts). First measured: 13 booked wrongly, every one a state booked as a payment ("Ravi ka
/// 500 jama hai", "सीता के 300 जमा पड़े हैं", "Mohan has a credit balance of 300" as credit), 18 of
/// 170 controls asked. None now.
#[test]
fn the_twenty_fifth_round_probes_book_nothing_wrongly() {
    assert_probe_round("probe-round25-safety", 18);
}

#[test]
fn the_twenty_third_round_probes_book_nothing_wrongly() {
    assert_probe_round("probe-round23-safety", 31);
}

#[test]
fn the_third_held_out_wave_is_understood() {
    let cases: Vec<EvalCase> = ["wave3-money", "wave3-other"]
        .iter()
        .flat_map(|name| match load("heldout", name) {
            CaseFile::General(cases) => cases,
            CaseFile::Safety(_) => panic!("heldout/{name} should hold general cases"),
        })
        .collect();
    assert!(cases.len() >= 300, "{} wave-3 general cases", cases.len());
    let report = eval::evaluate(&cases, parse);
    assert_meets(
        &report,
        &report.render(true),
        WAVE3_EXACT_AT_LEAST,
        WAVE3_CONFIDENT_WRONG_AT_MOST,
        WAVE3_DEFERRED_AT_MOST,
    );
    let CaseFile::Safety(cases) = load("heldout", "wave3-safety") else {
        panic!("heldout/wave3-safety should hold safety cases");
    };
    let report = eval::evaluate_safety(&cases, parse);
    assert!(
        report.wrong_bookings <= WAVE3_WRONG_BOOKINGS_AT_MOST && report.controls_not_booked == 0,
        "{}",
        report.render(true)
    );
}

/// The fourth held-out wave (`heldout/wave4-*.jsonl`, 670 cases), written after the sixth probe
/// round by a writer who read neither the rules nor any other case, and never opened by the rules'
/// author: the freshest measure of generalisation. Floors as first measured (2026-12-06): 442/450
/// exact, 2 confident and wrong (0.44%), 5.6% deferred; no safety case booked wrongly and one of
/// 55 controls asked. After the fifteenth round (which never opened it) 1 is confident and wrong
/// and 5.8% are deferred (the case it no longer gets wrong is asked).
#[test]
fn the_fourth_held_out_wave_is_understood() {
    let cases: Vec<EvalCase> = ["wave4-money", "wave4-other"]
        .iter()
        .flat_map(|name| match load("heldout", name) {
            CaseFile::General(cases) => cases,
            CaseFile::Safety(_) => panic!("heldout/{name} should hold general cases"),
        })
        .collect();
    assert!(cases.len() >= 400, "{} wave-4 general cases", cases.len());
    let report = eval::evaluate(&cases, parse);
    assert_meets(&report, &report.render(true), 98.2, 0.25, 5.8);
    let CaseFile::Safety(cases) = load("heldout", "wave4-safety") else {
        panic!("heldout/wave4-safety should hold safety cases");
    };
    let report = eval::evaluate_safety(&cases, parse);
    assert!(
        report.total >= 200 && report.wrong_bookings == 0 && report.controls_not_booked <= 1,
        "{}",
        report.render(true)
    );
}
