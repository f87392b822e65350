//! A demo shop with customers, a catalog and a week of history, so a newcomer can try Execora in a minute.

use std::sync::Arc;

use chrono::Duration;

use crate::books::{
    self, Books, BooksError, InvoiceLineRequest, LinePricing, Merchant, NewCustomer, NewMerchant,
    NewProduct, Origin, Source,
};
use crate::money::{Paise, PaymentMode};
use crate::phone::Phone;
use crate::quantity::{Quantity, Unit};
use crate::reply::Locale;
use crate::store::Db;
use crate::time::{Clock, ManualClock};

/// The demo shop owner's phone: `execora chat --merchant 919800000001`.
pub const DEMO_PHONE: &str = "919800000001";

/// Creates the demo shop once; running it again returns the existing shop untouched.
pub async fn seed(db: &Db, clock: Arc<dyn Clock>) -> Result<(Merchant, bool), BooksError> {
    let phone = Phone::parse(DEMO_PHONE)?;
    if let Some((merchant, _)) = books::merchants::find_by_phone(db, &phone).await? {
        return Ok((merchant, false));
    }
    let merchant = books::merchants::create(
        db,
        NewMerchant {
            name: "Sharma Kirana Store".into(),
            owner_phone: DEMO_PHONE.into(),
            locale: Locale::HiLatn,
            timezone: None,
            upi_id: Some("sharmakirana@okaxis".into()),
        },
        clock.as_ref(),
    )
    .await?;
    // History is written a week back in time with a clock that walks forward to now.
    let now = clock.now();
    let history = ManualClock::new(now - Duration::days(7));
    let shop = Books::open(db.clone(), merchant.id, history.clone()).await?;
    let origin = Origin::new(Source::Demo);

    let mut people = Vec::new();
    for (name, phone, nickname) in [
        ("Rahul Sharma", Some("9876500001"), None),
        ("Rahul Verma", Some("9876500002"), None),
        ("Suresh Patel", Some("9876500003"), None),
        ("Priya Singh", Some("9876500004"), None),
        ("Imran Khan", Some("9876500005"), None),
        ("सुनीता देवी", None, Some("Sunita")),
        ("Prakash Gupta", Some("9876500007"), Some("Pappu")),
    ] {
        let new = NewCustomer {
            name: name.into(),
            phone: phone.map(Into::into),
            nickname: nickname.map(Into::into),
        };
        people.push(shop.add_customer(new).await?.0);
    }
    let mut catalog = Vec::new();
    for (name, rupees, unit, stock, low) in [
        ("Milk", 30, Unit::Packet, 40, Some(10)),
        ("Bread", 40, Unit::Packet, 15, Some(5)),
        ("Atta", 45, Unit::Kg, 50, Some(10)),
        ("Rice", 60, Unit::Kg, 40, Some(10)),
        ("Sugar", 48, Unit::Kg, 25, Some(5)),
        ("Parle-G", 10, Unit::Packet, 100, Some(20)),
        ("Eggs", 84, Unit::Dozen, 6, Some(2)),
        ("Mustard Oil", 170, Unit::Litre, 20, Some(4)),
        ("Toor Dal", 120, Unit::Kg, 18, Some(5)),
        ("Namak", 25, Unit::Packet, 30, None),
    ] {
        let new = NewProduct {
            name: name.into(),
            price: Paise::new(rupees * 100),
            unit,
            low_stock: low.map(|l: i64| Quantity::from_milli(l * 1000)),
        };
        let (product, _) = shop.upsert_product(new).await?;
        shop.adjust_stock(
            product.id,
            Quantity::from_milli(stock * 1000),
            None,
            &origin,
        )
        .await?;
        catalog.push(product);
    }
    let line = |index: usize, milli: i64| InvoiceLineRequest {
        pricing: LinePricing::Catalog(catalog[index].id),
        qty: Quantity::from_milli(milli),
        unit: None,
    };
    for day in 0..7 {
        history.set(now - Duration::days(7 - day) + Duration::hours(3));
        let customer = &people[(day as usize) % people.len()];
        shop.create_invoice(
            Some(customer.id),
            &[line(0, 2000), line(2, 5000), line(5, 3000)],
            &origin,
        )
        .await?;
        shop.create_invoice(None, &[line(1, 1000), line(0, 1000)], &origin)
            .await?;
        history.advance(Duration::hours(4));
        let payer = &people[(day as usize + 3) % people.len()];
        let mode = if day % 2 == 0 {
            PaymentMode::Upi
        } else {
            PaymentMode::Cash
        };
        if shop.balance(payer.id).await?.is_positive() {
            shop.record_payment(payer.id, Paise::new(10_000), Some(mode), &origin)
                .await?;
        }
        shop.add_credit(
            people[(day as usize + 1) % people.len()].id,
            Paise::new(5_000 + 2_500 * day),
            None,
            &origin,
        )
        .await?;
    }
    Ok((merchant, true))
}
