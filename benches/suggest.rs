//! suggest-group at scale: a `refrain gen --seed 7` corpus whose families
//! are the confirmed groups (half of each family's tickets as members),
//! 10k groups by default. The generator makes at most 2,000 families, so
//! beyond that each family is dealt round-robin into several groups: the
//! worst case for learning, since such groups cannot be told apart. Three figures: ranking one ticket (the request's
//! work, analysis included), rebuilding the groups' weights after a
//! decision (`CentroidIndex::learn`, what a snapshot costs), and the ticket
//! postings (built once per re-cluster).
//!
//!   cargo bench --bench suggest                                   # 100k tickets, 10k groups
//!   SUGGEST_BENCH_TICKETS=1000000 cargo bench --bench suggest     # 1M
//!
//! The whole endpoint under load, at 1M tickets and 10k groups, is
//! `benches/suggest_1m.sh`.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use refrain::analyze::Analyzer;
use refrain::cluster::ClusterParams;
use refrain::generate::{GenParams, Generator};
use refrain::model::{GroupId, Tag};
use refrain::review::Space;
use refrain::review::centroids::CentroidIndex;
use refrain::suggest::neighbours::TicketPostings;
use refrain::suggest::{GroupInfo, SuggestSettings, Suggester};
use refrain::vectors::{CorpusBuilder, DocText, TicketKey};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Setup {
    space: Arc<Space>,
    members: Vec<Vec<u32>>,
    queries: Vec<DocText>,
}

fn setup(tickets: usize, groups: usize) -> Setup {
    let generator = Generator::new(GenParams {
        tickets,
        seed: 7,
        families: groups.min(2000),
        ..GenParams::default()
    })
    .expect("valid params");
    let labels: Vec<String> = generator
        .families()
        .iter()
        .map(|f| f.label.clone())
        .collect();
    let family_of: std::collections::HashMap<&str, usize> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| (l.as_str(), i))
        .collect();
    let params = ClusterParams::default().check().expect("valid");
    let mut builder = CorpusBuilder::new(Analyzer::default(), params.vectors.title_weight);
    let mut docs = Vec::with_capacity(tickets);
    let mut family = Vec::with_capacity(tickets);
    for i in 0..tickets {
        let t = generator.ticket(i);
        family.push(family_of[t.label.as_str()]);
        docs.push(DocText {
            key: TicketKey {
                id: t.id,
                source: t.source.into(),
                created_ns: 0,
            },
            title: t.title,
            body: t.body,
            notes: String::new(),
        });
    }
    let queries: Vec<DocText> = docs.iter().skip(1).step_by(2).take(1000).cloned().collect();
    let ids: Vec<String> = docs.iter().map(|d| d.key.id.clone()).collect();
    builder.add(docs);
    let space = Space::new(builder.finish(&params.vectors), &params);
    let per_family = groups.div_ceil(labels.len());
    let mut members = vec![Vec::new(); labels.len() * per_family];
    for (i, id) in ids.iter().enumerate().step_by(2) {
        members[family[i] * per_family + (i / 2) % per_family].push(space.row(id).expect("row"));
    }
    Setup {
        space: Arc::new(space),
        members,
        queries,
    }
}

fn bench(c: &mut Criterion) {
    let tickets = env("SUGGEST_BENCH_TICKETS", 100_000);
    let groups = env("SUGGEST_BENCH_GROUPS", 10_000);
    let s = setup(tickets, groups);
    let mut group = c.benchmark_group(format!("suggest/{tickets}t/{groups}g"));
    group.sample_size(10);
    let rows: Vec<&[u32]> = s.members.iter().map(Vec::as_slice).collect();
    group.bench_function("learn", |b| {
        b.iter(|| black_box(CentroidIndex::learn(&s.space, &rows)))
    });
    group.bench_function("postings", |b| {
        b.iter(|| black_box(TicketPostings::build(&s.space)))
    });
    let infos: Vec<GroupInfo> = (0..s.members.len())
        .map(|g| GroupInfo {
            id: GroupId::parse(format!("g{}", g + 1)).expect("id"),
            name: format!("group {g}"),
            tag: Tag::parse("weak-ux").expect("tag"),
            count: s.members[g].len() as u64,
            last_seen: None,
        })
        .collect();
    let suggester = Suggester::new(
        s.space.clone(),
        Arc::new(TicketPostings::build(&s.space)),
        infos,
        &s.members,
        &[],
        Analyzer::default(),
        SuggestSettings::default(),
    );
    let mut next = 0usize;
    group.sample_size(50);
    group.bench_function("rank", |b| {
        b.iter(|| {
            next = (next + 1) % s.queries.len();
            black_box(suggester.suggest(&s.queries[next], 5))
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
