//! Sparse rows in compressed form (CSR): never a dense vocabulary-wide matrix.
//!
//! Term ids are held in two bytes when the vocabulary has at most 65,536
//! terms, as nearly every corpus does once rare terms are pruned (14,016 at
//! a million `gen` tickets): the ids are half of the matrix, and the matrix
//! is the largest thing a re-cluster holds, so that is 76 MB less at every
//! stage of a million-ticket run. A larger vocabulary keeps four bytes.
//! Callers read a row through [`Row`], which hides the width.

use rayon::prelude::*;

/// Rows of (term id, weight), each sorted by term id.
#[derive(Debug, Clone)]
pub struct CsrMatrix {
    indptr: Vec<u64>,
    ids: TermIds,
    values: Vec<f32>,
}

/// Every row's term ids, in the narrowest width that holds the vocabulary.
#[derive(Debug, Clone)]
enum TermIds {
    Narrow(Vec<u16>),
    Wide(Vec<u32>),
}

/// Term ids up to this fit the narrow width.
const NARROW_MAX: u32 = u16::MAX as u32;

impl Default for CsrMatrix {
    fn default() -> Self {
        CsrMatrix {
            indptr: vec![0],
            ids: TermIds::Narrow(Vec::new()),
            values: Vec::new(),
        }
    }
}

impl CsrMatrix {
    /// Builds a matrix from rows already sorted by term id.
    pub fn from_rows<I>(rows: I) -> Self
    where
        I: IntoIterator<Item = Vec<(u32, f32)>>,
    {
        let rows: Vec<Vec<(u32, f32)>> = rows.into_iter().collect();
        let wide = rows.iter().flatten().any(|&(t, _)| t > NARROW_MAX);
        let mut m = CsrMatrix {
            ids: if wide {
                TermIds::Wide(Vec::new())
            } else {
                TermIds::Narrow(Vec::new())
            },
            ..CsrMatrix::default()
        };
        for row in rows {
            debug_assert!(
                row.windows(2).all(|w| w[0].0 < w[1].0),
                "row must be sorted"
            );
            for &(t, v) in &row {
                match &mut m.ids {
                    TermIds::Narrow(ids) => ids.push(t as u16),
                    TermIds::Wide(ids) => ids.push(t),
                }
                m.values.push(v);
            }
            m.indptr.push(m.values.len() as u64);
        }
        m
    }

    /// The matrix of rows `order[0]`, `order[1]`, … of a matrix held as
    /// `ids` and `values`, row `d` being the `len[d]` entries from
    /// `start[d]` (each sorted by term id), over a vocabulary of `terms`.
    /// Each array is copied in parallel and dropped once copied, so that
    /// the rows are never held twice over: at a million tickets that is
    /// 150 MB less at the peak.
    pub fn gathered(
        order: &[usize],
        start: &[u64],
        len: &[usize],
        terms: usize,
        ids: Vec<u32>,
        values: Vec<f32>,
    ) -> Self {
        let mut indptr = Vec::with_capacity(order.len() + 1);
        indptr.push(0u64);
        for &d in order {
            indptr.push(indptr[indptr.len() - 1] + len[d] as u64);
        }
        let span = |d: usize| start[d] as usize..start[d] as usize + len[d];
        let gathered_ids = if terms <= NARROW_MAX as usize + 1 {
            TermIds::Narrow(gather(order, &indptr, |d| &ids[span(d)], |t| t as u16))
        } else {
            TermIds::Wide(gather(order, &indptr, |d| &ids[span(d)], |t| t))
        };
        drop(ids);
        let gathered_values = gather(order, &indptr, |d| &values[span(d)], |v| v);
        drop(values);
        CsrMatrix {
            indptr,
            ids: gathered_ids,
            values: gathered_values,
        }
    }

    pub fn rows(&self) -> usize {
        self.indptr.len().saturating_sub(1)
    }

    pub fn nnz(&self) -> usize {
        self.values.len()
    }

    /// Row `i`.
    #[inline]
    pub fn row(&self, i: usize) -> Row<'_> {
        let (a, b) = (self.indptr[i] as usize, self.indptr[i + 1] as usize);
        let ids = match &self.ids {
            TermIds::Narrow(ids) => RowIds::Narrow(&ids[a..b]),
            TermIds::Wide(ids) => RowIds::Wide(&ids[a..b]),
        };
        Row {
            ids,
            values: &self.values[a..b],
        }
    }

    /// Cosine similarity of two rows (rows are L2-normalised).
    pub fn dot_rows(&self, a: usize, b: usize) -> f32 {
        self.row(a).dot(self.row(b))
    }

    /// Bytes held, for memory accounting.
    pub fn heap_bytes(&self) -> usize {
        let ids = match &self.ids {
            TermIds::Narrow(ids) => ids.capacity() * 2,
            TermIds::Wide(ids) => ids.capacity() * 4,
        };
        self.indptr.capacity() * 8 + ids + self.values.capacity() * 4
    }
}

/// One row of a [`CsrMatrix`]: (term id, weight) pairs sorted by term id.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Row<'a> {
    ids: RowIds<'a>,
    values: &'a [f32],
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum RowIds<'a> {
    Narrow(&'a [u16]),
    Wide(&'a [u32]),
}

impl<'a> Row<'a> {
    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The weights, in term id order.
    pub fn values(&self) -> &'a [f32] {
        self.values
    }

    /// Calls `f(term, weight)` for each entry in term id order. The width
    /// is matched once per row, not per entry: the hot loops use this.
    #[inline]
    pub fn for_each(self, mut f: impl FnMut(u32, f32)) {
        match self.ids {
            RowIds::Narrow(ids) => ids
                .iter()
                .zip(self.values)
                .for_each(|(&t, &v)| f(u32::from(t), v)),
            RowIds::Wide(ids) => ids.iter().zip(self.values).for_each(|(&t, &v)| f(t, v)),
        }
    }

    /// The (term, weight) pairs in term id order.
    pub fn iter(self) -> impl Iterator<Item = (u32, f32)> + 'a {
        let values = self.values.iter().copied();
        match self.ids {
            RowIds::Narrow(ids) => Entries::Narrow(ids.iter().zip(values)),
            RowIds::Wide(ids) => Entries::Wide(ids.iter().zip(values)),
        }
    }

    /// The term ids in order.
    pub fn ids(self) -> impl Iterator<Item = u32> + 'a {
        self.iter().map(|(t, _)| t)
    }

    /// Whether the row holds term `t`.
    pub fn contains(self, t: u32) -> bool {
        match self.ids {
            RowIds::Narrow(ids) => u16::try_from(t).is_ok_and(|t| ids.binary_search(&t).is_ok()),
            RowIds::Wide(ids) => ids.binary_search(&t).is_ok(),
        }
    }

    /// The sum of `dense[term] × weight`: the row's dot product with a
    /// vector spread over the vocabulary.
    ///
    /// Four sums run side by side: one sum would make each product wait
    /// for the addition before it, and the kNN refinement spends most of
    /// its time here.
    #[inline]
    pub fn dot_dense(self, dense: &[f32]) -> f32 {
        #[inline(always)]
        fn dot<T: Copy + Into<u32>>(ids: &[T], values: &[f32], dense: &[f32]) -> f32 {
            let at = |t: T| dense[t.into() as usize];
            let (ids4, ids_tail) = ids.as_chunks::<4>();
            let (values4, values_tail) = values.as_chunks::<4>();
            let mut sums = [0.0f32; 4];
            for (t, v) in ids4.iter().zip(values4) {
                for k in 0..4 {
                    sums[k] += at(t[k]) * v[k];
                }
            }
            let tail: f32 = ids_tail
                .iter()
                .zip(values_tail)
                .map(|(&t, &v)| at(t) * v)
                .sum();
            (sums[0] + sums[1]) + (sums[2] + sums[3]) + tail
        }
        match self.ids {
            RowIds::Narrow(ids) => dot(ids, self.values, dense),
            RowIds::Wide(ids) => dot(ids, self.values, dense),
        }
    }

    /// Dot product with another row (a merge walk over both).
    pub fn dot(self, other: Row<'_>) -> f32 {
        match (self.ids, other.ids) {
            (RowIds::Narrow(a), RowIds::Narrow(b)) => sparse_dot(a, self.values, b, other.values),
            (RowIds::Wide(a), RowIds::Wide(b)) => sparse_dot(a, self.values, b, other.values),
            // Rows of two matrices of different widths: rare, never hot.
            _ => {
                let (mut a, mut b) = (self.iter().peekable(), other.iter().peekable());
                let mut sum = 0.0f32;
                while let (Some(&(ta, va)), Some(&(tb, vb))) = (a.peek(), b.peek()) {
                    if ta <= tb {
                        a.next();
                    }
                    if tb <= ta {
                        b.next();
                    }
                    if ta == tb {
                        sum += va * vb;
                    }
                }
                sum
            }
        }
    }

    /// The row as owned (term, weight) pairs.
    pub fn to_vec(self) -> Vec<(u32, f32)> {
        self.iter().collect()
    }
}

/// [`Row::iter`]'s iterator over either width.
enum Entries<N, W> {
    Narrow(N),
    Wide(W),
}

impl<'a, N, W, V> Iterator for Entries<N, W>
where
    N: Iterator<Item = (&'a u16, V)>,
    W: Iterator<Item = (&'a u32, V)>,
{
    type Item = (u32, V);

    #[inline]
    fn next(&mut self) -> Option<(u32, V)> {
        match self {
            Entries::Narrow(it) => it.next().map(|(&t, v)| (u32::from(t), v)),
            Entries::Wide(it) => it.next().map(|(&t, v)| (t, v)),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            Entries::Narrow(it) => it.size_hint(),
            Entries::Wide(it) => it.size_hint(),
        }
    }
}

/// Rows `row(order[0])`, `row(order[1])`, … of one array, each entry
/// converted by `convert`, copied in parallel into one allocation laid out
/// by `indptr`.
fn gather<'a, S: Copy + Sync + 'a, T: Copy + Default + Send + Sync>(
    order: &[usize],
    indptr: &[u64],
    row: impl Fn(usize) -> &'a [S] + Sync,
    convert: impl Fn(S) -> T + Sync,
) -> Vec<T> {
    let mut out = vec![T::default(); indptr[order.len()] as usize];
    // Blocks of rows, each filling its own stretch of the array.
    const BLOCK: usize = 8192;
    let mut blocks = Vec::new();
    let mut rest = &mut out[..];
    for first in (0..order.len()).step_by(BLOCK) {
        let end = (first + BLOCK).min(order.len());
        let (block, tail) = rest.split_at_mut((indptr[end] - indptr[first]) as usize);
        blocks.push((&order[first..end], block));
        rest = tail;
    }
    blocks.into_par_iter().for_each(|(rows, block)| {
        let mut at = 0;
        for &d in rows {
            for &item in row(d) {
                block[at] = convert(item);
                at += 1;
            }
        }
    });
    out
}

/// Dot product of two sparse vectors sorted by index (a merge walk).
pub fn sparse_dot<I: Ord>(ai: &[I], av: &[f32], bi: &[I], bv: &[f32]) -> f32 {
    let (mut i, mut j, mut sum) = (0, 0, 0.0f32);
    while i < ai.len() && j < bi.len() {
        match ai[i].cmp(&bi[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                sum += av[i] * bv[j];
                i += 1;
                j += 1;
            }
        }
    }
    sum
}

/// Sorts a row by term id and scales it to unit L2 norm.
pub fn finish_row(row: &mut [(u32, f32)]) {
    row.sort_unstable_by_key(|(id, _)| *id);
    let norm = row.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
    if norm > 0.0 {
        row.iter_mut().for_each(|(_, v)| *v /= norm);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_walks_only_shared_terms() {
        assert_eq!(
            sparse_dot(&[1, 3, 5], &[1.0, 2.0, 3.0], &[3, 4, 5], &[10.0, 1.0, 1.0]),
            23.0
        );
        assert_eq!(sparse_dot(&[], &[], &[1], &[1.0]), 0.0);
    }

    #[test]
    fn a_dense_dot_counts_every_entry_whatever_the_row_length() {
        // Lengths around the four side-by-side sums, in both id widths.
        for terms in [40, 70_000] {
            let dense: Vec<f32> = (0..terms).map(|t| (t % 7) as f32).collect();
            for len in 0..10u32 {
                let row: Vec<(u32, f32)> = (0..len)
                    .map(|i| (i * 3 + terms - 30, 1.0 + i as f32))
                    .collect();
                let expected: f32 = row.iter().map(|&(t, v)| dense[t as usize] * v).sum();
                let m = CsrMatrix::from_rows(vec![row]);
                assert_eq!(
                    m.row(0).dot_dense(&dense),
                    expected,
                    "{len} entries, {terms} terms"
                );
            }
        }
    }

    #[test]
    fn rows_round_trip() {
        let m = CsrMatrix::from_rows(vec![vec![(0, 0.6), (2, 0.8)], vec![], vec![(2, 1.0)]]);
        assert_eq!(m.rows(), 3);
        assert!(m.row(1).is_empty());
        assert_eq!(m.row(0).to_vec(), [(0, 0.6), (2, 0.8)]);
        assert!((m.dot_rows(0, 2) - 0.8).abs() < 1e-6);
        assert!(m.row(0).contains(2) && !m.row(0).contains(1) && !m.row(0).contains(70_000));
    }

    #[test]
    fn a_vocabulary_past_two_bytes_keeps_four_byte_ids() {
        let big = 70_000;
        let m = CsrMatrix::from_rows(vec![vec![(3, 0.6), (big, 0.8)], vec![(big, 1.0)]]);
        assert!(matches!(m.ids, TermIds::Wide(_)));
        assert_eq!(m.row(0).ids().collect::<Vec<_>>(), [3, big]);
        assert!(m.row(1).contains(big));
        assert!((m.dot_rows(0, 1) - 0.8).abs() < 1e-6);
        let narrow = CsrMatrix::from_rows(vec![vec![(3, 0.6), (9, 0.8)]]);
        assert!(matches!(narrow.ids, TermIds::Narrow(_)));
        assert!((narrow.row(0).dot(m.row(0)) - 0.36).abs() < 1e-6);
    }

    #[test]
    fn gathering_reorders_rows_in_the_narrowest_width() {
        let (start, len) = ([0u64, 2, 3], [2usize, 1, 0]);
        for (terms, wide) in [(10, false), (70_000, true)] {
            let m = CsrMatrix::gathered(
                &[1, 2, 0],
                &start,
                &len,
                terms,
                vec![1, 5, 4],
                vec![0.6, 0.8, 1.0],
            );
            assert_eq!(matches!(m.ids, TermIds::Wide(_)), wide);
            assert_eq!(m.row(0).to_vec(), [(4, 1.0)]);
            assert!(m.row(1).is_empty());
            assert_eq!(m.row(2).to_vec(), [(1, 0.6), (5, 0.8)]);
        }
    }

    #[test]
    fn finished_rows_are_sorted_and_unit_length() {
        let mut row = [(4, 4.0), (1, 3.0)];
        finish_row(&mut row);
        assert_eq!(row, [(1, 0.6), (4, 0.8)]);
        let mut zero = [(0, 0.0)];
        finish_row(&mut zero);
        assert_eq!(zero, [(0, 0.0)]);
    }
}
