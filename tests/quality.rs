//! Grouping quality on a `refrain gen` dump with ground truth: ARI, and the
//! per-family confusion that shows look-alike families kept apart.

use std::collections::HashMap;

use refrain::analyze::Analyzer;
use refrain::cluster::{ClusterParams, cluster};
use refrain::eval::metrics::score;
use refrain::generate::{GenParams, Generator};
use refrain::vectors::{CorpusBuilder, DocText, TicketKey};

const TICKETS: usize = 20_000;
const FAMILIES: usize = 100;

#[test]
fn generated_families_are_found_and_look_alikes_kept_apart() {
    let generator = Generator::new(GenParams {
        tickets: TICKETS,
        families: FAMILIES,
        seed: 11,
        ..GenParams::default()
    })
    .expect("valid params");
    let params = ClusterParams::default().check().expect("valid");
    let mut builder = CorpusBuilder::new(Analyzer::default(), params.vectors.title_weight);
    let mut label_of: HashMap<String, String> = HashMap::with_capacity(TICKETS);
    let docs = (0..TICKETS)
        .map(|i| {
            let t = generator.ticket(i);
            label_of.insert(t.id.clone(), t.label.clone());
            let notes = [&t.user_saw, &t.user_task, &t.first_failure]
                .into_iter()
                .flatten()
                .cloned()
                .collect::<Vec<_>>()
                .join("\n");
            DocText {
                key: TicketKey {
                    id: t.id,
                    source: t.source.into(),
                    created_ns: 0,
                },
                title: t.title,
                body: t.body,
                notes,
            }
        })
        .collect();
    builder.add(docs);
    let corpus = builder.finish(&params.vectors);
    // Corpus rows are not in input order: name each row's ticket by its key.
    let truth: Vec<String> = corpus.keys.ids().map(|id| label_of[id].clone()).collect();
    let clustering = cluster(&corpus, &params, &mut |_| {});
    let mut predicted = vec![usize::MAX; TICKETS];
    for (c, summary) in clustering.clusters.iter().enumerate() {
        for &m in &summary.members {
            predicted[m as usize] = c;
        }
    }
    let scores = score(&truth, &predicted);

    // Per-family confusion: where each family's tickets went.
    let mut confusion: HashMap<&str, HashMap<usize, usize>> = HashMap::new();
    for (label, &c) in truth.iter().zip(&predicted) {
        *confusion.entry(label).or_default().entry(c).or_default() += 1;
    }
    let majority = |label: &str| -> (usize, f64) {
        let cells = &confusion[label];
        let total: usize = cells.values().sum();
        let (c, n) = cells
            .iter()
            .max_by_key(|(c, n)| (**n, std::cmp::Reverse(**c)))
            .expect("non-empty");
        (*c, *n as f64 / total as f64)
    };
    let mut report: Vec<String> = Vec::new();
    let mut merged_lookalikes = Vec::new();
    for family in generator.families() {
        let Some(other) = &family.lookalike_of else {
            continue;
        };
        if !confusion.contains_key(family.label.as_str()) || !confusion.contains_key(other.as_str())
        {
            continue;
        }
        let (a, share_a) = majority(&family.label);
        let (b, share_b) = majority(other);
        report.push(format!(
            "{:<40} {:>4.0}% in {a:<4} | {:<40} {:>4.0}% in {b}",
            family.label,
            share_a * 100.0,
            other,
            share_b * 100.0
        ));
        if a == b {
            merged_lookalikes.push(format!("{} + {}", family.label, other));
        }
    }
    eprintln!(
        "{scores:?}, {} clusters, {} unclustered",
        clustering.clusters.len(),
        clustering.unclustered.len()
    );
    eprintln!(
        "look-alike pairs (family: share in its majority cluster):\n{}",
        report.join("\n")
    );
    assert!(
        scores.ari >= 0.90,
        "ARI {:.3} below 0.90 (NMI {:.3})",
        scores.ari,
        scores.nmi
    );
    let pairs = report.len().max(1);
    assert!(
        merged_lookalikes.len() * 20 <= pairs,
        "look-alike families merged ({} of {pairs} pairs): {merged_lookalikes:?}",
        merged_lookalikes.len()
    );
}
