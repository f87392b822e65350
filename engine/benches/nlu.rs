//! Rules-parser speed over the shared development set: `cargo bench -p execora-engine --bench nlu`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use execora_engine::nlu::eval::load_cases;
use execora_engine::nlu::rules::parse;

fn dev_set() -> String {
    let candidates = [
        std::env::var("EXECORA_NLU_DEV").unwrap_or_default(),
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/nlu/dev.jsonl").to_string(),
        concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/nlu/rules.jsonl").to_string(),
    ];
    candidates
        .iter()
        .filter(|path| !path.is_empty())
        .find_map(|path| std::fs::read_to_string(path).ok())
        .unwrap_or_default()
}

fn bench_parse(c: &mut Criterion) {
    let cases = match load_cases(&dev_set()) {
        Ok(cases) => cases,
        Err(error) => {
            eprintln!("no parser cases to benchmark: {error}");
            return;
        }
    };
    let mut group = c.benchmark_group("nlu");
    group.throughput(Throughput::Elements(cases.len() as u64));
    group.bench_function("parse_dev_set", |b| {
        b.iter(|| {
            for case in &cases {
                black_box(parse(black_box(&case.text), case.now));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench_parse);
criterion_main!(benches);
