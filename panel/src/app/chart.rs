//! The dashboard's chart: a day's sales, collections and new udhaar as grouped bars, in SVG drawn on the server.
//!
//! Colours come from the stylesheet through classes (the policy allows no inline style), and
//! each bar carries a `<title>` with its day and amount for screen readers and hover.

use execora_engine::books::DayTotals;
use execora_engine::money::Paise;
use execora_engine::reply::{Locale, format_date, label};
use leptos::prelude::*;

const WIDTH: f64 = 620.0;
const HEIGHT: f64 = 220.0;
/// Room on the left for the scale, at the bottom for the dates.
const LEFT: f64 = 56.0;
const BOTTOM: f64 = 24.0;
const TOP: f64 = 8.0;

/// One bar's place and size.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Bar {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    pub series: &'static str,
    pub title: String,
}

/// The three series, their stylesheet classes and labels.
const SERIES: [(&str, &str); 3] = [
    ("sales", "panel-chart-sales"),
    ("collections", "panel-chart-collections"),
    ("credit", "panel-chart-credit"),
];

fn value(day: &DayTotals, series: &str) -> Paise {
    match series {
        "sales" => day.sales,
        "collections" => day.collections,
        _ => day.new_credit,
    }
}

/// Lays the bars out: every day gets a slot, every series a third of it, heights scaled to the
/// largest amount (negative nets, from undos, are drawn as nothing).
pub(crate) fn bars(days: &[DayTotals], locale: Locale) -> (Vec<Bar>, Paise) {
    let largest = days
        .iter()
        .flat_map(|d| SERIES.iter().map(move |(s, _)| value(d, s)))
        .max()
        .unwrap_or(Paise::ZERO)
        .max(Paise::new(100));
    let plot_height = HEIGHT - BOTTOM - TOP;
    let slot = (WIDTH - LEFT) / days.len().max(1) as f64;
    let bar_width = (slot - 2.0).max(1.0) / SERIES.len() as f64;
    let mut out = Vec::with_capacity(days.len() * SERIES.len());
    for (i, day) in days.iter().enumerate() {
        for (j, (series, label_id)) in SERIES.iter().enumerate() {
            let amount = value(day, series);
            let share = (amount.as_i64().max(0) as f64) / (largest.as_i64() as f64);
            let height = (share * plot_height).max(0.0);
            out.push(Bar {
                x: LEFT + i as f64 * slot + 1.0 + j as f64 * bar_width,
                y: TOP + plot_height - height,
                width: bar_width,
                height,
                series,
                title: format!(
                    "{}: {} {}",
                    format_date(day.date, locale),
                    label(locale, label_id),
                    amount
                ),
            });
        }
    }
    (out, largest)
}

fn px(value: f64) -> String {
    format!("{value:.1}")
}

/// The chart with its legend.
pub(crate) fn chart(days: &[DayTotals], locale: Locale) -> impl IntoView + use<> {
    let (bars, largest) = bars(days, locale);
    let heading = label(locale, "panel-chart-heading");
    let baseline = HEIGHT - BOTTOM;
    let first = days
        .first()
        .map(|d| format_date(d.date, locale))
        .unwrap_or_default();
    let last = days
        .last()
        .map(|d| format_date(d.date, locale))
        .unwrap_or_default();
    let rects = bars
        .into_iter()
        .map(|bar| {
            view! {
                <rect class=format!("bar {}", bar.series) x=px(bar.x) y=px(bar.y)
                    width=px(bar.width) height=px(bar.height)>
                    <title>{bar.title}</title>
                </rect>
            }
        })
        .collect_view();
    let legend = SERIES
        .iter()
        .map(|(series, id)| {
            view! { <li><span class=format!("swatch {series}")></span>{label(locale, id)}</li> }
        })
        .collect_view();
    view! {
        <section class="chart" aria-labelledby="chart-heading">
            <h2 id="chart-heading">{heading.clone()}</h2>
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=heading
                preserveAspectRatio="none">
                <line class="axis" x1=px(LEFT) y1=px(baseline) x2=px(WIDTH) y2=px(baseline)/>
                <text class="scale" x="0" y=px(TOP + 10.0)>{largest.to_string()}</text>
                <text class="scale" x="0" y=px(baseline)>"₹0"</text>
                {rects}
                <text class="scale" x=px(LEFT) y=px(HEIGHT - 6.0)>{first}</text>
                <text class="scale end" x=px(WIDTH) y=px(HEIGHT - 6.0) text-anchor="end">{last}</text>
            </svg>
            <ul class="legend">{legend}</ul>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn day(d: u32, sales: i64, collections: i64, credit: i64) -> DayTotals {
        DayTotals {
            date: NaiveDate::from_ymd_opt(2026, 11, d).expect("date"),
            sales: Paise::new(sales),
            collections: Paise::new(collections),
            new_credit: Paise::new(credit),
        }
    }

    #[test]
    fn the_largest_amount_fills_the_height_and_the_rest_scale_to_it() {
        let days = [day(1, 10_000, 5_000, 0), day(2, 0, 20_000, -300)];
        let (bars, largest) = bars(&days, Locale::En);
        assert_eq!(largest, Paise::new(20_000));
        assert_eq!(bars.len(), 6);
        let full = HEIGHT - BOTTOM - TOP;
        let collections_day2 = &bars[4];
        assert_eq!(collections_day2.series, "collections");
        assert!((collections_day2.height - full).abs() < 1e-9);
        assert!((bars[0].height - full / 2.0).abs() < 1e-9);
        assert_eq!(bars[5].height, 0.0, "a negative net is drawn as nothing");
        assert!(
            bars.iter()
                .all(|b| b.x >= LEFT && b.x + b.width <= WIDTH + 1e-9)
        );
        assert!(bars[4].title.contains("₹200"), "{}", bars[4].title);
        assert!(
            bars.windows(2).all(|w| w[0].x < w[1].x),
            "bars left to right"
        );
    }

    #[test]
    fn an_empty_month_draws_flat_bars() {
        let days: Vec<DayTotals> = (1..=30).map(|d| day(d, 0, 0, 0)).collect();
        let (bars, _) = bars(&days, Locale::Hi);
        assert_eq!(bars.len(), 90);
        assert!(bars.iter().all(|b| b.height == 0.0));
    }
}
