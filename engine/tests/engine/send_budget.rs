//! One send budget per number for every process on the database: takers side by side, each on
//! the injected clock, together never get more than the number's rate in a second, spread over
//! the second; a taker whose clock is behind cannot open an old second again. Both databases.

use std::collections::BTreeMap;
use std::sync::Arc;

use execora_engine::send_budget::{self, SLICE_MS, SLICES};
use execora_engine::store::Db;
use tokio::sync::Barrier;

use crate::on_both_databases;

const NUMBER: &str = "106540352242922";
const PER_SECOND: i64 = 200;
const TAKERS: usize = 8;
const SECONDS: i64 = 3;
/// 22 Nov 2026 04:30:00 UTC, on a second's start.
const START: i64 = 1_795_321_800_000;

async fn takers_side_by_side_never_exceed_the_rate_in_any_second(db: Db) {
    let steps = SECONDS * SLICES;
    let barrier = Arc::new(Barrier::new(TAKERS));
    let takers: Vec<_> = (0..TAKERS)
        .map(|n| {
            let (db, barrier) = (db.clone(), barrier.clone());
            tokio::spawn(async move {
                let mut got = Vec::new();
                for step in 0..steps {
                    // Every taker at the same injected instant, a few ms into the slice.
                    let now = START + step * SLICE_MS + n as i64;
                    barrier.wait().await;
                    loop {
                        let granted = send_budget::take(&db, NUMBER, PER_SECOND, 7, now)
                            .await
                            .expect("take");
                        assert!((0..=7).contains(&granted), "{granted}");
                        if granted == 0 {
                            break;
                        }
                        got.push((step, granted));
                    }
                }
                got
            })
        })
        .collect();
    let mut by_step: BTreeMap<i64, i64> = BTreeMap::new();
    for taker in takers {
        for (step, granted) in taker.await.expect("taker") {
            *by_step.entry(step).or_default() += granted;
        }
    }
    for second in 0..SECONDS {
        let mut so_far = 0;
        for slice in 0..SLICES {
            so_far += by_step
                .get(&(second * SLICES + slice))
                .copied()
                .unwrap_or(0);
            // Spread over the second: never ahead of the slice's share.
            assert_eq!(
                so_far,
                PER_SECOND * (slice + 1) / SLICES,
                "second {second}, slice {slice}"
            );
        }
        assert_eq!(so_far, PER_SECOND, "second {second}: exactly the rate");
    }
}

async fn a_taker_behind_takes_from_the_current_second_and_numbers_are_apart(db: Db) {
    let late = START + 999;
    assert_eq!(
        send_budget::take(&db, NUMBER, 10, 100, late)
            .await
            .expect("take"),
        10
    );
    assert_eq!(
        send_budget::take(&db, NUMBER, 10, 1, late)
            .await
            .expect("take"),
        0,
        "spent"
    );
    // A clock one second behind does not get that second's budget again.
    assert_eq!(
        send_budget::take(&db, NUMBER, 10, 5, START - 1)
            .await
            .expect("take"),
        0
    );
    // Another number has its own budget; the next second brings a new one.
    assert_eq!(
        send_budget::take(&db, "another", 10, 3, late)
            .await
            .expect("take"),
        3
    );
    assert_eq!(
        send_budget::take(&db, NUMBER, 10, 5, START + 1000)
            .await
            .expect("take"),
        1,
        "the first slice of the next second"
    );
    assert_eq!(
        send_budget::take(&db, NUMBER, 10, 0, START + 1500)
            .await
            .expect("take"),
        0,
        "nothing asked, nothing taken"
    );
}

on_both_databases!(
    takers_side_by_side_never_exceed_the_rate_in_any_second,
    a_taker_behind_takes_from_the_current_second_and_numbers_are_apart,
);
