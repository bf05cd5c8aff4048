//! Items grouped by a row key into compressed rows (CSR), built and edited
//! in place: posting lists, reverse neighbour lists and the graph's edge
//! rows all come out of one array each, never a `Vec` per row.

use rayon::prelude::*;

/// Rows of items: row `r` is `items[indptr[r]..indptr[r + 1]]`.
#[derive(Debug, Clone)]
pub struct Rows<T> {
    pub indptr: Vec<usize>,
    pub items: Vec<T>,
}

/// Rows edited per rayon task: enough to amortise its overhead.
const MIN_TASK: usize = 1024;

impl<T: Copy + Default + Send> Rows<T> {
    /// Places every item `emit` sends under its row, in the order sent.
    /// `emit` runs twice, to count and then to place, and must send the
    /// same items both times.
    pub fn scatter(rows: usize, emit: impl Fn(&mut dyn FnMut(usize, T))) -> Rows<T> {
        let mut indptr = vec![0usize; rows + 1];
        emit(&mut |r, _| indptr[r + 1] += 1);
        for r in 0..rows {
            indptr[r + 1] += indptr[r];
        }
        let mut fill = indptr.clone();
        let mut items = vec![T::default(); indptr[rows]];
        emit(&mut |r, item| {
            items[fill[r]] = item;
            fill[r] += 1;
        });
        Rows { indptr, items }
    }

    /// Rewrites every row in parallel: `edit(r, row)` may reorder or merge
    /// the row's items and returns how many of the first it keeps. The rest
    /// are dropped and the rows packed together again.
    pub fn edit(&mut self, edit: impl Fn(usize, &mut [T]) -> usize + Sync + Send) {
        let rows = self.indptr.len() - 1;
        let mut slices: Vec<&mut [T]> = Vec::with_capacity(rows);
        let mut rest = &mut self.items[..];
        for r in 0..rows {
            let (row, tail) = rest.split_at_mut(self.indptr[r + 1] - self.indptr[r]);
            slices.push(row);
            rest = tail;
        }
        let kept: Vec<usize> = slices
            .into_par_iter()
            .enumerate()
            .with_min_len(MIN_TASK)
            .map(|(r, row)| edit(r, row).min(row.len()))
            .collect();
        let mut packed = 0;
        for (r, &keep) in kept.iter().enumerate() {
            let start = self.indptr[r];
            self.items.copy_within(start..start + keep, packed);
            self.indptr[r] = packed;
            packed += keep;
        }
        self.indptr[rows] = packed;
        self.items.truncate(packed);
        self.items.shrink_to_fit();
    }

    pub fn row(&self, r: usize) -> &[T] {
        &self.items[self.indptr[r]..self.indptr[r + 1]]
    }
}

/// Sums runs of adjacent items with the same key into one, packed at the
/// front of `items`; returns how many are left. Sorted by key first, every
/// key is left once.
pub fn sum_equal_keys(items: &mut [(u32, f32)]) -> usize {
    let mut len = 0;
    for i in 0..items.len() {
        if len > 0 && items[len - 1].0 == items[i].0 {
            items[len - 1].1 += items[i].1;
        } else {
            items[len] = items[i];
            len += 1;
        }
    }
    len
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_land_under_their_rows_in_the_order_sent() {
        let pairs = [(2, 'a'), (0, 'b'), (2, 'c'), (1, 'd')];
        let rows = Rows::scatter(4, |put| {
            for &(r, c) in &pairs {
                put(r, c);
            }
        });
        assert_eq!(rows.row(0), ['b']);
        assert_eq!(rows.row(1), ['d']);
        assert_eq!(rows.row(2), ['a', 'c']);
        assert!(rows.row(3).is_empty());
    }

    #[test]
    fn edited_rows_keep_only_what_each_edit_keeps() {
        let mut rows = Rows::scatter(3, |put| {
            for (r, v) in [(0, 3), (0, 1), (0, 2), (1, 5), (2, 7), (2, 6)] {
                put(r, v);
            }
        });
        rows.edit(|r, row| {
            row.sort_unstable();
            if r == 1 { 0 } else { 2 }
        });
        assert_eq!(rows.row(0), [1, 2]);
        assert!(rows.row(1).is_empty());
        assert_eq!(rows.row(2), [6, 7]);
        assert_eq!(rows.items.len(), 4);
    }

    #[test]
    fn adjacent_equal_keys_are_summed_once() {
        let mut items = [(1, 0.5), (1, 0.25), (2, 1.0), (3, 0.5), (3, 0.5)];
        let left = sum_equal_keys(&mut items);
        assert_eq!(&items[..left], [(1, 0.75), (2, 1.0), (3, 1.0)]);
    }
}
