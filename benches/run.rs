//! The in-process replay of `models/statefulset-basics` (the lesson, kind timing, seed 0):
//! world start-up, every command, every expectation checked. The end-to-end process
//! (`target/release/stsim run models/statefulset-basics`, wall time and peak memory) is
//! measured outside criterion with `/usr/bin/time -v`.

// criterion_group! generates undocumented functions.
#![allow(missing_docs)]

use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use stsim::scenario::run::{self, RunConfig};

fn replay(c: &mut Criterion) {
    let lesson =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/statefulset-basics/lesson.md");
    let (text, scenario) = run::load(&lesson).expect("the lesson parses");
    let config = RunConfig::default();
    let mut group = c.benchmark_group("run");
    group.sample_size(10);
    group.bench_function("statefulset-basics", |b| {
        b.iter(|| {
            let r = run::run_scenario(&text, &scenario, &config, false);
            assert!(r.error.is_none());
            r.ended_at
        })
    });
    group.finish();
}

criterion_group!(benches, replay);
criterion_main!(benches);
