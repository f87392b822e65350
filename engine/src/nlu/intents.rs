//! One clause to one command: which intent its keywords say, and the names, amounts and items in it.

use chrono::{DateTime, FixedOffset};

use super::clause::Clause;
use super::command::Command;
use super::items::{invoice, stock_arrivals};
use super::lexicon::{Day, Word};
use super::numbers::read_number;
use super::time::{reminder_time, summary_date};
use super::tokens::Token;
use crate::money::PaymentMode;

/// The commands one clause carries, and whether every name and number in it found a place.
pub struct Outcome {
    pub commands: Vec<Command>,
    pub clean: bool,
}

/// Which keyword families a clause contains.
#[derive(Default)]
struct Has {
    undo: bool,
    help: bool,
    help_cues: usize,
    kya_kya: bool,
    cancel: bool,
    reminder: bool,
    bill: bool,
    show: bool,
    make: bool,
    stock: bool,
    left: bool,
    arrive: bool,
    new: bool,
    customer_word: bool,
    product_word: bool,
    sale: bool,
    hisaab: bool,
    balance: bool,
    question: bool,
    credit: bool,
    ledger: bool,
    pay: bool,
    write: bool,
    take: bool,
    account: bool,
    /// "my account", "the shop account": the shop's own bank account, where customers pay.
    shop_account: bool,
    /// "udhaar ke 400 chukaye" pays a debt back: a payment, though it names the credit.
    repay: bool,
    /// "nikal do", "don't send": takes a reminder off, said without a cancel word.
    unsend: bool,
    /// "kitna lena hai", "how much to collect": money still to come from someone.
    to_collect: bool,
    mode: Option<PaymentMode>,
    currency: bool,
    unit: bool,
    day: bool,
    all: bool,
    honorific: bool,
    phone_word: bool,
    from: bool,
    names: bool,
    numbers: bool,
    /// "delete", "hata do", "cancel": takes something off, which with "that" or "last" is an undo.
    erase: bool,
    /// "that", "wo", "ye", "usko": points at what was just done.
    that: bool,
    last: bool,
    /// "list", "लिस्ट": the catalogue or customer list, when adding to it.
    list: bool,
    price: bool,
    /// "have" in "how much rice do we have".
    have: bool,
    /// "how much", "how many", "kitna": a quantity asked.
    how_much: bool,
    /// Ten or more digits said: a phone number.
    phone_digits: bool,
    /// "kaise", "how do I", "how to": asking how something is done.
    how_to: bool,
    /// The bot itself named ("ye bot", "aap", "Execora") and a verb of doing: "ye bot kya karta
    /// hai", "aap kya karte ho" ask what it does.
    bot_named: bool,
    doing: bool,
    /// "any" in "do we have any sugar", or a question opened by "do".
    any: bool,
}

fn survey(tokens: &[Token<'_>]) -> Has {
    let mut has = Has::default();
    let mut previous_key = "";
    for (i, token) in tokens.iter().enumerate() {
        match token.word {
            Word::Undo => has.undo = true,
            Word::Help => has.help = true,
            Word::HelpCue => has.help_cues += 1,
            Word::Cancel => has.cancel = true,
            Word::Reminder => has.reminder = true,
            Word::Bill => has.bill = true,
            Word::Show => has.show = true,
            Word::Make => has.make = true,
            Word::Stock => has.stock = true,
            Word::Left => has.left = true,
            Word::Arrive => has.arrive = true,
            Word::New => has.new = true,
            Word::Customer => has.customer_word = true,
            Word::Product => has.product_word = true,
            Word::Sale => has.sale = true,
            Word::Hisaab => has.hisaab = true,
            Word::Balance => has.balance = true,
            Word::Question => has.question = true,
            Word::Credit => has.credit = true,
            Word::Pay if is_repayment(&token.key) || token.key == "repaid" => {
                has.pay = true;
                has.repay = true;
            }
            Word::Ledger => has.ledger = true,
            // "likh diya", "chadha diye", "daal di": the giving verb only finishes the writing.
            Word::Pay
                if i > 0
                    && tokens[i - 1].word == Word::Write
                    && matches!(
                        token.key.as_str(),
                        "diya"
                            | "diye"
                            | "di"
                            | "de"
                            | "dia"
                            | "दिया"
                            | "दिए"
                            | "दिये"
                            | "दी"
                            | "दे"
                    ) => {}
            Word::Pay => has.pay = true,
            Word::Write => has.write = true,
            Word::Take => has.take = true,
            // "account" is the customer's khata when adding or writing to it, else a bank payment.
            Word::Mode(_) if matches!(token.key.as_str(), "account" | "अकाउंट") => {
                // "settled his account", "Rahul's account": the customer's khata, never a bank
                // transfer, unless money goes into or out of it ("his account se", "in my account").
                let owned = i > 0
                    && (tokens[i - 1].word == Word::Name
                        || matches!(
                            tokens[i - 1].key.as_str(),
                            "his" | "her" | "their" | "its" | "uska" | "uske" | "unka" | "unke"
                        ));
                let moved = tokens.get(i + 1).is_some_and(|n| {
                    matches!(
                        n.key.as_str(),
                        "mein" | "me" | "mai" | "में" | "se" | "से" | "transfer"
                    )
                });
                // "into the shop account", "mere account mein": the shop's own bank account, so
                // money put there is a payment in.
                let the_shops = (i.saturating_sub(2)..i).any(|b| {
                    matches!(
                        tokens[b].key.as_str(),
                        "my" | "our"
                            | "mere"
                            | "mera"
                            | "hamare"
                            | "humare"
                            | "shop"
                            | "dukaan"
                            | "dukan"
                            | "मेरे"
                            | "हमारे"
                            | "दुकान"
                    )
                });
                if the_shops {
                    has.shop_account = true;
                    has.mode.get_or_insert(PaymentMode::Bank);
                } else if owned && !moved {
                    has.ledger = true;
                } else {
                    has.account = true;
                }
            }
            Word::Mode(mode) => {
                has.mode.get_or_insert(mode);
            }
            Word::Currency => has.currency = true,
            Word::Unit(_) => has.unit = true,
            Word::Day(_) => has.day = true,
            Word::All => has.all = true,
            Word::Honorific => has.honorific = true,
            Word::Phone => has.phone_word = true,
            Word::Name => has.names = true,
            Word::Number => has.numbers = true,
            _ => {}
        }
        if token.key == "from" {
            has.from = true;
        }
        survey_everyday(token, previous_key, &mut has);
        if is_unsending(tokens, i) {
            has.unsend = true;
        }
        if matches!(
            token.key.as_str(),
            "lena"
                | "leni"
                | "lene"
                | "लेना"
                | "लेनी"
                | "लेने"
                | "collect"
                | "recover"
                | "yet"
        ) || is_owed_verb(&token.key, previous_key)
        {
            has.to_collect = true;
        }
        if matches!(token.key.as_str(), "liye" | "lie" | "लिए")
            && matches!(previous_key, "le" | "ले")
        {
            // "le liye" is took, not "ke liye" (for).
            has.take = true;
        }
        if (token.key == "you" && previous_key == "can")
            || (token.key == "can" && previous_key == "you")
            // "what can I do here", "what all can I do".
            || (token.key == "i" && previous_key == "can")
        {
            // "what can you do", "show me what you can do"
            has.help_cues += 2;
        }
        if (token.word == Word::Question
            && token.key == previous_key
            && token.key.starts_with(['k', 'क']))
            || (token.key == "all" && previous_key == "what")
        {
            has.kya_kya = true;
        }
        previous_key = &token.key;
    }
    if has.bot_named && has.doing {
        has.help_cues += 1;
    }
    has.phone_digits = tokens
        .iter()
        .filter(|t| t.word == Word::Number && t.is_numeral())
        .map(|t| t.key.bytes().filter(u8::is_ascii_digit).count())
        .sum::<usize>()
        >= 10;
    // "Shreya put 200 into the shop account", "Zeenat ne mere account mein 1,100 jama kiye":
    // money the customer put in the shop's account came in, whatever the verb.
    if has.shop_account && !has.credit {
        has.pay = true;
        has.write = false;
    }
    if has.account {
        if (has.new || has.write || has.credit) && !has.pay {
            has.ledger = true;
        } else {
            has.mode.get_or_insert(PaymentMode::Bank);
        }
    }
    // "Lucky ne udhaar ke 300 lauta diye", "Rocky ne apna udhaar chuka diya", "Ruby gave back
    // the 350 she took on credit": the customer giving money back pays what was owed.
    if customer_paid_back(tokens) {
        has.pay = true;
        has.repay = true;
    }
    // "Mehboob se udhaar ka 560 wapas aa gaya", "Payal ne udhaar wale 450 GPay kar diye",
    // "Hemlata ne apni udhaari ke 600 jama kiye", "Bobby cleared 300 of his udhaar": the credit
    // named as what the money paid off (its genitive, or his own) is a repayment.
    if has.credit && (has.pay || has.arrive || has.mode.is_some()) && debt_paid_off(tokens) {
        has.repay = true;
        has.pay = true;
    }
    // "Rahul had taken 500 on credit last week and paid it today", "Pinki ne 300 diye because
    // she had taken atta on udhaar", "Nitin's udhaar of 2,300 was fully paid today": the credit
    // is the story, the customer's paying is the news.
    if has.credit && !has.repay && credit_told_then_paid(tokens) {
        has.repay = true;
        has.pay = true;
    }
    // "Rahul owes me 200 more", "Gupta aunty owes another 900": added to what is owed.
    let key_in = |keys: &[&str]| tokens.iter().any(|t| keys.contains(&t.key.as_str()));
    if key_in(&["owe", "owes"]) && key_in(&["more", "another", "extra", "additional"]) {
        has.new = true;
    }
    has
}

/// The families of the non-money intents a token belongs to.
fn survey_everyday(token: &Token<'_>, previous_key: &str, has: &mut Has) {
    let key = token.key.as_str();
    if matches!(
        key,
        "bot" | "app" | "execora" | "aap" | "tum" | "बॉट" | "ऐप" | "आप" | "तुम"
    ) {
        has.bot_named = true;
    }
    if matches!(
        key,
        "karta" | "karti" | "karte" | "karoge" | "karogi" | "करता" | "करती" | "करते" | "करोगे"
    ) {
        has.doing = true;
    }
    if matches!(
        key,
        "delete"
            | "remove"
            | "hata"
            | "hatao"
            | "hatado"
            | "hataao"
            | "mitao"
            | "mita"
            | "mitado"
            | "cancel"
            | "radd"
            | "erase"
            | "void"
            | "scrap"
            | "रद्द"
            | "हटा"
            | "हटाओ"
            | "डिलीट"
            | "मिटा"
            | "मिटाओ"
            | "कैंसल"
    ) {
        has.erase = true;
    }
    if matches!(
        key,
        "that"
            | "this"
            | "it"
            | "wo"
            | "woh"
            | "vo"
            | "ye"
            | "yeh"
            | "usko"
            | "isko"
            | "use"
            | "ise"
            | "वो"
            | "वह"
            | "ये"
            | "यह"
            | "उसे"
            | "इसे"
            | "उसको"
            | "इसको"
    ) {
        has.that = true;
    }
    match token.word {
        Word::Last => has.last = true,
        Word::Price => has.price = true,
        _ => {}
    }
    if matches!(key, "list" | "लिस्ट" | "suchi" | "सूची") {
        has.list = true;
    }
    if key == "have" {
        has.have = true;
    }
    // "what does this app do", "what do you do": what the bot itself does.
    if key == "do"
        && token.word == Word::Aux
        && matches!(
            previous_key,
            "you" | "app" | "bot" | "this" | "it" | "tum" | "aap"
        )
    {
        has.help_cues += 1;
    }
    if key == "any" || (key == "do" && previous_key.is_empty()) {
        has.any = true;
    }
    if matches!(key, "kaise" | "kese" | "कैसे")
        || (previous_key == "how" && matches!(key, "do" | "to" | "can" | "should" | "does"))
    {
        has.how_to = true;
    }
    if matches!(
        key,
        "kitna" | "kitne" | "kitni" | "kitnaa" | "ktna" | "कितना" | "कितने" | "कितनी"
    ) || (matches!(key, "much" | "many") && previous_key == "how")
    {
        has.how_much = true;
    }
}

/// Words of a money command or a day: a clause holding none of them and no name or number may
/// be a question about the bot itself.
fn about_money_or_goods(has: &Has) -> bool {
    has.sale
        || has.stock
        || has.left
        || has.balance
        || has.hisaab
        || has.credit
        || has.ledger
        || has.pay
        || has.mode.is_some()
        || has.currency
        || has.unit
        || has.day
        || has.arrive
        || has.take
        || has.write
        || has.bill
        || has.reminder
        || has.to_collect
}

/// "how" asked about doing something with the bot ("bill kaise banaye", "how do I add a
/// customer"), not about someone ("kaise ho").
fn asks_how_to_do(has: &Has) -> bool {
    has.help_cues >= 2
        // "how to check balance", "payment kaise likhu", "udhaar kaise chadhaye".
        || has.balance
        || has.pay
        || has.credit
        || has.hisaab
        || has.ledger
        || has.bill
        || has.new
        || has.customer_word
        || has.product_word
        || has.stock
        || has.reminder
        || has.sale
        || has.undo
        || has.show
        || has.make
        || has.cancel
        || has.write
}

/// "naya khata", "open a new account", "open an account for Aman": a khata that did not exist.
/// "Aman ka khata kholo" alone may only ask to see it.
fn says_new(tokens: &[Token<'_>]) -> bool {
    tokens.iter().any(|t| {
        matches!(
            t.key.as_str(),
            "naya" | "nayi" | "naye" | "nya" | "new" | "नया" | "नई" | "नए" | "नये" | "for"
        )
    })
}

/// The command(s) in one clause, or `None` when it is no whole command.
pub fn command<'t>(
    tokens: &'t [Token<'_>],
    now: DateTime<FixedOffset>,
    inherited: Option<&'t str>,
) -> Option<Outcome> {
    let mut has = survey(tokens);
    let mut clause = Clause::new(tokens, inherited);
    // "Rahul paid 500 against his udhaar": the customer's English paying verb said with the credit
    // pays it back ("I paid Rahul 500 udhaar" is the merchant lending).
    if has.credit && paid_by_the_name(&clause) {
        has.repay = true;
    }
    // "The reminder worked, Renu paid 1,000", "after I sent her the reminder yesterday": a
    // reminder told as past is the story around the message, not a reminder to send.
    if has.reminder && reminder_told_as_past(tokens) {
        if !tells_money_moving(tokens) {
            clause.used.iter_mut().for_each(|u| *u = true);
            return Some(Outcome {
                commands: Vec::new(),
                clean: true,
            });
        }
        has.reminder = false;
    }
    let commands = if has.how_to && !has.names && !has.numbers && asks_how_to_do(&has) {
        // "bill kaise banaye", "how do I add a customer": a question about using the bot.
        clause.used.iter_mut().for_each(|u| *u = true);
        vec![Command::Help]
    } else if (has.cancel || has.unsend) && has.reminder {
        // "Rahul ka reminder cancel karo aur naya kal bhejo": a new one asked as well would be
        // dropped unread.
        clause.guessed |= has.new;
        vec![Command::CancelReminder {
            customer: clause.take_customer_name()?,
        }]
    } else if has.cancel && has.bill {
        vec![Command::CancelInvoice {
            customer: clause.take_name(),
        }]
    } else if has.reminder {
        reminder(&mut clause, now)?
    } else if has.bill && has.pay && !has.make && !has.unit && !has.credit {
        // "Rahul paid 500 for the bill", "Rahul ne bill ke 500 diye": money paid against a bill
        // is a payment; the bill names no goods.
        payment(&mut clause, &has)?
    } else if has.bill && (has.show || (!has.make && !has.numbers && clause.name_runs().len() < 2))
    {
        vec![Command::ListInvoices {
            customer: clause.take_name(),
        }]
    } else if has.bill {
        vec![invoice(&mut clause)?]
    } else if (has.new
        || (has.write && (has.list || has.phone_digits))
        // "create customer Aman", "make a customer Aman".
        || (has.make && has.customer_word && (!has.numbers || has.phone_digits)))
        && (has.customer_word
            || (has.phone_word && has.numbers)
            // "naya khata kholo Ramesh ka 98765 43210", "open a new khata for Aman": a new
            // khata with a phone, or with no amount at all, is a new customer.
            || (has.new
                && has.ledger
                && (has.phone_digits || (!has.numbers && says_new(tokens)))
                && !has.pay
                && !has.credit))
    {
        // "customer list mein Mithun ko daalo 98300 12345" adds as "naya customer" does.
        let customer = clause.take_name()?;
        let phone = take_phone(&mut clause);
        vec![Command::AddCustomer { customer, phone }]
    } else if has.product_word
        && (has.new || (has.write && has.list) || (has.make && (has.price || has.currency)))
        && !has.arrive
    {
        // "create product Coke priced Rs. 10" makes a catalogue entry as "naya item" does.
        add_product(&mut clause)?
    } else if (has.undo || (has.erase && (has.that || has.last)))
        && ((!has.numbers && !has.names) || has.cancel)
    {
        // "Rahul ki pichli entry hatao" removes a booking: an undo, but whose is a guess. "cancel
        // it" alone may point at a command said just before it, so it is asked about.
        clause.guessed |= has.names || has.numbers || (!has.undo && !has.last);
        clause.used.iter_mut().for_each(|u| *u = true);
        vec![Command::Undo]
    } else if !has.numbers
        && !has.names
        && (has.help
            // "can you give me today's report" asks for the report, not what the bot can do.
            || (has.help_cues >= 2 && !about_money_or_goods(&has))
            // "kya kya likh sakta hoon": what all can be written here.
            || (has.kya_kya && has.help_cues >= 1)
            || ((has.kya_kya || (has.help_cues >= 1 && has.question))
                && !about_money_or_goods(&has)))
    {
        // "kya kya kar sakte ho", "how does this bot work", "commands batao".
        clause.used.iter_mut().for_each(|u| *u = true);
        vec![Command::Help]
    } else if has.sale && has.numbers && sold_to_someone(tokens) {
        // "Rahul ko 5 Maggi becha", "sell 2 kg sugar to Rahul": goods sold to a customer are a
        // bill, said without the word; read as one and asked.
        clause.guessed = true;
        vec![invoice(&mut clause)?]
    } else if has.sale
        || (has.hisaab && !has.names && !has.all)
        || (has.day
            && (has.question || has.all)
            && !has.names
            && !has.credit
            && !has.balance
            && !has.numbers)
    {
        // "aaj ka hisaab aur kal ka bhi": two days asked, one answered, so the reading is asked.
        let days = tokens
            .iter()
            .filter(|t| matches!(t.word, Word::Day(_)))
            .count();
        // "this week's sales", "mahine ka hisaab": a summary is of one day, so a week or a month
        // asked is answered with a day only after the merchant's yes.
        let span = tokens
            .iter()
            .any(|t| matches!(t.word, Word::Week | Word::Month));
        clause.guessed |= days > 1 || span;
        // "20 November ka hisaab": the date's words are the day asked.
        if let Some((_, said)) = super::time::named_date_before(tokens, now.date_naive()) {
            clause.mark(said.start, said.end);
        }
        vec![Command::DailySummary {
            date: summary_date(tokens, now),
        }]
    } else if has.left && !has.stock && !has.numbers && left_for_a_person(tokens) {
        // "how much is left for Rahul": what a person still has to pay, not goods.
        vec![Command::CheckBalance {
            customer: balance_customer(&mut clause, &has),
        }]
    } else if has.stock
        || (has.left
            && !has.account
            && !has.ledger
            && !has.balance
            && !has.to_collect
            // "Chand ka udhaar kitna bacha": the credit left, not goods.
            && (!has.credit || has.unit)
            // "Rahul paid the remaining 500": money still owed, now paid.
            && !(has.pay && has.numbers && !has.unit))
        || (has.have
            && (has.how_much || has.any)
            && !has.currency
            && !has.credit
            && !has.to_collect
            && !has.balance)
        || counted_in_units(&clause, &has)
    {
        if (has.arrive || has.new || has.write) && has.numbers {
            stock_arrivals(&mut clause)?
        } else {
            vec![Command::CheckStock {
                product: stock_product(&mut clause)?,
            }]
        }
    } else if has.arrive && !arrival_is_money(&clause, &has) {
        // "Maggi ke 100 aaye" is stock, but "Anjali ke 650 aa gaye" is money said the same way.
        // "Rahul ke yahan se 500 aaye", "500 aaye Rahul ke": a bare number, counting no goods
        // named after it, may be money as well.
        let bare = (0..tokens.len()).any(|i| {
            clause.word(i) == Some(Word::Number)
                && (i == 0 || clause.word(i - 1) != Some(Word::Number))
                && read_number(tokens, i).is_some_and(|n| {
                    !matches!(clause.word(n.end), Some(Word::Name | Word::Unit(_)))
                })
        });
        let either =
            (name_ke_bare_number(&clause) || name_bare_number(&clause) || bare) && !has.unit;
        let arrivals = stock_arrivals(&mut clause)?;
        clause.guessed |= either;
        arrivals
    } else if (has.credit && !has.repay)
        // "Mohan ji se 900 mile, likhna": money that came, then "write it", is a payment.
        || ((has.ledger || has.numbers) && has.write && !has.pay && !has.from && !has.arrive)
        || (has.ledger && has.new && has.numbers && !has.pay)
        // "Nair owes 1500 more, add it", "add 500 to Nair's dues": added to what is owed.
        || (has.balance && has.new && has.numbers && !has.pay && !has.question && !has.to_collect)
    {
        // "likh do" with an amount writes a debit in the customer's khata.
        credit_or_balance(&mut clause, &has)?
    } else if (has.balance && !(has.pay && has.numbers))
        || has.hisaab
        || (has.ledger && (has.show || has.question))
        || ((has.account || has.to_collect) && (has.question || has.left || has.show) && !has.numbers)
        || (has.question && !has.numbers && !has.unit && owed_by_name(&clause))
        // "Rahul's khata", "राहुल का खाता": the khata named alone is shown; "uske khate mein
        // jama karo" asks for money to be put there, the amount said elsewhere or not at all.
        || (has.ledger
            && !has.numbers
            && !has.cancel
            && !has.undo
            && !has.new
            && !has.write
            && !has.pay)
    {
        // "how much is left on Mathur's account", "Jatin se kitna lena hai".
        vec![Command::CheckBalance {
            customer: balance_customer(&mut clause, &has),
        }]
    } else if has.pay
        || has.mode.is_some()
        || has.arrive
        || has.take
        || said_ne(&clause)
        || said_from(&clause)
        || (has.write && has.from)
    {
        // "record 500 from Nair" writes a payment in.
        payment(&mut clause, &has)?
    } else if has.question && has.currency && !has.numbers {
        // "Mohit ke kitne paise" asks what is owed.
        vec![Command::CheckBalance {
            customer: balance_customer(&mut clause, &has),
        }]
    } else if bare_quantity_question(&clause, &has) {
        // "चावल कितना है": most likely goods in the shop, but said without "stock" or "bacha".
        clause.guessed = true;
        vec![Command::CheckStock {
            product: clause.take_name()?,
        }]
    } else {
        return None;
    };
    // "kal 500 ka udhaar likhna hai", "Moti ka bill shaam ko banana hai": a booking said as
    // something to do at a time to come, not now: asked, never booked unasked.
    if commands.iter().any(moves_money) && (planned_for_later(tokens) || paper_came_back(tokens)) {
        clause.guessed = true;
    }
    Some(Outcome {
        clean: clause.clean(),
        commands,
    })
}

fn moves_money(command: &Command) -> bool {
    matches!(
        command,
        Command::RecordPayment { .. } | Command::AddCredit { .. } | Command::CreateInvoice { .. }
    )
}

/// "Mohan ne cheque wapas kiya 2000 ka", "cheque bounce ho gaya": a cheque (or note) that came
/// back is money that did not come, or only changed hands: asked, never booked unasked.
fn paper_came_back(tokens: &[Token<'_>]) -> bool {
    let paper = |t: &Token<'_>| {
        matches!(
            t.key.as_str(),
            "cheque" | "check" | "chek" | "चेक" | "note" | "notes" | "नोट"
        )
    };
    let bounced = |t: &Token<'_>| {
        matches!(
            t.key.as_str(),
            "bounce" | "bounced" | "dishonoured" | "dishonored" | "बाउंस"
        )
    };
    let back = |t: &Token<'_>| {
        matches!(
            t.key.as_str(),
            "wapas"
                | "waapas"
                | "vapas"
                | "vaapas"
                | "वापस"
                | "return"
                | "returned"
                | "lauta"
                | "lautaya"
                | "lautaye"
        )
    };
    // The paper is what came back: right before the word ("cheque wapas kiya", "cheque
    // returned"), unlike "returned 600 to me by cheque", where it is how money came.
    (tokens.iter().any(paper) && tokens.iter().any(bounced))
        || tokens.windows(2).any(|w| paper(&w[0]) && back(&w[1]))
        || tokens.windows(3).any(|w| paper(&w[0]) && back(&w[2]))
}

/// A duty ("likhna hai", "banana hai", "karna hai") beside a time to come ("kal", "parso",
/// "shaam ko", "baad mein", "tomorrow"): a plan. Without such a time ("Rahul ka 500 likhna
/// hai") it is a request to write it at once.
fn planned_for_later(tokens: &[Token<'_>]) -> bool {
    let duty = tokens.windows(2).any(|w| {
        matches!(
            w[0].key.as_str(),
            "likhna"
                | "likhni"
                | "banana"
                | "banani"
                | "karna"
                | "karni"
                | "chadhana"
                | "jodna"
                | "लिखना"
                | "लिखनी"
                | "बनाना"
                | "बनानी"
                | "करना"
                | "करनी"
                | "चढाना"
        ) && matches!(w[1].key.as_str(), "hai" | "h" | "he" | "है")
    });
    let later = tokens.iter().enumerate().any(|(i, t)| {
        matches!(
            t.word,
            Word::Day(Day::Kal | Day::Tomorrow | Day::Parso) | Word::PartOfDay(_) | Word::After
        ) || (matches!(t.key.as_str(), "baad" | "बाद" | "later")
            && tokens.get(i + 1).is_none_or(|n| n.key != "ka"))
    });
    duty && later
}

/// "kitna nikalta/banta hai", "kitna aana/dena hai", "has to pay": what a customer still owes,
/// asked with a verb of coming, giving or amounting (a balance when asked, see `command`).
fn is_owed_verb(key: &str, previous: &str) -> bool {
    matches!(
        key,
        "nikalta"
            | "nikalte"
            | "banta"
            | "bante"
            | "aana"
            | "aane"
            | "dena"
            | "dene"
            | "निकलता"
            | "बनता"
            | "आना"
            | "देना"
    ) || (key == "pay" && previous == "to")
}

/// Words that take a reminder off without saying "cancel": "nikal do", "don't send", "no need".
fn is_unsending(tokens: &[Token<'_>], i: usize) -> bool {
    let key = tokens[i].key.as_str();
    matches!(
        key,
        "nikal" | "nikalo" | "nikaal" | "nikaalo" | "nikaldo" | "निकाल" | "निकालो" | "निकालदो"
    ) || super::guard::negates(tokens, i)
}

/// The customer, named as the one who acted ("X ne", or an English sentence opening with the
/// name), gave money back: "lauta diye", "chuka diya", "return kiye", "wapas kiye", "gave back",
/// "paid back", "returned". The merchant as the one who acted ("maine", "I", "we") is money to
/// the customer instead, which the guard keeps from being booked.
fn customer_paid_back(tokens: &[Token<'_>]) -> bool {
    let key = |i: usize| tokens.get(i).map_or("", |t| t.key.as_str());
    let back = (0..tokens.len()).any(|i| {
        matches!(
            key(i),
            "lauta"
                | "lautaa"
                | "lautaya"
                | "lautaye"
                | "lautai"
                | "chuka"
                | "chukaa"
                | "chukaya"
                | "chukaye"
                | "chukai"
                | "return"
                | "returned"
                | "wapas"
                | "waapas"
                | "vapas"
                | "vaapas"
                | "लौटा"
                | "लौटाए"
                | "लौटाया"
                | "लौटाई"
                | "चुका"
                | "चुकाए"
                | "चुकाया"
                | "वापस"
        ) || (matches!(key(i), "gave" | "given" | "paid" | "handed" | "brought")
            && key(i + 1) == "back")
    });
    // The merchant acting, or a paper coming back (a cheque returned unpaid, a note given back
    // as change), is no payment.
    if !back
        || tokens.iter().any(|t| {
            matches!(
                t.key.as_str(),
                "maine"
                    | "mene"
                    | "humne"
                    | "hamne"
                    | "i"
                    | "we"
                    | "मैंने"
                    | "मैने"
                    | "हमने"
                    | "cheque"
                    | "check"
                    | "chek"
                    | "चेक"
                    | "note"
                    | "notes"
                    | "नोट"
                    | "bounce"
                    | "bounced"
            )
        })
    {
        return false;
    }
    // "X ne", with titles between: the name did it.
    let hindi_agent = (1..tokens.len()).any(|i| {
        matches!(key(i), "ne" | "ने")
            && tokens[..i]
                .iter()
                .rev()
                .find(|t| t.word != Word::Honorific)
                .is_some_and(|t| t.word == Word::Name)
    });
    // "Ruby gave back…", "Raja returned…": the opening name, then the verb.
    let english_agent = tokens
        .iter()
        .position(|t| !matches!(t.word, Word::Filler | Word::Sep))
        .is_some_and(|first| {
            tokens[first].word == Word::Name
                && tokens[first..]
                    .iter()
                    .find(|t| !matches!(t.word, Word::Name | Word::Honorific))
                    .is_some_and(|t| {
                        matches!(
                            t.key.as_str(),
                            "gave" | "returned" | "paid" | "handed" | "brought" | "has" | "have"
                        )
                    })
        });
    hindi_agent || english_agent
}

/// The customer's credit named as what a payment paid off: "udhaar ka/ke/wale 450", "apne
/// udhaar ke", "his/her (old) udhaar", said by or from the customer ("ne", "se", or an English
/// sentence opening with the name), and given to nobody ("ko", "to").
fn debt_paid_off(tokens: &[Token<'_>]) -> bool {
    let key = |i: usize| tokens.get(i).map_or("", |t| t.key.as_str());
    let named_as_paid = (0..tokens.len()).any(|i| {
        tokens[i].word == Word::Credit
            && (matches!(
                key(i + 1),
                "ka" | "ke"
                    | "ki"
                    | "wala"
                    | "wale"
                    | "wali"
                    | "waale"
                    | "का"
                    | "के"
                    | "की"
                    | "वाला"
                    | "वाले"
            ) || (i > 0
                && matches!(
                    key(i - 1),
                    "apne"
                        | "apni"
                        | "apna"
                        | "his"
                        | "her"
                        | "their"
                        | "old"
                        | "pichla"
                        | "pichhla"
                        | "purana"
                        | "पिछला"
                        | "पुराना"
                        | "अपने"
                        | "अपना"
                )))
    });
    let from_them = tokens
        .iter()
        .any(|t| matches!(t.key.as_str(), "ne" | "ने" | "se" | "से" | "from"))
        || tokens
            .iter()
            .find(|t| !matches!(t.word, Word::Filler | Word::Sep))
            .is_some_and(|t| t.word == Word::Name);
    let to_someone = tokens
        .iter()
        .any(|t| matches!(t.key.as_str(), "ko" | "को" | "to"));
    named_as_paid && from_them && !to_someone
}

/// A paying verb in the past whose doer is the customer (a name, he, she, they, or the "ne"
/// of Hindi), or a passive whose subject is the credit ("the 700 he took on credit was paid
/// back"), said beside credit: the credit is background and the money came. The merchant's
/// own giving ("I gave him items worth 340 on udhaar", "maine udhaar diya") is not this.
pub(super) fn credit_told_then_paid(tokens: &[Token<'_>]) -> bool {
    let key = |i: usize| tokens.get(i).map_or("", |t| t.key.as_str());
    let paid_past = |k: &str| {
        matches!(
            k,
            "paid"
                | "cleared"
                | "settled"
                | "repaid"
                | "deposited"
                | "returned"
                | "transferred"
                | "chukaya"
                | "chukaye"
                | "chukai"
                | "चुकाया"
                | "चुकाए"
        )
    };
    let hindi_giving = |k: &str| matches!(k, "diye" | "diya" | "di" | "दिए" | "दिया" | "दी");
    // The merchant acting, or given to ("Rahul ne mujhe 500 diye the udhaar": lent to the shop).
    let merchant = |k: &str| {
        matches!(
            k,
            "i" | "we"
                | "maine"
                | "mene"
                | "humne"
                | "hamne"
                | "mujhe"
                | "mujhko"
                | "humein"
                | "hamein"
                | "hume"
                | "humko"
                | "मैंने"
                | "मैने"
                | "हमने"
                | "मुझे"
                | "हमें"
        )
    };
    let skippable = |k: &str| {
        matches!(
            k,
            "has"
                | "have"
                | "had"
                | "finally"
                | "also"
                | "then"
                | "now"
                | "today"
                | "just"
                | "fully"
                | "already"
                | "aaj"
                | "abhi"
                | "ji"
                | "bhai"
        )
    };
    let doer_before = |v: usize| {
        (0..v)
            .rev()
            .find(|&b| !skippable(key(b)) && tokens[b].word != Word::Honorific)
    };
    let by_customer = (0..tokens.len()).any(|v| {
        let verb = key(v);
        let english = paid_past(verb) || (verb == "gave" && key(v + 1) == "back");
        // "Rahul had taken 500 on credit and paid it today": after "and", the doer is the one
        // the sentence opened with.
        let opened_by_them = tokens
            .iter()
            .find(|t| !matches!(t.word, Word::Filler | Word::Sep))
            .is_some_and(|t| t.word == Word::Name || matches!(t.key.as_str(), "he" | "she"));
        if english {
            return doer_before(v).is_some_and(|b| {
                (matches!(key(b), "and" | "aur" | "then") && opened_by_them)
                    || tokens[b].word == Word::Name
                    || matches!(key(b), "he" | "she" | "they")
                    // "was (fully) paid", "was paid back by him": the credit paid.
                    || matches!(key(b), "was" | "were" | "been")
            });
        }
        // "Sunny ne aaj 500 cash diye": the giver marked with "ne", and a name before it.
        hindi_giving(verb)
            && (1..v).any(|n| {
                matches!(key(n), "ne" | "ने")
                    && tokens[n - 1].word == Word::Name
                    && !(n..v).any(|c| tokens[c].word == Word::Credit)
            })
    });
    by_customer && !tokens.iter().any(|t| merchant(&t.key))
}

/// A reminder spoken of as something that happened ("the reminder worked", "following
/// yesterday's reminder", "after I reminded him", "since the reminder went"), with no word that
/// asks for one to be sent or set.
fn reminder_told_as_past(tokens: &[Token<'_>]) -> bool {
    let told = tokens.iter().any(|t| {
        matches!(
            t.key.as_str(),
            "worked"
                | "went"
                | "gone"
                | "reached"
                | "following"
                | "reminded"
                | "received"
                | "got"
                | "yesterday's"
        )
    }) || (0..tokens.len()).any(|i| {
        // "after I sent it", "since the reminder went"; "reminder after 2 days" is a time.
        matches!(tokens[i].key.as_str(), "after" | "since")
            && tokens.get(i + 1).is_some_and(|n| {
                matches!(
                    n.key.as_str(),
                    "i" | "we" | "he" | "she" | "they" | "the" | "my" | "our" | "yesterday's"
                )
            })
    });
    let asks = tokens.iter().any(|t| {
        matches!(
            t.key.as_str(),
            "send"
                | "set"
                | "schedule"
                | "remind"
                | "bhejo"
                | "bhej"
                | "bhejna"
                | "bhejiye"
                | "bhejdo"
                | "lagao"
                | "laga"
                | "karo"
                | "kar"
                | "do"
                | "dena"
                | "please"
                | "pls"
                | "plz"
                | "भेजो"
                | "भेज"
                | "भेजना"
                | "लगाओ"
                | "करो"
                | "दो"
        )
    });
    told && !asks && !tokens.iter().any(|t| t.word == Word::Question)
}

/// A paying verb in the past with an amount: "paid 500", "500 diye", "sent 700 on phonepe".
pub(super) fn tells_money_moving(tokens: &[Token<'_>]) -> bool {
    let number = tokens.iter().any(|t| t.word == Word::Number);
    let paid = tokens.iter().any(|t| {
        matches!(
            t.key.as_str(),
            "paid"
                | "sent"
                | "deposited"
                | "transferred"
                | "cleared"
                | "settled"
                | "gave"
                | "diye"
                | "diya"
                | "bheje"
                | "bheja"
                | "दिए"
                | "दिया"
                | "भेजे"
        )
    });
    number && paid
}

fn is_repayment(key: &str) -> bool {
    matches!(
        key,
        "chukaya"
            | "chukaye"
            | "chukta"
            | "chukate"
            | "chukaate"
            | "chukane"
            | "चुकाते"
            | "चुकाने"
            | "lautaye"
            | "lautaya"
            | "returned"
            | "चुकाए"
            | "चुकाया"
            | "लौटाए"
    )
}

/// "Rahul paid ...": the first name, right before an English paying verb, is the payer.
fn paid_by_the_name(clause: &Clause<'_, '_>) -> bool {
    clause.name_runs().first().is_some_and(|(_, end)| {
        clause
            .tokens
            .get(clause.after_name(*end))
            .is_some_and(|t| matches!(t.key.as_str(), "paid" | "pays" | "has" | "repaid"))
            && clause
                .tokens
                .iter()
                .any(|t| matches!(t.key.as_str(), "paid" | "pays" | "repaid"))
    })
}

/// "maine Rahul se 500 udhaar liye", "Rahul ne mujhe 500 udhaar diye", "I borrowed 500 from
/// Rahul", "Rahul lent me 500": the merchant took the credit, which is no debt of the customer's.
fn merchant_borrowed(tokens: &[Token<'_>]) -> bool {
    let key = |k: &str| tokens.iter().any(|t| t.key == k);
    let merchant = ["maine", "humne", "hamne", "मैंने", "हमने", "i", "we"]
        .iter()
        .any(|k| key(k));
    let from = ["se", "से", "from"].iter().any(|k| key(k));
    let took = tokens
        .iter()
        .any(|t| t.word == Word::Take || matches!(t.key.as_str(), "liye" | "lie" | "लिए" | "लिये"));
    let to_me = [
        "mujhe",
        "mujhko",
        "humein",
        "hamein",
        "hume",
        "मुझे",
        "हमें",
        "me",
    ]
    .iter()
    .any(|k| key(k))
        && tokens.iter().any(|t| {
            matches!(
                t.key.as_str(),
                "ne" | "ने" | "lent" | "gave" | "given" | "diye" | "diya" | "दिए" | "दिया"
            )
        });
    // "Rahul borrowed 500 (from me)" is the customer's credit; "I borrowed", "borrowed 500 from
    // Rahul" the merchant's.
    let from_someone = tokens
        .windows(2)
        .any(|w| w[0].key == "from" && !matches!(w[1].key.as_str(), "me" | "us"));
    (merchant && from && took)
        || to_me
        || ((merchant || from_someone) && key("borrowed"))
        || key("lent")
}

/// "write off", "Rahul ka 500 write off karo": what is owed is forgiven, not added to.
fn written_off(tokens: &[Token<'_>]) -> bool {
    tokens
        .windows(2)
        .any(|w| matches!(w[0].key.as_str(), "write" | "written") && w[1].key == "off")
}

/// "left for Rahul", "remaining from Goldie": the name after "for" or "from" is who the rest is
/// left for or owed by.
fn left_for_a_person(tokens: &[Token<'_>]) -> bool {
    tokens
        .windows(2)
        .any(|w| matches!(w[0].key.as_str(), "for" | "from") && w[1].word == Word::Name)
}

/// A name followed by "ko" or after "to": whom goods were sold to.
fn sold_to_someone(tokens: &[Token<'_>]) -> bool {
    tokens.windows(2).any(|w| {
        (w[0].word == Word::Name && matches!(w[1].key.as_str(), "ko" | "को"))
            || (w[0].key == "to" && w[1].word == Word::Name)
    })
}

/// "batao", "dikhao", "show", "tell": something asked to be told or shown. Said inside a
/// booking or a reminder ("Rahul ne 500 diye aur balance batao") it is a second request that
/// the booking's reading would drop.
fn asks_to_be_told(tokens: &[Token<'_>]) -> bool {
    tokens.iter().any(|t| {
        matches!(
            t.key.as_str(),
            "batao"
                | "bata"
                | "bataao"
                | "btao"
                | "bataiye"
                | "dikhao"
                | "dikha"
                | "dikhana"
                | "show"
                | "tell"
                | "बताओ"
                | "बता"
                | "बताइए"
                | "दिखाओ"
                | "दिखा"
        )
    })
}

/// "Rahul took goods worth 500", "Rahul bought for 500": the first name, then a verb of taking,
/// is the one who took goods, which is no payment.
fn bought_in_english(clause: &Clause<'_, '_>) -> bool {
    clause.name_runs().first().is_some_and(|(_, end)| {
        clause
            .tokens
            .get(clause.after_name(*end))
            .is_some_and(|t| matches!(t.key.as_str(), "took" | "bought" | "purchased"))
    })
}

/// The first name is the subject: followed by "ne".
fn said_by_them(clause: &Clause<'_, '_>) -> bool {
    clause.name_runs().first().is_some_and(|(_, end)| {
        matches!(
            clause
                .tokens
                .get(clause.after_name(*end))
                .map(|t| t.key.as_str()),
            Some("ne" | "ने")
        )
    })
}

/// "Rahul pe kitna hai", "Rahul ke upar kitna", "राहुल पर कितना है": money standing *on* a person
/// is what they owe. The name must be a customer's, so it is the first name run, followed by the
/// marker (after any honorific).
fn owed_by_name(clause: &Clause<'_, '_>) -> bool {
    clause.name_runs().first().is_some_and(|(_, end)| {
        let at = clause.after_name(*end);
        let key = |k: usize| clause.tokens.get(k).map(|t| t.key.as_str());
        matches!(key(at), Some("pe" | "par" | "upar" | "पे" | "पर" | "ऊपर"))
            || (matches!(key(at), Some("ke" | "के")) && matches!(key(at + 1), Some("upar" | "ऊपर")))
    })
}

/// "Suresh ne 100": a name that did something with an amount is a payment even with the verb left out.
fn said_ne(clause: &Clause<'_, '_>) -> bool {
    clause.name_runs().first().is_some_and(|(_, end)| {
        let at = clause.after_name(*end);
        matches!(
            clause.tokens.get(at).map(|t| t.key.as_str()),
            Some("ne" | "ने")
        ) && clause.word(at + 1) == Some(Word::Number)
    })
}

/// "... aur 300 from Joy", "Joy se 300": an amount from a name, with no verb at all, continues a
/// list of payments the way "Suresh ne 300" does.
fn said_from(clause: &Clause<'_, '_>) -> bool {
    if clause.tokens.iter().any(|t| {
        !matches!(
            t.word,
            Word::Name
                | Word::Number
                | Word::Marker
                | Word::Currency
                | Word::Honorific
                | Word::Mode(_)
        )
    }) {
        return false;
    }
    let Some(&(start, end)) = clause.name_runs().first() else {
        return false;
    };
    let after = clause.after_name(end);
    let se_after = matches!(
        clause.tokens.get(after).map(|t| t.key.as_str()),
        Some("se" | "से")
    ) && clause.word(after + 1) == Some(Word::Number);
    let from_before = start
        .checked_sub(1)
        .is_some_and(|b| clause.tokens[b].key == "from")
        && clause.tokens[..start]
            .iter()
            .any(|t| t.word == Word::Number);
    se_after || from_before
}

/// "X ke 650 aaye": a name, a plural marker, then a number with no unit or product after it.
fn name_ke_bare_number(clause: &Clause<'_, '_>) -> bool {
    clause.name_runs().first().is_some_and(|(_, end)| {
        let at = clause.after_name(*end);
        matches!(
            clause.tokens.get(at).map(|t| t.key.as_str()),
            Some("ke" | "के" | "ki" | "की")
        ) && clause.word(at + 1) == Some(Word::Number)
            && read_number(clause.tokens, at + 1)
                .is_some_and(|n| !matches!(clause.word(n.end), Some(Word::Name | Word::Unit(_))))
    })
}

/// "Rahul: 500 received", "Dairy Milk 50 aayi": a name, then a bare number with nothing counted
/// after it; a customer's money or a product's stock, said the same way.
fn name_bare_number(clause: &Clause<'_, '_>) -> bool {
    clause.name_runs().first().is_some_and(|(start, end)| {
        // "mark Rahul 500 received", "received: Rahul 500": a request to write it, or the
        // arrival said first, leaves the same doubt.
        clause.tokens[..*start].iter().all(|t| {
            matches!(
                t.word,
                Word::Filler | Word::Write | Word::Arrive | Word::Sep
            )
        }) && clause.word(*end) == Some(Word::Number)
            && read_number(clause.tokens, *end)
                .is_some_and(|n| !matches!(clause.word(n.end), Some(Word::Name | Word::Unit(_))))
    })
}

/// `Gupta ji ka 2 hajar aaya online` is money; `50 packet doodh aaya` is stock.
fn arrival_is_money(clause: &Clause<'_, '_>, has: &Has) -> bool {
    if has.unit {
        return false;
    }
    if has.currency || has.mode.is_some() || has.pay || has.from || has.honorific {
        return true;
    }
    // "500 mila Rahul se": goods do not come *from* a name, money does.
    let from_someone = clause.name_runs().iter().any(|(_, end)| {
        matches!(
            clause
                .tokens
                .get(clause.after_name(*end))
                .map(|t| t.key.as_str()),
            Some("se" | "से")
        )
    });
    // ... unless a number counts goods: "Amul se 20 butter aaye".
    // "500 Rahul se mile" counts no goods: the name after the number is the giver's.
    let counts_goods = (0..clause.tokens.len()).any(|i| {
        clause.word(i) == Some(Word::Number)
            && read_number(clause.tokens, i).is_some_and(|n| {
                clause.word(n.end) == Some(Word::Name) && !clause.names_a_giver(n.end)
            })
    });
    if from_someone && !counts_goods {
        return true;
    }
    // "Rahul ka 500 aaya": a name with a singular marker, then a bare number, then the verb.
    clause.name_runs().first().is_some_and(|(_, end)| {
        let at = clause.after_name(*end);
        let marker = clause.tokens.get(at).map(|t| t.key.as_str());
        matches!(marker, Some("ka" | "se" | "ne" | "का" | "से" | "ने"))
            && clause.word(at + 1) == Some(Word::Number)
            && read_number(clause.tokens, at + 1)
                .is_some_and(|n| clause.word(n.end) != Some(Word::Name))
    })
}

fn reminder(clause: &mut Clause<'_, '_>, now: DateTime<FixedOffset>) -> Option<Vec<Command>> {
    let at = reminder_time(clause.tokens, &mut clause.used, now);
    // "Rahul ka baki batao aur reminder bhejo": a second request (a balance shown) said with the
    // reminder would be dropped unread, so the reading is asked.
    clause.guessed |= asks_to_be_told(clause.tokens);
    // A time already gone ("aaj subah 8 baje" at ten) was misheard or misread: it is asked,
    // never sent at once as if no time had been said.
    clause.guessed |= at.is_some_and(|at| at < now);
    // "remind Rahul later", "baad mein": a time said but not which one.
    clause.guessed |= clause
        .tokens
        .iter()
        .zip(&clause.used)
        .any(|(t, used)| t.word == Word::After && !used);
    let customer = clause.take_customer()?;
    let amount_paise = clause.take_amount();
    Some(vec![Command::ScheduleReminder {
        customer,
        amount_paise,
        at,
        every_days: None,
    }])
}

fn payment(clause: &mut Clause<'_, '_>, has: &Has) -> Option<Vec<Command>> {
    let to_them = clause.name_runs().first().is_some_and(|(_, end)| {
        let marker_at = clause.after_name(*end);
        matches!(
            clause.tokens.get(marker_at).map(|t| t.key.as_str()),
            Some("ko" | "को")
        )
    });
    // "Rahul ne 500 ka saman liya": Rahul took goods, which is no payment; "Rahul se 500 liye" is.
    let they_took = has.take
        && !has.pay
        && !has.arrive
        && !has.from
        && (said_by_them(clause) || bought_in_english(clause));
    let customer = clause.take_customer()?;
    let amount_paise = clause.take_amount()?;
    clause.guessed |= they_took || has.price || asks_to_be_told(clause.tokens);
    // "Rahul paid 500 and show his balance", "Rahul paid 500, how much more": a second request
    // said inside the payment's words would be dropped unread, so the reading is asked.
    clause.guessed |= has.show || has.how_much || clause.tokens.iter().any(|t| t.key == "what");
    // "Kiran paid 500 for his dues": an English possessive after the named payer is the payer's.
    for (i, token) in clause.tokens.iter().enumerate() {
        if matches!(token.key.as_str(), "his" | "her" | "their") {
            clause.used[i] = true;
        }
    }
    if to_them && !has.arrive {
        // "Rahul ko 500 diye": the shop gave money to the customer, which is credit; a guess.
        clause.guessed = true;
        return Some(vec![Command::AddCredit {
            customer,
            amount_paise,
            note: None,
        }]);
    }
    // "check" is also a question word; next to a payment it is a cheque, but "pls check" asks
    // for the money to be looked for.
    let mode = has.mode.or_else(|| {
        (0..clause.tokens.len())
            .any(|i| {
                matches!(clause.tokens[i].key.as_str(), "check" | "चेक")
                    && !i.checked_sub(1).is_some_and(|b| {
                        matches!(
                            clause.tokens[b].key.as_str(),
                            "please" | "pls" | "plz" | "kindly" | "zara" | "jara" | "once"
                        )
                    })
            })
            .then_some(PaymentMode::Cheque)
    });
    Some(vec![Command::RecordPayment {
        customer,
        amount_paise,
        mode,
    }])
}

/// Whose balance is asked: the name said, or in "Rahul ne 500 diye, ab kitna baaki" the customer
/// of the command just before (a guess, so it is asked).
fn balance_customer(clause: &mut Clause<'_, '_>, has: &Has) -> Option<String> {
    clause
        .take_customer_name()
        .or_else(|| follow_up_customer(clause, has))
}

/// The customer of the command before, for a balance asked right after it with no name and no
/// word of everyone ("sab", "total").
fn follow_up_customer(clause: &mut Clause<'_, '_>, has: &Has) -> Option<String> {
    if has.all {
        return None;
    }
    clause.inherit()
}

fn credit_or_balance(clause: &mut Clause<'_, '_>, has: &Has) -> Option<Vec<Command>> {
    // "Rahul ka 300 udhaar hai": a debt stated with no verb of writing or taking may be one the
    // khata already holds; it is read as credit and asked about.
    let stated = !has.write
        && !has.take
        && !has.pay
        && !has.new
        && !has.make
        && clause
            .tokens
            .iter()
            .any(|t| matches!(t.key.as_str(), "hai" | "hain" | "है" | "हैं" | "is" | "are"));
    let customer = clause.take_customer_name();
    match clause.take_amount() {
        Some(amount_paise) => {
            let customer = customer.or_else(|| clause.take_customer())?;
            // "update Maggi price 15": a price is said of goods, so the name may be a product's
            // and the amount its price, never a debt written at once.
            clause.guessed |= stated
                || has.price
                || asks_to_be_told(clause.tokens)
                || merchant_borrowed(clause.tokens)
                || written_off(clause.tokens);
            Some(vec![Command::AddCredit {
                customer,
                amount_paise,
                note: None,
            }])
        }
        None if has.question || has.balance || has.all || has.how_much => {
            Some(vec![Command::CheckBalance {
                customer: customer.or_else(|| follow_up_customer(clause, has)),
            }])
        }
        None => None,
    }
}

/// The product a stock question names: "how many bags of rice are left" asks about rice, so a
/// name before "of" that another name follows is a container, not the product.
fn stock_product(clause: &mut Clause<'_, '_>) -> Option<String> {
    let runs = clause.name_runs();
    if let [(start, end), (next, _), ..] = runs[..]
        && clause.tokens.get(end).is_some_and(|t| t.key == "of")
        && next == end + 1
    {
        clause.mark(start, end);
    }
    clause.take_name()
}

/// "चावल कितना है", "besan kitna reh gaya": one name, then how much, then only verbs. Money
/// asked this way has a case marker ("Rahul ka kitna hai") or a money word, and a price a marker
/// after the question ("Maggi kitne ka hai").
/// "Maggi kitne packet hai", "how many Maggi packets are there": a quantity of one good asked
/// in a unit of goods is its stock. Money, a customer's verb or a second name is no such question.
fn counted_in_units(clause: &Clause<'_, '_>, has: &Has) -> bool {
    has.how_much
        && has.unit
        && !has.numbers
        && !has.currency
        && !has.pay
        && !has.credit
        && !has.take
        && !has.bill
        && !has.sale
        && !has.arrive
        && !has.balance
        && clause.name_runs().len() == 1
        && !clause
            .tokens
            .iter()
            .any(|t| matches!(t.key.as_str(), "ne" | "ko" | "ने" | "को"))
}

fn bare_quantity_question(clause: &Clause<'_, '_>, has: &Has) -> bool {
    if !has.how_much || has.numbers || about_money_or_goods(has) {
        return false;
    }
    let [(start, end)] = clause.name_runs()[..] else {
        return false;
    };
    let before_ok = clause.tokens[..start]
        .iter()
        .all(|t| matches!(t.word, Word::Filler | Word::Question | Word::Sep));
    let asked_at = match clause.tokens.get(end) {
        Some(t) if t.word == Word::Question => end,
        _ => return false,
    };
    let after_ok = clause.tokens[asked_at + 1..]
        .iter()
        .all(|t| matches!(t.word, Word::Aux | Word::Filler | Word::Question));
    before_ok && after_ok
}

fn add_product(clause: &mut Clause<'_, '_>) -> Option<Vec<Command>> {
    let product = clause.take_name()?;
    let price_paise = clause.take_amount().or_else(|| price_per_unit(clause))?;
    let unit = clause.first_unit();
    Some(vec![Command::AddProduct {
        product,
        price_paise,
        unit,
    }])
}

/// "Rs 120/kg", "₹14 packet": a price said with its unit, which `take_amount` reads as a quantity.
/// Only a number that a currency sign or price word stands right before is taken.
fn price_per_unit(clause: &mut Clause<'_, '_>) -> Option<crate::money::Paise> {
    let at = (1..clause.tokens.len()).find(|&i| {
        !clause.used[i]
            && clause.word(i) == Some(Word::Number)
            && matches!(clause.word(i - 1), Some(Word::Currency | Word::Price))
    })?;
    let num = read_number(clause.tokens, at).filter(|n| n.milli > 0)?;
    clause.mark(num.start, num.end);
    Some(crate::money::Paise::new((num.milli + 5) / 10))
}

/// Digits said after the name, as `91` + ten digits. Anything else is not placed (and so unclean).
fn take_phone(clause: &mut Clause<'_, '_>) -> Option<String> {
    let mut digits = String::new();
    let mut taken = Vec::new();
    for (i, token) in clause.tokens.iter().enumerate() {
        if !clause.used[i]
            && token.word == Word::Number
            && token.key.bytes().all(|b| b.is_ascii_digit())
        {
            digits.push_str(&token.key);
            taken.push(i);
        }
    }
    let phone = match digits.len() {
        10 if digits.starts_with(['6', '7', '8', '9']) => format!("91{digits}"),
        11 if digits.starts_with('0') => format!("91{}", &digits[1..]),
        12 if digits.starts_with("91") => digits,
        _ => return None,
    };
    for i in taken {
        clause.used[i] = true;
    }
    Some(phone)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nlu::tokens::tokenize;

    fn now() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("2026-11-22T10:00:00+05:30").unwrap_or_default()
    }

    fn intent(text: &str) -> Option<&'static str> {
        let tokens = tokenize(text);
        command(&tokens, now(), None).and_then(|o| o.commands.first().map(Command::intent))
    }

    #[test]
    fn keyword_families_pick_the_intent() {
        assert_eq!(intent("Rahul ne 200 diye"), Some("record_payment"));
        assert_eq!(intent("Rahul ke khate mein 300 likho"), Some("add_credit"));
        assert_eq!(intent("Rahul ka 500 aaya"), Some("record_payment"));
        assert_eq!(intent("Maggi ke 100 aaye"), Some("update_stock"));
        assert_eq!(intent("Rahul ka bill"), Some("list_invoices"));
        assert_eq!(intent("2 milk"), None);
    }

    #[test]
    fn money_families_pick_the_intent() {
        for (said, expected) in [
            // Money received *from* someone, with "mil" or "mila" as the verb.
            ("300 mila Amit se", "record_payment"),
            ("Amit se 300 mil gaye cash mein", "record_payment"),
            ("50 packet doodh aaya", "update_stock"),
            // "record"/"write" with "from" books money in, with "for"/"to" a debit.
            ("record 400 from Nair", "record_payment"),
            ("record 400 credit for Nair", "add_credit"),
            ("add 900 to Kapoor's tab", "add_credit"),
            // Money still to come, asked without "balance".
            ("Jatin se kitna lena hai", "check_balance"),
            // A verbless amount from someone, as in a list of payments.
            ("300 from Joy", "record_payment"),
            ("Joy se 300 cash", "record_payment"),
            ("how much to collect from Pathan", "check_balance"),
            ("how much is left on Mathur's account", "check_balance"),
            ("how much sugar is left", "check_stock"),
            // A reminder taken off without the word cancel.
            ("Trivedi ka reminder nikal do", "cancel_reminder"),
            ("don't send the reminder to Bindu", "cancel_reminder"),
            ("Bindu ko reminder mat bhejna", "cancel_reminder"),
        ] {
            assert_eq!(intent(said), Some(expected), "{said}");
        }
    }

    #[test]
    fn an_arrival_that_may_be_money_is_a_guess() {
        for (said, clean) in [
            ("Anjali ke 650 aa gaye", false),
            ("Maggi ke 100 aaye", false),
            ("Maggi ke 100 packet aaye", true),
            ("50 packet doodh aaya", true),
        ] {
            let tokens = tokenize(said);
            let outcome = command(&tokens, now(), None);
            assert_eq!(outcome.map(|o| o.clean), Some(clean), "{said}");
        }
    }

    #[test]
    fn phones_get_the_country_code() {
        for (said, phone) in [
            ("naya customer Amit 9876543210", "919876543210"),
            ("naya customer Amit 09876543210", "919876543210"),
            ("naya customer Amit +91 98765 43210", "919876543210"),
        ] {
            let tokens = tokenize(said);
            let mut clause = Clause::new(&tokens, None);
            clause.take_name();
            assert_eq!(take_phone(&mut clause).as_deref(), Some(phone), "{said}");
        }
    }
}
