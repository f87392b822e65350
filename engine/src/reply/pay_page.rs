//! The words of a customer's pay page in the shop's language: finished strings, amounts and dates formatted here.

use super::Locale;
use super::render::{args, format_date, plain, say, text};
use crate::books::EntryKind;
use crate::books::pay_links::PayView;
use crate::money::Paise;
use crate::time::{from_millis, local};

/// One ledger line as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayPageLine {
    pub date: String,
    pub kind: String,
    /// Signed: `+₹105` (owes more), `-₹200` (paid).
    pub amount: String,
}

/// Every text of the page, plain (the door escapes them for its markup).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayPageText {
    /// The page's language for `<html lang>`: `hi` or `en`.
    pub language: &'static str,
    pub title: String,
    pub shop_name: String,
    pub customer_line: String,
    /// "Baaki: ₹1,500", "Advance: ₹200" or "Hisaab barabar ✅".
    pub due_line: String,
    /// The UPI button's label, when the shop takes UPI.
    pub pay_button: Option<String>,
    pub scan_hint: String,
    /// Said instead of the button when the shop has no UPI id.
    pub no_upi: String,
    pub recent_heading: String,
    pub lines: Vec<PayPageLine>,
    pub no_entries: String,
    pub valid_until: String,
}

/// What a ledger entry is, in words ("Payment received", "Udhaar"), for the pages that list entries.
pub fn kind_label(kind: EntryKind, locale: Locale) -> String {
    plain(
        locale,
        match kind {
            EntryKind::Sale => "pay-page-kind-sale",
            EntryKind::Payment => "pay-page-kind-payment",
            EntryKind::Credit => "pay-page-kind-credit",
            EntryKind::Reversal => "pay-page-kind-reversal",
        },
    )
}

/// An entry's amount with its sign: `+₹105` (owes more), `-₹200` (paid).
pub fn signed(amount: Paise) -> String {
    if amount.is_negative() {
        format!("-{}", amount.abs())
    } else {
        format!("+{amount}")
    }
}

/// The page for `view`, in its shop's language.
pub fn pay_page(view: &PayView) -> PayPageText {
    let l = view.locale;
    let money = |amount: Paise| text(amount.to_string());
    let due_line = if view.due.is_positive() {
        say(l, "pay-page-due", &args([("amount", money(view.due))]))
    } else if view.due.is_negative() {
        say(
            l,
            "pay-page-advance",
            &args([("amount", money(view.due.abs()))]),
        )
    } else {
        plain(l, "pay-page-clear")
    };
    let pay_button = view.upi_id.as_ref().map(|_| {
        if view.due.is_positive() {
            say(l, "pay-page-button", &args([("amount", money(view.due))]))
        } else {
            plain(l, "pay-page-button-open")
        }
    });
    // The link's last day, in the shop's zone.
    let until = local(
        from_millis(view.expires_at),
        crate::time::parse_zone(&view.zone).unwrap_or(chrono_tz::Asia::Kolkata),
    )
    .date_naive();
    PayPageText {
        language: match l {
            Locale::En => "en",
            Locale::HiLatn | Locale::Hi => "hi",
        },
        title: say(
            l,
            "pay-page-title",
            &args([
                ("shop", text(view.shop_name.clone())),
                ("customer", text(view.customer_name.clone())),
            ]),
        ),
        shop_name: view.shop_name.clone(),
        customer_line: say(
            l,
            "pay-page-customer",
            &args([("customer", text(view.customer_name.clone()))]),
        ),
        due_line,
        pay_button,
        scan_hint: plain(l, "pay-page-scan"),
        no_upi: plain(l, "pay-page-no-upi"),
        recent_heading: plain(l, "pay-page-recent"),
        lines: view
            .entries
            .iter()
            .map(|entry| PayPageLine {
                date: format_date(entry.date, l),
                kind: kind_label(entry.kind, l),
                amount: signed(entry.amount),
            })
            .collect(),
        no_entries: plain(l, "pay-page-no-entries"),
        valid_until: say(
            l,
            "pay-page-valid-until",
            &args([("date", text(format_date(until, l)))]),
        ),
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::books::pay_links::PayEntry;
    use crate::books::{CustomerId, MerchantId};

    fn view(locale: Locale, due: i64, upi: bool) -> PayView {
        PayView {
            merchant: MerchantId(1),
            shop_name: "Gupta Kirana".into(),
            locale,
            zone: "Asia/Kolkata".into(),
            upi_id: upi.then(|| "gupta@okaxis".to_string()),
            customer: CustomerId(2),
            customer_name: "Rahul Sharma".into(),
            due: Paise::new(due),
            entries: vec![
                PayEntry {
                    date: NaiveDate::from_ymd_opt(2026, 11, 22).expect("date"),
                    kind: EntryKind::Payment,
                    amount: Paise::new(-20_000),
                },
                PayEntry {
                    date: NaiveDate::from_ymd_opt(2026, 11, 20).expect("date"),
                    kind: EntryKind::Sale,
                    amount: Paise::new(10_500),
                },
            ],
            // 22 Dec 2026, 00:30 in India.
            expires_at: 1_797_879_600_000,
        }
    }

    #[test]
    fn every_text_of_the_page_exists_in_all_three_languages() {
        for locale in [Locale::HiLatn, Locale::Hi, Locale::En] {
            let page = pay_page(&view(locale, 150_000, true));
            let all = [
                &page.title,
                &page.customer_line,
                &page.due_line,
                page.pay_button.as_ref().expect("button"),
                &page.scan_hint,
                &page.no_upi,
                &page.recent_heading,
                &page.no_entries,
                &page.valid_until,
                &page.lines[0].kind,
                &page.lines[1].kind,
            ];
            for text in all {
                assert!(!text.starts_with("pay-page-"), "{locale:?}: {text}");
            }
            assert!(page.due_line.contains("₹1,500"), "{}", page.due_line);
            assert!(page.pay_button.expect("button").contains("₹1,500"));
            assert_eq!(page.lines[0].amount, "-₹200");
            assert_eq!(page.lines[1].amount, "+₹105");
        }
    }

    #[test]
    fn the_page_speaks_the_shops_language() {
        let hinglish = pay_page(&view(Locale::HiLatn, 150_000, true));
        let hindi = pay_page(&view(Locale::Hi, 150_000, true));
        let english = pay_page(&view(Locale::En, 150_000, true));
        assert_ne!(hinglish.due_line, english.due_line);
        assert_ne!(hindi.due_line, hinglish.due_line);
        assert_eq!(english.language, "en");
        assert_eq!(hindi.language, "hi");
        assert!(
            hindi.lines[0].date.contains("नवंबर"),
            "{}",
            hindi.lines[0].date
        );
        assert!(
            english.valid_until.contains("22 Dec"),
            "{}",
            english.valid_until
        );
    }

    #[test]
    fn nothing_due_or_an_advance_is_said_so_and_the_button_asks_no_amount() {
        let clear = pay_page(&view(Locale::En, 0, true));
        assert!(!clear.due_line.contains('₹'), "{}", clear.due_line);
        assert!(!clear.pay_button.expect("button").contains('₹'));
        let advance = pay_page(&view(Locale::En, -5_000, true));
        assert!(advance.due_line.contains("₹50"), "{}", advance.due_line);
        assert!(pay_page(&view(Locale::En, 100, false)).pay_button.is_none());
    }
}
