//! Ingest stages at 10k tickets from `refrain gen --seed 7`: analysis, the
//! SQLite upsert, and the whole engine (store + index + final commit).
//! Throughput is reported in tickets per second.
//!
//! `cargo bench --bench ingest`; the 1M-ticket figures come from
//! `benches/ingest_1m.sh`.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use refrain::analyze::Analyzer;
use refrain::generate::{GenParams, Generator};
use refrain::model::{IncomingTicket, TicketDraft, ValidationContext};
use refrain::store::Store;
use refrain::{Config, Engine};

const TICKETS: usize = 10_000;

fn tickets(n: usize) -> Vec<IncomingTicket> {
    let generator = Generator::new(GenParams {
        tickets: n,
        seed: 7,
        ..GenParams::default()
    })
    .expect("valid params");
    let config = Config::default();
    let ctx = ValidationContext {
        tags: &config.tags,
        now: time::OffsetDateTime::now_utc(),
    };
    (0..n)
        .map(|i| {
            let json = serde_json::to_string(&generator.ticket(i)).expect("serialise");
            let draft: TicketDraft = serde_json::from_str(&json).expect("a draft");
            IncomingTicket {
                ticket: draft.validate(&ctx).expect("generated tickets are valid"),
                created_at_given: true,
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let batch = tickets(TICKETS);
    let mut group = c.benchmark_group("ingest");
    group.sample_size(10);
    group.throughput(Throughput::Elements(TICKETS as u64));

    group.bench_function("analyze_10k", |b| {
        let mut analyzer = Analyzer::default();
        b.iter(|| {
            let mut n = 0usize;
            for t in &batch {
                analyzer.for_each_token(&t.ticket.title, |_| n += 1);
                analyzer.for_each_token(&t.ticket.body, |_| n += 1);
            }
            black_box(n)
        })
    });

    group.bench_function("store_upsert_10k", |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().expect("temp dir");
                let store = Store::open(&dir.path().join("s.sqlite")).expect("store");
                (dir, store)
            },
            |(dir, store)| {
                for chunk in batch.chunks(1_000) {
                    store
                        .upsert(chunk, time::OffsetDateTime::now_utc())
                        .expect("upsert");
                }
                (dir, store)
            },
            BatchSize::PerIteration,
        )
    });

    group.bench_function("engine_ingest_10k", |b| {
        b.iter_batched(
            || tempfile::tempdir().expect("temp dir"),
            |dir| {
                let engine = Engine::open(dir.path(), Config::default()).expect("engine");
                for chunk in batch.chunks(1_000) {
                    engine.upsert(chunk.to_vec()).expect("upsert");
                }
                engine.close().expect("close");
                dir
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
