//! Each ticket's nearest neighbours, held flat.
//!
//! A list per ticket as its own `Vec` costs a header, an allocation and the
//! allocator's overhead for every ticket: at a million tickets and ten
//! neighbours that is ~120 MB per graph, a third of it bookkeeping, and the
//! kNN step holds two graphs at once. Here every list has a fixed slot of
//! `k` links in one array, and its length is kept beside it.

use std::ops::Index;
use std::sync::{Mutex, PoisonError};

use rayon::prelude::*;

/// One link: (ticket index, cosine).
pub type Link = (u32, f32);

/// At most `k` links per ticket, most similar first.
#[derive(Debug, Clone, PartialEq)]
pub struct Neighbors {
    k: usize,
    /// Links in use in each ticket's slot; `k` is at most 100.
    lens: Vec<u8>,
    /// `k` slots per ticket, the unused tail of each left as zeros.
    links: Vec<Link>,
}

/// Tickets filled in per rayon task: enough to amortise its overhead.
const MIN_TASK: usize = 256;

/// States handed back by finished rayon tasks, for the next ones. rayon
/// calls a parallel loop's `init` once per piece of work it splits off, and
/// the kNN steps' states hold ticket-wide arrays (4 MB each at a million
/// tickets): made afresh for every piece, zeroing their pages was a tenth
/// of the neighbour search's time.
struct Pool<S>(Mutex<Vec<S>>);

impl<S> Default for Pool<S> {
    fn default() -> Self {
        Pool(Mutex::new(Vec::new()))
    }
}

impl<S> Pool<S> {
    fn take(&self, init: impl Fn() -> S) -> Pooled<'_, S> {
        let reused = self.0.lock().unwrap_or_else(PoisonError::into_inner).pop();
        Pooled {
            state: Some(reused.unwrap_or_else(init)),
            pool: self,
        }
    }
}

/// A state taken from a [`Pool`], given back when dropped.
struct Pooled<'a, S> {
    state: Option<S>,
    pool: &'a Pool<S>,
}

impl<S> Pooled<'_, S> {
    fn get(&mut self) -> &mut S {
        self.state.as_mut().expect("held until dropped")
    }
}

impl<S> Drop for Pooled<'_, S> {
    fn drop(&mut self) {
        if let Some(state) = self.state.take() {
            self.pool
                .0
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(state);
        }
    }
}

impl Neighbors {
    /// Fills every ticket's slot in parallel. `fill(state, d, slot)` writes
    /// ticket `d`'s links at the front of `slot` (which holds `k`) and
    /// returns how many it wrote; `init` makes one reusable state per task.
    pub fn build<S: Send>(
        tickets: usize,
        k: usize,
        init: impl Fn() -> S + Sync + Send,
        fill: impl Fn(&mut S, usize, &mut [Link]) -> usize + Sync + Send,
    ) -> Neighbors {
        assert!(
            (1..=usize::from(u8::MAX)).contains(&k),
            "k of {k} does not fit a list length"
        );
        let mut links = vec![(0u32, 0f32); tickets * k];
        let mut lens = vec![0u8; tickets];
        let pool = Pool::default();
        links
            .par_chunks_mut(k)
            .zip(lens.par_iter_mut())
            .enumerate()
            .with_min_len(MIN_TASK)
            .for_each_init(
                || pool.take(&init),
                |state, (d, (slot, len))| {
                    let written = fill(state.get(), d, slot);
                    debug_assert!(written <= k);
                    *len = written as u8;
                },
            );
        Neighbors { k, lens, links }
    }

    /// From one list per ticket, each at most `k` long.
    pub fn from_lists(k: usize, lists: &[Vec<Link>]) -> Neighbors {
        Neighbors::build(
            lists.len(),
            k,
            || (),
            |_, d, slot| {
                let list = &lists[d][..lists[d].len().min(k)];
                slot[..list.len()].copy_from_slice(list);
                list.len()
            },
        )
    }

    /// The same lists with only the links `keep(ticket, neighbour)` allows.
    pub fn filtered(&self, keep: impl Fn(u32, u32) -> bool + Sync + Send) -> Neighbors {
        Neighbors::build(
            self.len(),
            self.k,
            || (),
            |_, d, slot| {
                let mut written = 0;
                for &(o, w) in &self[d] {
                    if keep(d as u32, o) {
                        slot[written] = (o, w);
                        written += 1;
                    }
                }
                written
            },
        )
    }

    /// Tickets, each with a list (possibly empty).
    pub fn len(&self) -> usize {
        self.lens.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lens.is_empty()
    }

    /// The longest a list can be.
    pub fn k(&self) -> usize {
        self.k
    }

    /// Every ticket's list, in ticket order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &[Link]> + '_ {
        (0..self.len()).map(move |d| &self[d])
    }
}

impl Index<usize> for Neighbors {
    type Output = [Link];

    fn index(&self, d: usize) -> &[Link] {
        let start = d * self.k;
        &self.links[start..start + usize::from(self.lens[d])]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_come_back_as_written_whatever_their_length() {
        let lists = vec![vec![(1, 0.5), (2, 0.25)], vec![], vec![(0, 0.75)]];
        let g = Neighbors::from_lists(2, &lists);
        assert_eq!(g.len(), 3);
        let back: Vec<Vec<Link>> = g.iter().map(<[Link]>::to_vec).collect();
        assert_eq!(back, lists);
        assert_eq!(&g[2], &[(0, 0.75)]);
    }

    #[test]
    fn states_are_made_once_per_thread_not_once_per_piece_of_work() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let made = AtomicUsize::new(0);
        let g = Neighbors::build(
            200_000,
            1,
            || made.fetch_add(1, Ordering::Relaxed),
            |_, d, slot| {
                slot[0] = (d as u32, 1.0);
                1
            },
        );
        assert_eq!(g[199_999], [(199_999, 1.0)]);
        let made = made.into_inner();
        assert!(
            made <= rayon::current_num_threads(),
            "{made} states for {} threads",
            rayon::current_num_threads()
        );
    }

    #[test]
    fn a_filter_drops_only_the_links_it_refuses() {
        let g = Neighbors::from_lists(3, &[vec![(1, 0.5), (2, 0.25)], vec![(0, 0.5)], vec![]]);
        let kept = g.filtered(|d, o| !(d == 0 && o == 1));
        assert_eq!(&kept[0], &[(2, 0.25)]);
        assert_eq!(&kept[1], &[(0, 0.5)]);
        assert!(kept[2].is_empty());
    }

    #[test]
    #[should_panic(expected = "does not fit")]
    fn a_slot_longer_than_a_length_can_count_is_refused() {
        Neighbors::build(1, 256, || (), |_, _, _| 0);
    }
}
