//! Leiden community detection (Traag, Waltman & van Eck, 2019) with the RB
//! configuration quality: modularity with a resolution γ. Moving node v into
//! community C gains `w(v, C) − γ · k_v · K_C / 2m`.
//!
//! Each pass: fast local moving (a queue of nodes whose neighbourhood
//! changed), refinement (inside each community, singletons merge greedily
//! into well-connected sub-communities, so no community comes out
//! disconnected), aggregation of the refined communities into nodes, and
//! again on the smaller graph until nothing moves. A second pass starts from
//! the first one's result. Node order comes from a seeded RNG, so the same
//! graph and seed always give the same communities. Sequential: about
//! O(edges) per sweep, a few seconds at 15M edges; refinement is greedy
//! rather than randomised (deterministic and simpler, at a small cost in
//! quality).
//!
//! Cannot-link constraints (tickets a reviewer split apart) are kept inside
//! the moves ([`leiden_constrained`]): each node carries the (split, part)
//! pairs of its tickets, and a node never moves into a community holding
//! another part of one of its splits. Refinement only merges inside a
//! community, and aggregated nodes carry the union of their members' pairs,
//! so no pass can put two parts together.

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::graph::Graph;

/// Passes over the whole graph (leidenalg's `n_iterations`).
const PASSES: usize = 2;

/// Community of each node, numbered 0.. in order of first appearance.
pub fn leiden(graph: &Graph, resolution: f64, seed: u64) -> Vec<u32> {
    leiden_constrained(graph, resolution, seed, &[])
}

/// The (split, part) pairs a node holds; a node with none is free.
pub type PartTags = Vec<(u32, u32)>;

/// Node `v`'s pairs: `tags` may stop short of the graph's last node (and is
/// empty when nothing was ever split, so that a million free tickets cost
/// no list each).
fn tags_of(tags: &[PartTags], v: usize) -> &[(u32, u32)] {
    tags.get(v).map_or(&[], Vec::as_slice)
}

/// As [`leiden`], with each node's (split, part) pairs (`tags[v]`; may be
/// shorter than the graph, or empty): no community ever holds two parts of
/// one split.
pub fn leiden_constrained(
    graph: &Graph,
    resolution: f64,
    seed: u64,
    tags: &[PartTags],
) -> Vec<u32> {
    let n = graph.nodes();
    let mut membership: Vec<u32> = (0..n as u32).collect();
    if graph.total <= 0.0 {
        return membership;
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    for _ in 0..PASSES {
        membership = one_pass(graph, membership, resolution, tags, &mut rng);
    }
    renumber(&membership).0
}

/// Which split parts each community holds: (split, part, tickets) per
/// community, only for communities with constrained nodes.
#[derive(Default)]
struct PartLedger {
    by_community: HashMap<u32, Vec<(u32, u32, u32)>>,
}

impl PartLedger {
    fn new(part: &[u32], tags: &[PartTags]) -> PartLedger {
        let mut ledger = PartLedger::default();
        for (v, t) in tags.iter().enumerate() {
            ledger.add(part[v], t);
        }
        ledger
    }

    /// Whether a node with `tags` may join community `c`.
    fn allows(&self, c: u32, tags: &[(u32, u32)]) -> bool {
        if tags.is_empty() {
            return true;
        }
        let Some(held) = self.by_community.get(&c) else {
            return true;
        };
        !tags
            .iter()
            .any(|&(s, p)| held.iter().any(|&(hs, hp, n)| hs == s && hp != p && n > 0))
    }

    fn add(&mut self, c: u32, tags: &[(u32, u32)]) {
        if tags.is_empty() {
            return;
        }
        let held = self.by_community.entry(c).or_default();
        for &(s, p) in tags {
            match held.iter_mut().find(|(hs, hp, _)| *hs == s && *hp == p) {
                Some(entry) => entry.2 += 1,
                None => held.push((s, p, 1)),
            }
        }
    }

    fn remove(&mut self, c: u32, tags: &[(u32, u32)]) {
        if tags.is_empty() {
            return;
        }
        if let Some(held) = self.by_community.get_mut(&c) {
            for &(s, p) in tags {
                if let Some(entry) = held.iter_mut().find(|(hs, hp, _)| *hs == s && *hp == p) {
                    entry.2 -= 1;
                }
            }
            held.retain(|e| e.2 > 0);
        }
    }
}

/// Each community's tickets, in index order, by community id (ids with no
/// ticket left get an empty list).
pub fn members_by_community(membership: &[u32]) -> Vec<Vec<u32>> {
    let communities = membership
        .iter()
        .map(|&c| c as usize + 1)
        .max()
        .unwrap_or(0);
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); communities];
    for (d, &c) in membership.iter().enumerate() {
        members[c as usize].push(d as u32);
    }
    members
}

fn one_pass(
    g0: &Graph,
    initial: Vec<u32>,
    gamma: f64,
    tags0: &[PartTags],
    rng: &mut Xoshiro256PlusPlus,
) -> Vec<u32> {
    let mut node_of: Vec<u32> = (0..g0.nodes() as u32).collect();
    let mut owned: Option<Graph> = None;
    let mut tags: Cow<'_, [PartTags]> = Cow::Borrowed(tags0);
    let constrained = tags.iter().any(|t| !t.is_empty());
    let mut part = renumber(&initial).0;
    loop {
        let graph = owned.as_ref().unwrap_or(g0);
        move_nodes(graph, &mut part, gamma, &tags, rng);
        let (compact, communities) = renumber(&part);
        part = compact;
        if communities == graph.nodes() {
            break;
        }
        let (mut refined, mut count) = renumber(&refine(graph, &part, gamma, rng));
        if count == graph.nodes() {
            // Refinement merged nothing: aggregate the communities themselves.
            refined = part.clone();
            count = communities;
        }
        let (aggregated, agg_part) = aggregate(graph, &refined, count, &part);
        if constrained {
            let mut merged: Vec<PartTags> = vec![Vec::new(); count];
            for (v, t) in tags.iter().enumerate() {
                let into = &mut merged[refined[v] as usize];
                for &pair in t {
                    if !into.contains(&pair) {
                        into.push(pair);
                    }
                }
            }
            tags = Cow::Owned(merged);
        }
        for v in node_of.iter_mut() {
            *v = refined[*v as usize];
        }
        part = agg_part;
        owned = Some(aggregated);
    }
    node_of.iter().map(|&a| part[a as usize]).collect()
}

/// Numbers communities 0.. in order of first appearance; returns the count.
fn renumber(part: &[u32]) -> (Vec<u32>, usize) {
    let mut map = vec![u32::MAX; part.iter().map(|&c| c as usize + 1).max().unwrap_or(0)];
    let mut next = 0u32;
    let out = part
        .iter()
        .map(|&c| {
            let slot = &mut map[c as usize];
            if *slot == u32::MAX {
                *slot = next;
                next += 1;
            }
            *slot
        })
        .collect();
    (out, next as usize)
}

/// Graphs with more nodes than this are visited in shuffled blocks.
const BLOCKED_ABOVE: usize = 1 << 16;
/// Consecutive nodes visited together in a large graph.
const VISIT_BLOCK: usize = 256;

/// A seeded random order of the nodes `0..n`. In a large graph, blocks of
/// [`VISIT_BLOCK`] consecutive nodes are shuffled and each block's nodes
/// are visited in turn: rows are numbered so that alike tickets sit
/// together (`vectors::CorpusBuilder::finish`), so a block's neighbours and
/// their communities stay in cache, where a node-by-node shuffle read the
/// per-node arrays at random. At a million tickets that halved Leiden
/// (8.0 → 3.8 s) with the same clusters within noise (`gen` 1M: 371 → 371
/// clusters); a graph that fits in cache gains nothing, so small ones keep
/// the node-by-node order (and their communities).
fn shuffled(n: usize, rng: &mut Xoshiro256PlusPlus) -> Vec<u32> {
    if n <= BLOCKED_ABOVE {
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.shuffle(rng);
        return order;
    }
    let mut blocks: Vec<u32> = (0..n.div_ceil(VISIT_BLOCK) as u32).collect();
    blocks.shuffle(rng);
    blocks
        .into_iter()
        .flat_map(|b| {
            let first = b as usize * VISIT_BLOCK;
            (first..(first + VISIT_BLOCK).min(n)).map(|v| v as u32)
        })
        .collect()
}

/// Fast local moving: visit nodes from a queue, move each to the community
/// with the best gain (or a new one), re-queue neighbours that may now
/// prefer to follow.
fn move_nodes(
    g: &Graph,
    part: &mut [u32],
    gamma: f64,
    tags: &[PartTags],
    rng: &mut Xoshiro256PlusPlus,
) {
    let n = g.nodes();
    let m2 = g.total;
    let mut ledger = PartLedger::new(part, tags);
    let mut total = vec![0.0f64; n];
    let mut size = vec![0u32; n];
    for v in 0..n {
        total[part[v] as usize] += g.strength[v];
        size[part[v] as usize] += 1;
    }
    let mut empty: Vec<u32> = (0..n as u32).filter(|&c| size[c as usize] == 0).collect();
    let mut queue: VecDeque<u32> = shuffled(n, rng).into();
    let mut queued = vec![true; n];
    let mut weight_to = vec![0.0f64; n];
    let mut touched: Vec<u32> = Vec::new();
    while let Some(v) = queue.pop_front() {
        let v = v as usize;
        queued[v] = false;
        let old = part[v] as usize;
        let k = g.strength[v];
        for (u, w) in g.neighbors(v) {
            let c = part[u];
            if weight_to[c as usize] == 0.0 {
                touched.push(c);
            }
            weight_to[c as usize] += w;
        }
        total[old] -= k;
        size[old] -= 1;
        ledger.remove(old as u32, tags_of(tags, v));
        let mut best = old;
        let mut best_gain = weight_to[old] - gamma * k * total[old] / m2;
        for &c in &touched {
            if !ledger.allows(c, tags_of(tags, v)) {
                continue;
            }
            let c = c as usize;
            let gain = weight_to[c] - gamma * k * total[c] / m2;
            if gain > best_gain {
                best = c;
                best_gain = gain;
            }
        }
        if best_gain < 0.0 {
            // Alone is better than anywhere: a new (empty) community.
            best = if size[old] == 0 {
                old
            } else {
                empty
                    .pop()
                    .expect("some community is empty while v is not alone") as usize
            };
        }
        total[best] += k;
        size[best] += 1;
        ledger.add(best as u32, tags_of(tags, v));
        part[v] = best as u32;
        if best != old {
            if size[old] == 0 {
                empty.push(old as u32);
            }
            for (u, _) in g.neighbors(v) {
                if !queued[u] && part[u] as usize != best {
                    queued[u] = true;
                    queue.push_back(u as u32);
                }
            }
        }
        for &c in &touched {
            weight_to[c as usize] = 0.0;
        }
        touched.clear();
    }
}

/// Refinement: within each community, start from singletons and let each
/// still-single, well-connected node join the well-connected
/// sub-community it gains most from. Sub-communities are connected by
/// construction.
fn refine(g: &Graph, part: &[u32], gamma: f64, rng: &mut Xoshiro256PlusPlus) -> Vec<u32> {
    let n = g.nodes();
    let m2 = g.total;
    let mut part_total = vec![0.0f64; n];
    for v in 0..n {
        part_total[part[v] as usize] += g.strength[v];
    }
    let mut refined: Vec<u32> = (0..n as u32).collect();
    let mut total: Vec<f64> = g.strength.clone();
    let mut size = vec![1u32; n];
    // Weight from each sub-community to the rest of its community.
    let mut external: Vec<f64> = (0..n)
        .map(|v| {
            g.neighbors(v)
                .filter(|(u, _)| part[*u] == part[v])
                .map(|(_, w)| w)
                .sum()
        })
        .collect();
    let mut weight_to = vec![0.0f64; n];
    let mut touched: Vec<u32> = Vec::new();
    for v in shuffled(n, rng) {
        let v = v as usize;
        if size[refined[v] as usize] > 1 {
            continue;
        }
        let s = part[v] as usize;
        let k = g.strength[v];
        if external[v] < gamma * k * (part_total[s] - k) / m2 {
            continue;
        }
        for (u, w) in g.neighbors(v) {
            if part[u] as usize == s {
                let c = refined[u];
                if weight_to[c as usize] == 0.0 {
                    touched.push(c);
                }
                weight_to[c as usize] += w;
            }
        }
        let own = refined[v] as usize;
        let mut best = own;
        let mut best_gain = 0.0;
        for &c in &touched {
            let c = c as usize;
            if c == own {
                continue;
            }
            let well_connected = external[c] >= gamma * total[c] * (part_total[s] - total[c]) / m2;
            let gain = weight_to[c] - gamma * k * total[c] / m2;
            if well_connected && gain > best_gain {
                best = c;
                best_gain = gain;
            }
        }
        if best != own {
            external[best] += external[own] - 2.0 * weight_to[best];
            total[best] += k;
            size[best] += 1;
            size[own] = 0;
            refined[v] = best as u32;
        }
        for &c in &touched {
            weight_to[c as usize] = 0.0;
        }
        touched.clear();
    }
    refined
}

/// Folds each refined community into one node; edges inside it become part
/// of its strength. Returns the new graph and its starting partition (the
/// communities the refined ones belong to).
fn aggregate(g: &Graph, refined: &[u32], count: usize, part: &[u32]) -> (Graph<'static>, Vec<u32>) {
    let n = g.nodes();
    let mut members_ptr = vec![0usize; count + 1];
    for &r in refined {
        members_ptr[r as usize + 1] += 1;
    }
    for i in 0..count {
        members_ptr[i + 1] += members_ptr[i];
    }
    let mut fill = members_ptr.clone();
    let mut members = vec![0u32; n];
    for (v, &r) in refined.iter().enumerate() {
        members[fill[r as usize]] = v as u32;
        fill[r as usize] += 1;
    }
    let mut strength = vec![0.0f64; count];
    let mut agg_part = vec![0u32; count];
    let mut rows: Vec<Vec<(u32, f32)>> = Vec::with_capacity(count);
    let mut weight_to = vec![0.0f64; count];
    let mut touched: Vec<u32> = Vec::new();
    for a in 0..count {
        let group = &members[members_ptr[a]..members_ptr[a + 1]];
        agg_part[a] = part[group[0] as usize];
        for &v in group {
            strength[a] += g.strength[v as usize];
            for (u, w) in g.neighbors(v as usize) {
                let b = refined[u];
                if b as usize == a {
                    continue;
                }
                if weight_to[b as usize] == 0.0 {
                    touched.push(b);
                }
                weight_to[b as usize] += w;
            }
        }
        rows.push(
            touched
                .iter()
                .map(|&b| (b, weight_to[b as usize] as f32))
                .collect(),
        );
        for &b in &touched {
            weight_to[b as usize] = 0.0;
        }
        touched.clear();
    }
    (Graph::with_strength(rows, strength), renumber(&agg_part).0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_graph_is_visited_in_shuffled_blocks_of_consecutive_nodes() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let n = BLOCKED_ABOVE + 1000;
        let order = shuffled(n, &mut rng);
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..n as u32).collect::<Vec<_>>(), "every node once");
        for block in order.chunk_by(|a, b| b == &(a + 1)) {
            assert!(
                (block[0] as usize).is_multiple_of(VISIT_BLOCK),
                "blocks start on a boundary"
            );
        }
        assert_ne!(
            order[..VISIT_BLOCK],
            sorted[..VISIT_BLOCK],
            "blocks are shuffled"
        );
        let small = shuffled(1000, &mut rng);
        let runs = small.windows(2).filter(|w| w[1] == w[0] + 1).count();
        assert!(
            runs < 50,
            "a small graph is shuffled node by node ({runs} runs)"
        );
    }

    /// Modularity (RB configuration) of a partition.
    pub fn quality(graph: &Graph, membership: &[u32], resolution: f64) -> f64 {
        let c = membership
            .iter()
            .map(|&x| x as usize + 1)
            .max()
            .unwrap_or(0);
        let mut inside = vec![0.0f64; c];
        let mut strength = vec![0.0f64; c];
        for v in 0..graph.nodes() {
            let cv = membership[v] as usize;
            strength[cv] += graph.strength[v];
            for (u, w) in graph.neighbors(v) {
                if membership[u] as usize == cv {
                    inside[cv] += w;
                }
            }
        }
        let m2 = graph.total;
        (0..c)
            .map(|i| inside[i] - resolution * strength[i] * strength[i] / m2)
            .sum::<f64>()
            / m2
    }

    /// `cliques` cliques of `size` nodes, each linked to the next by one edge.
    fn ring_of_cliques(cliques: usize, size: usize) -> Graph<'static> {
        let n = cliques * size;
        let mut rows = vec![Vec::new(); n];
        let mut link = |a: usize, b: usize| {
            rows[a].push((b as u32, 1.0));
            rows[b].push((a as u32, 1.0));
        };
        for c in 0..cliques {
            for i in 0..size {
                for j in (i + 1)..size {
                    link(c * size + i, c * size + j);
                }
            }
            link(c * size, ((c + 1) % cliques) * size + 1);
        }
        Graph::from_rows(rows)
    }

    #[test]
    fn finds_each_clique_of_a_ring() {
        // At resolution 1 modularity would merge neighbouring cliques of so
        // large a ring (its resolution limit); 4 resolves them.
        let g = ring_of_cliques(30, 5);
        let m = leiden(&g, 4.0, 7);
        for c in 0..30 {
            let first = m[c * 5];
            assert!(
                (0..5).all(|i| m[c * 5 + i] == first),
                "clique {c} split: {:?}",
                &m[c * 5..c * 5 + 5]
            );
            if c > 0 {
                assert_ne!(m[(c - 1) * 5], first, "cliques {c} and {} merged", c - 1);
            }
        }
        assert!(quality(&g, &m, 1.0) > 0.8, "{}", quality(&g, &m, 1.0));
    }

    #[test]
    fn the_same_seed_gives_the_same_communities() {
        let g = ring_of_cliques(50, 4);
        assert_eq!(leiden(&g, 1.0, 3), leiden(&g, 1.0, 3));
    }

    #[test]
    fn a_higher_resolution_gives_more_communities() {
        let g = ring_of_cliques(20, 6);
        let count = |m: &[u32]| m.iter().copied().max().map_or(0, |x| x + 1);
        assert!(count(&leiden(&g, 0.05, 1)) < count(&leiden(&g, 1.0, 1)));
    }

    #[test]
    fn nodes_split_apart_never_share_a_community() {
        // One clique of 6, which a reviewer split into {0, 1, 2} and {3, 4, 5}.
        let g = ring_of_cliques(1, 6);
        assert!(leiden(&g, 1.0, 1).iter().all(|&c| c == 0));
        let tags: Vec<PartTags> = (0..6).map(|v| vec![(0, u32::from(v >= 3))]).collect();
        let m = leiden_constrained(&g, 1.0, 1, &tags);
        for a in 0..6 {
            for b in 0..6 {
                if (a >= 3) != (b >= 3) {
                    assert_ne!(m[a], m[b], "{a} and {b} together: {m:?}");
                }
            }
        }
        assert_eq!(m[0], m[1], "a part stays whole: {m:?}");
        assert_eq!(m[3], m[5], "a part stays whole: {m:?}");
    }

    #[test]
    fn isolated_nodes_stay_alone() {
        let g = Graph::from_rows(vec![vec![(1, 1.0)], vec![(0, 1.0)], vec![]]);
        let m = leiden(&g, 1.0, 1);
        assert_eq!(m[0], m[1]);
        assert_ne!(m[2], m[0]);
    }
}
