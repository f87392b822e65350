//! Rules-parser speed per utterance of the shared development set: `cargo bench --bench nlu`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use execora_engine::nlu::eval::{EvalCase, load_cases};
use execora_engine::nlu::rules::parse;

/// The dev set: `EXECORA_NLU_DEV` if set, else the shared file seen from the engine crate
/// (`cargo bench` runs in /work/main/engine) or from the workspace root.
fn dev_cases() -> Vec<EvalCase> {
    let mut candidates: Vec<String> = Vec::new();
    if let Ok(path) = std::env::var("EXECORA_NLU_DEV") {
        candidates.push(path);
    }
    candidates.push("../../shared/nlu/dev.jsonl".to_string());
    candidates.push("../shared/nlu/dev.jsonl".to_string());
    candidates.push(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/nlu/dev.jsonl").to_string());
    for path in &candidates {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        match load_cases(&text) {
            Ok(cases) if !cases.is_empty() => return cases,
            Ok(_) => eprintln!("{path}: no cases"),
            Err(error) => eprintln!("{path}: {error}"),
        }
    }
    eprintln!("no dev set found (tried {candidates:?}); set EXECORA_NLU_DEV");
    Vec::new()
}

/// Times each utterance on its own and prints the median, 90th percentile and slowest.
fn report_spread(cases: &[EvalCase]) {
    const REPS: u32 = 300;
    let mut times: Vec<Duration> = cases
        .iter()
        .map(|case| {
            let start = Instant::now();
            for _ in 0..REPS {
                black_box(parse(black_box(&case.text), case.now));
            }
            start.elapsed() / REPS
        })
        .collect();
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    eprintln!(
        "per utterance over {} dev cases: median {:?}, p90 {:?}, max {:?}",
        times.len(),
        at(0.5),
        at(0.9),
        at(1.0)
    );
}

fn bench_parse(c: &mut Criterion) {
    let cases = dev_cases();
    if cases.is_empty() {
        return;
    }
    report_spread(&cases);
    let mut next = 0usize;
    c.bench_function("nlu/parse_one_utterance", |b| {
        b.iter(|| {
            let case = &cases[next % cases.len()];
            next = next.wrapping_add(1);
            black_box(parse(black_box(&case.text), case.now))
        })
    });
}

criterion_group!(benches, bench_parse);
criterion_main!(benches);
