//! Item lists in bills and deliveries: `1 packet Maggi 2 Parle-G`, `aadha kilo cheeni aur ek dozen ande`.

use super::clause::Clause;
use super::command::{Command, ItemRequest};
use super::lexicon::Word;
use super::numbers::{Num, NumWord, number_word, read_number};
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
                if let Some(Num { milli, end, .. }) =
                    read_number(clause.tokens, i).filter(|n| n.milli > 0)
                {
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
    clause.guessed |= orphan || subject;
    let items = items.into_iter().map(|(item, _)| item).collect();
    Some(Command::CreateInvoice { customer, items })
}

/// The name a bill is for: before `ko`/`ke liye`/`ka bill`, or after English `for`, and never an
/// item's product (a name right after a number or unit is a product).
fn invoice_customer(clause: &mut Clause<'_, '_>) -> Option<String> {
    for (start, end) in clause.name_runs() {
        let before = start.checked_sub(1).and_then(|b| clause.tokens.get(b));
        if before.is_some_and(|b| matches!(b.word, Word::Number | Word::Unit(_))) {
            continue;
        }
        let after_for = before.is_some_and(|b| b.key == "for");
        let at = clause.after_name(end);
        let marker = clause.tokens.get(at).map(|t| t.key.as_str());
        let next = clause.word(at + 1);
        let next_key = clause.tokens.get(at + 1).map(|t| t.key.as_str());
        let for_them = match marker {
            Some("ko" | "को") => true,
            Some("ke" | "के") => {
                matches!(next_key, Some("liye" | "lie" | "लिए" | "लिये")) || next == Some(Word::Bill)
            }
            Some("ka" | "ki" | "का" | "की") => next == Some(Word::Bill),
            _ => false,
        };
        if after_for || for_them {
            clause.mark(start, end);
            return Some(clause.text(start, end));
        }
    }
    None
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
