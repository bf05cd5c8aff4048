//! Vectorising and clustering at 10k and 100k tickets from
//! `refrain gen --seed 7`, in tickets per second. The 1M figures come from
//! `benches/recluster_1m.sh` (a whole re-cluster through the binary).

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use refrain::analyze::Analyzer;
use refrain::cluster::{ClusterParams, cluster};
use refrain::generate::{GenParams, Generator};
use refrain::vectors::{Corpus, CorpusBuilder, DocText, TicketKey};

fn docs(n: usize) -> Vec<DocText> {
    let generator = Generator::new(GenParams {
        tickets: n,
        seed: 7,
        ..GenParams::default()
    })
    .expect("valid params");
    (0..n)
        .map(|i| {
            let t = generator.ticket(i);
            DocText {
                key: TicketKey {
                    id: t.id,
                    source: t.source.into(),
                    created_ns: 0,
                },
                title: t.title,
                body: t.body,
                notes: String::new(),
            }
        })
        .collect()
}

fn vectorize(docs: Vec<DocText>, params: &ClusterParams) -> Corpus {
    let mut builder = CorpusBuilder::new(Analyzer::default(), params.vectors.title_weight);
    builder.add(docs);
    builder.finish(&params.vectors)
}

fn bench(c: &mut Criterion) {
    let params = ClusterParams::default().check().expect("valid");
    let mut group = c.benchmark_group("cluster");
    group.sample_size(10);
    for n in [10_000, 100_000] {
        let input = docs(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("vectorize", n), &input, |b, input| {
            b.iter(|| black_box(vectorize(input.clone(), &params)))
        });
        let corpus = vectorize(input, &params);
        group.bench_with_input(BenchmarkId::new("cluster", n), &corpus, |b, corpus| {
            b.iter(|| black_box(cluster(corpus, &params, &mut |_| {})))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
