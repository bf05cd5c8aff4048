//! Clustering quality against ground truth: NMI (arithmetic mean
//! normalisation), ARI and purity, computed as `tools/refrain_eval.py` does.

use std::collections::HashMap;
use std::hash::Hash;

/// Scores of a predicted partition against the truth.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Scores {
    pub nmi: f64,
    pub ari: f64,
    pub purity: f64,
}

/// Compares `pred` with `truth` (same length, item by item).
pub fn score<T: Eq + Hash, P: Eq + Hash>(truth: &[T], pred: &[P]) -> Scores {
    assert_eq!(truth.len(), pred.len(), "one prediction per item");
    let n = truth.len() as f64;
    if truth.is_empty() {
        return Scores {
            nmi: 1.0,
            ari: 1.0,
            purity: 1.0,
        };
    }
    let mut a: HashMap<&T, f64> = HashMap::new();
    let mut b: HashMap<&P, f64> = HashMap::new();
    let mut joint: HashMap<(&T, &P), f64> = HashMap::new();
    for (t, p) in truth.iter().zip(pred) {
        *a.entry(t).or_default() += 1.0;
        *b.entry(p).or_default() += 1.0;
        *joint.entry((t, p)).or_default() += 1.0;
    }
    let entropy = |counts: &mut dyn Iterator<Item = &f64>| -> f64 {
        counts.map(|&c| -(c / n) * (c / n).ln()).sum()
    };
    let mi: f64 = joint
        .iter()
        .map(|((t, p), &c)| c / n * (c * n / (a[t] * b[p])).ln())
        .sum();
    let (ha, hb) = (entropy(&mut a.values()), entropy(&mut b.values()));
    let nmi = if ha + hb > 0.0 {
        mi / ((ha + hb) / 2.0)
    } else {
        1.0
    };
    let pairs = |x: f64| x * (x - 1.0) / 2.0;
    let sij: f64 = joint.values().map(|&c| pairs(c)).sum();
    let sa: f64 = a.values().map(|&c| pairs(c)).sum();
    let sb: f64 = b.values().map(|&c| pairs(c)).sum();
    let expected = if n > 1.0 { sa * sb / pairs(n) } else { 0.0 };
    let max = (sa + sb) / 2.0;
    let ari = if (max - expected).abs() > f64::EPSILON {
        (sij - expected) / (max - expected)
    } else {
        1.0
    };
    let mut best: HashMap<&P, f64> = HashMap::new();
    for ((_, p), &c) in &joint {
        let e = best.entry(p).or_default();
        *e = e.max(c);
    }
    let purity = best.values().sum::<f64>() / n;
    Scores { nmi, ari, purity }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-4
    }

    #[test]
    fn a_perfect_partition_scores_one_whatever_its_names() {
        let s = score(&["a", "a", "b", "b"], &[7, 7, 3, 3]);
        assert!(
            close(s.nmi, 1.0) && close(s.ari, 1.0) && close(s.purity, 1.0),
            "{s:?}"
        );
    }

    #[test]
    fn hand_worked_example() {
        // truth: a a a b b b ; pred: x x y y y y
        // contingency: (a,x)=2 (a,y)=1 (b,y)=3; n=6
        // H(truth)=ln 2=0.693147; H(pred)= -(2/6 ln 2/6 + 4/6 ln 4/6)=0.636514
        // MI = 2/6 ln(2*6/(3*2)) + 1/6 ln(1*6/(3*4)) + 3/6 ln(3*6/(3*4)) = 0.231049-0.115525+0.202733=0.318257
        // NMI = 0.318257/((0.693147+0.636514)/2) = 0.478709
        // ARI: sij = 1+0+3 = 4; sa = 3+3 = 6; sb = 1+6 = 7; expected = 6*7/15 = 2.8; max = 6.5
        //      ARI = (4-2.8)/(6.5-2.8) = 0.324324
        // purity = (2 + 3)/6 = 0.833333
        let s = score(
            &["a", "a", "a", "b", "b", "b"],
            &["x", "x", "y", "y", "y", "y"],
        );
        assert!(close(s.nmi, 0.478709), "{s:?}");
        assert!(close(s.ari, 0.324324), "{s:?}");
        assert!(close(s.purity, 0.833333), "{s:?}");
    }

    #[test]
    fn one_big_cluster_has_no_information() {
        let s = score(&["a", "b", "c", "d"], &[1, 1, 1, 1]);
        assert!(close(s.nmi, 0.0) && close(s.ari, 0.0), "{s:?}");
        assert!(close(s.purity, 0.25));
    }
}
