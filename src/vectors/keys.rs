//! Which ticket each row of a corpus is, held by column.
//!
//! A million [`TicketKey`](super::TicketKey)s held one struct and one id allocation each came
//! to 80 MB, a seventh of a million-ticket re-cluster's peak. Here every id
//! sits in one string, each source is named once and referred to by index,
//! and the creation times are one array: 27 MB for the same million.

use std::collections::HashMap;
use std::sync::Arc;

/// The keys of a corpus's rows, in row order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketKeys {
    /// Every id, one after the other.
    ids: String,
    /// Where each id ends in `ids`.
    ends: Vec<u64>,
    /// Each row's source, by index into `source_names`.
    sources: Vec<u32>,
    source_names: Vec<Arc<str>>,
    source_index: HashMap<Arc<str>, u32>,
    created_ns: Vec<i64>,
}

impl TicketKeys {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Room for `rows` more keys whose ids take `id_bytes` in all.
    pub fn reserve(&mut self, rows: usize, id_bytes: usize) {
        self.ids.reserve(id_bytes);
        self.ends.reserve(rows);
        self.sources.reserve(rows);
        self.created_ns.reserve(rows);
    }

    /// Adds a row's key.
    pub fn push(&mut self, id: &str, source: &str, created_ns: i64) {
        self.ids.push_str(id);
        self.ends.push(self.ids.len() as u64);
        let source = match self.source_index.get(source) {
            Some(&s) => s,
            None => {
                let s = self.source_names.len() as u32;
                let name: Arc<str> = source.into();
                self.source_names.push(Arc::clone(&name));
                self.source_index.insert(name, s);
                s
            }
        };
        self.sources.push(source);
        self.created_ns.push(created_ns);
    }

    /// The ticket id of row `r`.
    pub fn id(&self, r: usize) -> &str {
        let start = if r == 0 { 0 } else { self.ends[r - 1] as usize };
        &self.ids[start..self.ends[r] as usize]
    }

    /// The source of row `r`.
    pub fn source(&self, r: usize) -> &str {
        &self.source_names[self.sources[r] as usize]
    }

    /// When row `r`'s ticket was created (Unix nanoseconds).
    pub fn created_ns(&self, r: usize) -> i64 {
        self.created_ns[r]
    }

    /// Every row's ticket id, in row order.
    pub fn ids(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(|r| self.id(r))
    }

    /// The keys of rows `order[0]`, `order[1]`, …
    pub fn reordered(&self, order: &[usize]) -> TicketKeys {
        let mut out = TicketKeys {
            ids: String::with_capacity(self.ids.len()),
            ends: Vec::with_capacity(order.len()),
            sources: order.iter().map(|&r| self.sources[r]).collect(),
            source_names: self.source_names.clone(),
            source_index: self.source_index.clone(),
            created_ns: order.iter().map(|&r| self.created_ns[r]).collect(),
        };
        for &r in order {
            out.ids.push_str(self.id(r));
            out.ends.push(out.ids.len() as u64);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_read_back_as_pushed_and_follow_a_new_order() {
        let mut keys = TicketKeys::default();
        keys.push("a-1", "support", 10);
        keys.push("b-22", "ops", 20);
        keys.push("", "support", 30);
        assert_eq!(keys.len(), 3);
        assert_eq!(keys.ids().collect::<Vec<_>>(), ["a-1", "b-22", ""]);
        assert_eq!((keys.source(2), keys.created_ns(2)), ("support", 30));
        assert_eq!(keys.source_names.len(), 2, "each source named once");
        assert_eq!(
            (keys.id(1), keys.source(1), keys.created_ns(1)),
            ("b-22", "ops", 20)
        );
        let moved = keys.reordered(&[2, 0, 1]);
        assert_eq!(moved.ids().collect::<Vec<_>>(), ["", "a-1", "b-22"]);
        assert_eq!((moved.source(2), moved.created_ns(2)), ("ops", 20));
        assert_eq!(moved.reordered(&[1, 2, 0]), keys);
    }
}
