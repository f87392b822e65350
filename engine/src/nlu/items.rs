//! Item lists in bills and deliveries: `1 packet Maggi 2 Parle-G`, `aadha kilo cheeni aur ek dozen ande`.

use super::clause::Clause;
use super::command::{Command, ItemRequest};
use super::lexicon::Word;
use super::numbers::{Frac, Num, NumWord, number_word, read_number};
use super::tokens::Token;
use crate::quantity::{Quantity, Unit};

/// One item being read: quantity, unit and product words.
#[derive(Default)]
struct Draft {
    qty: Option<i64>,
    unit: Option<Unit>,
    words: Vec<usize>,
    qty_after_words: bool,
}

/// Reads `1 packet Maggi 2 Parle-G`, `aadha kilo cheeni aur ek dozen ande`, `Maggi ke 100 packet`
/// from the tokens not already placed. Returns items and whether a number was left without a product.
fn read_items(clause: &mut Clause<'_, '_>) -> (Vec<(ItemRequest, bool)>, bool) {
    let mut items = Vec::new();
    let mut orphan = false;
    let mut draft = Draft::default();
    let mut flush =
        |draft: &mut Draft, clause: &mut Clause<'_, '_>, items: &mut Vec<(ItemRequest, bool)>| {
            let finished = std::mem::take(draft);
            if finished.words.is_empty() {
                orphan |= finished.qty.is_some();
                return;
            }
            let product = finished
                .words
                .iter()
                .map(|&i| clause.tokens[i].text)
                .collect::<Vec<_>>()
                .join(" ");
            for &i in &finished.words {
                clause.used[i] = true;
            }
            let qty = Quantity::from_milli(finished.qty.unwrap_or(1000));
            items.push((
                ItemRequest {
                    product,
                    qty,
                    unit: finished.unit,
                },
                finished.qty.is_some(),
            ));
        };
    let mut i = 0;
    while i < clause.tokens.len() {
        if clause.used[i] {
            i += 1;
            continue;
        }
        match clause.tokens[i].word {
            Word::Sep => flush(&mut draft, clause, &mut items),
            Word::Number => {
                let read = read_number(clause.tokens, i)
                    .filter(|n| n.milli > 0)
                    .map(|Num { milli, end, .. }| {
                        match and_a_half(clause.tokens, end).filter(|_| milli % 1000 == 0) {
                            Some((half, half_end)) => (milli + half, half_end),
                            None => (milli, end),
                        }
                    })
                    .or_else(|| lone_fraction(clause.tokens, i));
                if let Some((milli, end)) = read {
                    if draft.qty.is_some() {
                        flush(&mut draft, clause, &mut items);
                    } else if !draft.words.is_empty() {
                        draft.qty_after_words = true;
                    }
                    draft.qty = Some(milli);
                    // "ek paav chai patti" is a quarter kilo.
                    let quarter = end.checked_sub(1).is_some_and(|last| {
                        number_word(&clause.tokens[last].key) == Some(NumWord::Quarter)
                    });
                    if quarter && !matches!(clause.word(end), Some(Word::Unit(_))) {
                        draft.unit = Some(Unit::Kg);
                    }
                    clause.mark(i, end);
                    i = end;
                    continue;
                }
            }
            Word::Unit(unit) if draft.unit.is_none() => draft.unit = Some(unit),
            Word::Name => {
                if draft.qty_after_words {
                    flush(&mut draft, clause, &mut items);
                }
                draft.words.push(i);
            }
            _ => {}
        }
        i += 1;
    }
    flush(&mut draft, clause, &mut items);
    (items, orphan)
}

pub fn stock_arrivals(clause: &mut Clause<'_, '_>) -> Option<Vec<Command>> {
    mark_source(clause);
    let (items, orphan) = read_items(clause);
    if items.is_empty() || orphan {
        return None;
    }
    // Every arrival needs a count; "Maggi aaya" alone says nothing about how many.
    items
        .into_iter()
        .map(|(item, counted)| {
            counted.then_some(Command::UpdateStock {
                product: item.product,
                qty: item.qty,
                unit: item.unit,
            })
        })
        .collect()
}

/// `Rahul ko 2 milk aur 1 bread ka bill`, `bill for Anil Sharma 2 kg chawal, 1 kg dal`.
pub fn invoice(clause: &mut Clause<'_, '_>) -> Option<Command> {
    let customer = invoice_customer(clause);
    // "Rahul ko 2 Maggi aur Suresh ko 3 Parle-G": a second customer named with "ko" is no product;
    // two bills said as one are asked.
    let second_customer = clause.name_runs().iter().any(|&(_, end)| {
        matches!(
            clause
                .tokens
                .get(clause.after_name(end))
                .map(|t| t.key.as_str()),
            Some("ko" | "को")
        )
    });
    let (items, orphan) = read_items(clause);
    if items.is_empty() {
        return None;
    }
    // A number with no product: keep the reading but do not claim it is clean. A name said as
    // the one who did something ("Rahul ne 500 ka bill diya") is no product either.
    let subject = clause
        .tokens
        .windows(2)
        .any(|w| w[0].word == Word::Name && matches!(w[1].key.as_str(), "ne" | "ने"));
    // "bill Rahul 500": a hundred or more of something with no unit is more likely money (the
    // bill's total) than a count of goods, so the reading is asked.
    let money_like = items
        .iter()
        .any(|(item, _)| item.unit.is_none() && item.qty >= Quantity::from_milli(100_000));
    // "Hemant is standing here and wants a bill for 5 maggi": with no customer found, a thing
    // said without a count beside counted goods may be the person, not a product.
    let uncounted_beside_counted = customer.is_none()
        && items.iter().any(|(_, counted)| !counted)
        && items.iter().any(|(_, counted)| *counted);
    clause.guessed |=
        orphan || subject || money_like || second_customer || uncounted_beside_counted;
    let items = items.into_iter().map(|(item, _)| item).collect();
    Some(Command::CreateInvoice { customer, items })
}

/// The name a bill is for: before `ko`/`ke liye`/`ke naam`/`ka bill`, after English `for` or
/// `to`, between the bill word and `for` ("bill Arjun for 1 litre milk"), before a colon
/// ("Rahul: 2 kg chawal"), or the owner of the goods that follow ("Rahul ke 2 kilo chawal").
/// A name right after a number or unit is a product, unless its capitalised tail is followed by
/// a customer marker ("2 kilo suji Mishraji ke liye").
fn invoice_customer(clause: &mut Clause<'_, '_>) -> Option<String> {
    let runs = clause.name_runs();
    for (index, &(start, end)) in runs.iter().enumerate() {
        // "for Mrs Gupta", "to Dr. Rao": a title before the name belongs to it.
        let start_titled = clause.before_name(start);
        let before = start_titled
            .checked_sub(1)
            .and_then(|b| clause.tokens.get(b));
        let at = clause.after_name(end);
        let marker = clause.tokens.get(at).map(|t| t.key.as_str());
        let next = clause.word(at + 1);
        let next_key = clause.tokens.get(at + 1).map(|t| t.key.as_str());
        let names_them = match marker {
            Some("ko" | "को") => true,
            Some("ke" | "के") => {
                matches!(
                    next_key,
                    Some("liye" | "lie" | "लिए" | "लिये" | "naam" | "नाम")
                ) || next == Some(Word::Bill)
            }
            Some("ka" | "ki" | "का" | "की") => {
                next == Some(Word::Bill) || matches!(next_key, Some("naam" | "नाम"))
            }
            _ => false,
        };
        if before.is_some_and(|b| matches!(b.word, Word::Number | Word::Unit(_))) {
            if names_them && let Some(cut) = capitalised_tail(clause, start, end) {
                clause.mark(cut, end);
                return Some(clause.text(cut, end));
            }
            // "1 Kurkure Bobby ke naam": someone is named after the goods, but where the goods'
            // name ends and the person's begins cannot be told: asked, never guessed at.
            // ("2 packet Surf Excel ka bill" is the goods' bill: "ka bill" names no one here.)
            let person_marked = matches!(marker, Some("ko" | "को"))
                || matches!(
                    next_key,
                    Some("liye" | "lie" | "लिए" | "लिये" | "naam" | "नाम")
                );
            if names_them && person_marked && end - start >= 2 {
                clause.guessed = true;
            }
            continue;
        }
        let ends_clause = clause.word(at).is_none_or(|w| w == Word::Sep);
        // "bill to Rahul for 2 kg rice", "add Maggi to Rahul's bill", "put it on Rahul's bill".
        let to_them = before.is_some_and(|b| matches!(b.key.as_str(), "to" | "on" | "in" | "into"))
            && (marker == Some("for") || clause.word(at) == Some(Word::Bill));
        let after_for =
            before.is_some_and(|b| b.key == "for" || (b.key == "to" && ends_clause)) || to_them;
        let bill_then_for = before.is_some_and(|b| matches!(b.word, Word::Bill | Word::Make))
            && marker == Some("for");
        let colon = index == 0
            && clause.tokens.get(end).is_some_and(|t| t.text == ":")
            && clause.tokens[..start_titled]
                .iter()
                .all(|t| t.word == Word::Filler);
        // "make Manju's bill for 10 packet bread", "Rahul bill banao 2 kilo chawal": the first
        // name, right before the bill word, is whose bill it is. "Pandeyji bought 3 soap": the
        // first name, right before a verb of buying, is the buyer.
        let first_before = index == 0 && matches!(clause.word(at), Some(Word::Bill | Word::Take));
        // "3 kilo aata 2 packet biscuit bill Monu": goods first, then the bill word and a name
        // that ends the clause: whose bill it is, not more of the last goods' name.
        let billed_last = index > 0 && before.is_some_and(|b| b.word == Word::Bill) && ends_clause;
        if after_for
            || billed_last
            || names_them
            || leads_counted_goods(clause, index, start_titled, at)
            || bill_then_for
            || colon
            || first_before
            || owns_the_goods(clause, index, at)
        {
            clause.mark(start, end);
            return Some(clause.text(start, end));
        }
    }
    None
}

/// "bill Rahul 2 kg rice and 1 kg dal", "new bill Rahul 2 bread 1 butter", "create bill: Rahul,
/// 2 kg sugar", "Rahul 2 kg sugar bill": the first name, with only the bill's own words before
/// it, then goods each counted before its name. Every count has its goods after it, so the name
/// before the first count is whose bill it is. When counts follow their goods ("Maggi 2,
/// Parle-G 3") the first name is a product.
fn leads_counted_goods(clause: &Clause<'_, '_>, index: usize, start: usize, at: usize) -> bool {
    if index != 0
        || !clause.tokens[..start].iter().all(|t| {
            matches!(
                t.word,
                Word::Filler | Word::Bill | Word::Make | Word::New | Word::Sep
            )
        })
    {
        return false;
    }
    // After the name: counts and goods in turn, a count first and goods last.
    let mut i = at;
    let mut pairs = 0;
    let mut expect_count = true;
    while i < clause.tokens.len() {
        match clause.word(i) {
            Some(Word::Number) => {
                if !expect_count {
                    return false;
                }
                let Some(num) = read_number(clause.tokens, i) else {
                    return false;
                };
                expect_count = false;
                i = num.end;
                continue;
            }
            Some(Word::Name) => {
                if expect_count {
                    return false;
                }
                while clause.word(i) == Some(Word::Name) {
                    i += 1;
                }
                pairs += 1;
                expect_count = true;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    pairs > 0 && expect_count
}

/// "suji Mishra": the capitalised words after lowercase ones, as where the customer's name starts.
fn capitalised_tail(clause: &Clause<'_, '_>, start: usize, end: usize) -> Option<usize> {
    let upper = |i: usize| {
        clause.tokens[i]
            .text
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_uppercase())
    };
    let cut = (start + 1..end).find(|&i| upper(i))?;
    let lower_before = (start..cut).all(|i| {
        clause.tokens[i]
            .text
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase())
    });
    (lower_before && (cut..end).all(upper)).then_some(cut)
}

/// "Rahul ke 2 kilo chawal": the first name, a possessive marker, a count, then goods by name.
/// "Maggi ke 2 packet" alone is a count of Maggi, and "Maggi ke 2 packet, Parle-G ke 3 packet" a
/// list of such counts, so the goods after must not be counted the same way.
fn owns_the_goods(clause: &Clause<'_, '_>, index: usize, at: usize) -> bool {
    if index != 0
        || !matches!(
            clause.tokens.get(at).map(|t| t.key.as_str()),
            Some("ke" | "ka" | "ki" | "के" | "का" | "की")
        )
        || clause.word(at + 1) != Some(Word::Number)
    {
        return false;
    }
    let Some(num) = read_number(clause.tokens, at + 1) else {
        return false;
    };
    let mut goods = num.end;
    if matches!(clause.word(goods), Some(Word::Unit(_))) {
        goods += 1;
    }
    if clause.word(goods) != Some(Word::Name) {
        return false;
    }
    let mut after = goods;
    while clause.word(after) == Some(Word::Name) {
        after += 1;
    }
    let counted_again = matches!(
        clause.tokens.get(after).map(|t| t.key.as_str()),
        Some("ke" | "ka" | "ki" | "के" | "का" | "की")
    ) && clause.word(after + 1) == Some(Word::Number);
    !counted_again
}

/// Where the goods came from ("supplier se", "from Metro") is no product of the delivery.
fn mark_source(clause: &mut Clause<'_, '_>) {
    for (start, end) in clause.name_runs() {
        let after = clause.tokens.get(end).map(|t| t.key.as_str());
        // "from the supplier", "from our wholesaler": an article between is still the source.
        let mut b = start;
        while b > 0
            && matches!(
                clause.tokens[b - 1].key.as_str(),
                "the" | "a" | "an" | "my" | "our"
            )
        {
            b -= 1;
        }
        let before = b.checked_sub(1).map(|b| clause.tokens[b].key.as_str());
        if matches!(after, Some("se" | "से")) || before == Some("from") {
            clause.mark(start, end);
        }
    }
}

/// A fraction said alone before a unit: `sava kilo` is 1.25 kg, `paune kilo` 0.75 kg.
fn lone_fraction(tokens: &[Token<'_>], at: usize) -> Option<(i64, usize)> {
    if !matches!(tokens.get(at + 1).map(|t| t.word), Some(Word::Unit(_))) {
        return None;
    }
    match number_word(&tokens.get(at)?.key)? {
        NumWord::Frac(Frac::Sava) => Some((1250, at + 1)),
        NumWord::Frac(Frac::Paune) => Some((750, at + 1)),
        NumWord::Frac(Frac::Saade) => Some((1500, at + 1)),
        _ => None,
    }
}

/// "one and a half kg", "do aur aadha kilo": a half added to the whole number before it, as
/// (thousandths added, end of the words read).
fn and_a_half(tokens: &[Token<'_>], at: usize) -> Option<(i64, usize)> {
    if !matches!(tokens.get(at)?.key.as_str(), "and" | "aur" | "और") {
        return None;
    }
    let mut i = at + 1;
    if matches!(tokens.get(i)?.key.as_str(), "a" | "ek" | "एक") {
        i += 1;
    }
    let half = tokens.get(i)?;
    (half.word == Word::Number && number_word(&half.key) == Some(NumWord::Small(500)))
        .then_some((500, i + 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nlu::tokens::tokenize;

    fn items(text: &str) -> Vec<(String, i64, Option<Unit>)> {
        let tokens = tokenize(text);
        let mut clause = Clause::new(&tokens, None);
        read_items(&mut clause)
            .0
            .into_iter()
            .map(|(item, _)| (item.product, item.qty.milli(), item.unit))
            .collect()
    }

    #[test]
    fn reads_quantities_before_or_after_the_product() {
        assert_eq!(
            items("1 packet Maggi 2 Parle-G"),
            [
                ("Maggi".into(), 1000, Some(Unit::Packet)),
                ("Parle-G".into(), 2000, None)
            ]
        );
        assert_eq!(
            items("Maggi ke 100 packet"),
            [("Maggi".into(), 100_000, Some(Unit::Packet))]
        );
        assert_eq!(
            items("Surf Excel aur bread"),
            [
                ("Surf Excel".into(), 1000, None),
                ("bread".into(), 1000, None)
            ]
        );
    }
}
