//! Stored term counts and their dictionary (analyse once, see
//! [`crate::vectors::TicketTerms`]): what a re-cluster reads instead of
//! ticket text.

use rusqlite::{Connection, params};

use super::tickets::stored_from_row;
use super::{Result, Store};
use crate::model::StoredTicket;
use crate::vectors::TermDictionary;

/// One ticket as a corpus reads it: its stored counts, or, when it has none
/// yet, the ticket itself to analyse.
#[derive(Debug)]
pub struct CorpusRow {
    pub seq: u64,
    pub id: String,
    pub source: String,
    pub created_ns: i64,
    /// The encoded counts; `None` when they were never made under the
    /// current fingerprint.
    pub terms: Option<Vec<u8>>,
    /// The ticket, read only when `terms` is `None`.
    pub ticket: Option<StoredTicket>,
}

pub(super) fn load_dictionary(conn: &Connection) -> Result<TermDictionary> {
    let mut stmt = conn.prepare("SELECT id, term FROM terms ORDER BY id")?;
    let mut rows = stmt.query([])?;
    let mut terms = Vec::new();
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        if id != terms.len() as i64 {
            return Err(super::StoreError::Corrupt(format!(
                "the term dictionary skips from id {} to {id}",
                terms.len()
            )));
        }
        terms.push(row.get::<_, String>(1)?);
    }
    Ok(TermDictionary::from_terms(terms))
}

impl Store {
    /// The dictionary whose ids stored counts use. Interning a term in it
    /// does not store it; the next upsert, or [`Store::set_terms`], does.
    pub fn dictionary(&self) -> &std::sync::Arc<TermDictionary> {
        &self.dictionary
    }

    /// Writes the dictionary's terms not yet stored, inside `tx`; returns
    /// how many are stored once `tx` commits (pass it to
    /// [`Store::persisted_terms`] then).
    pub(super) fn persist_terms(&self, tx: &Connection) -> Result<usize> {
        let from = *self
            .persisted
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let new = self.dictionary.terms_from(from);
        let mut insert =
            tx.prepare_cached("INSERT OR REPLACE INTO terms (id, term) VALUES (?1, ?2)")?;
        for (id, term) in &new {
            insert.execute(params![id, term])?;
        }
        Ok(from + new.len())
    }

    /// Records that the dictionary's first `n` terms are stored.
    pub(super) fn persisted_terms(&self, n: usize) {
        let mut persisted = self
            .persisted
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *persisted = (*persisted).max(n);
    }

    /// Makes `fingerprint` the analysis stored counts are valid for. When
    /// another one made them, they are dropped (in one transaction) and made
    /// again from text as re-clusters read them; returns whether they were.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn use_terms_fingerprint(&self, fingerprint: i64) -> Result<bool> {
        self.write(|conn| {
            let tx = conn.transaction()?;
            let stored: i64 = tx.query_row(
                "SELECT value FROM meta WHERE key = 'terms_fingerprint'",
                [],
                |r| r.get(0),
            )?;
            if stored == fingerprint {
                return Ok(false);
            }
            tx.execute(
                "UPDATE tickets SET terms = NULL WHERE terms IS NOT NULL",
                [],
            )?;
            tx.execute(
                "UPDATE meta SET value = ?1 WHERE key = 'terms_fingerprint'",
                [fingerprint],
            )?;
            tx.commit()?;
            Ok(true)
        })
    }

    /// Every ticket with seq at most `upto`, in seq order, `chunk` at a
    /// time, as a corpus reads them.
    ///
    /// # Errors
    /// Store errors, or what `f` returns.
    pub fn scan_corpus<E: From<super::StoreError>>(
        &self,
        upto: u64,
        chunk: usize,
        mut f: impl FnMut(Vec<CorpusRow>) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut from = 0u64;
        loop {
            let batch = self.read(|conn| {
                let mut stmt = conn.prepare_cached(
                    "SELECT seq, id, source, created_ns, ingested_ns,
                            CASE WHEN terms IS NULL THEN doc END, terms
                     FROM tickets WHERE seq > ?1 AND seq <= ?2 ORDER BY seq LIMIT ?3",
                )?;
                let mut rows = stmt.query(params![from as i64, upto as i64, chunk as i64])?;
                let mut out = Vec::with_capacity(chunk);
                while let Some(row) = rows.next()? {
                    let terms: Option<Vec<u8>> = row.get(6)?;
                    let ticket = match terms {
                        Some(_) => None,
                        None => Some(stored_from_row(row)?),
                    };
                    out.push(CorpusRow {
                        seq: row.get::<_, i64>(0)? as u64,
                        id: row.get(1)?,
                        source: row.get(2)?,
                        created_ns: row.get(3)?,
                        terms,
                        ticket,
                    });
                }
                Ok(out)
            })?;
            let Some(last) = batch.last() else {
                return Ok(());
            };
            from = last.seq;
            f(batch)?;
        }
    }

    /// The bodies of the first `n` tickets in seq order: the sample a
    /// corpus finds its boilerplate in.
    ///
    /// # Errors
    /// SQLite errors or corrupt rows.
    pub fn first_bodies(&self, n: usize) -> Result<Vec<String>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT seq, id, source, created_ns, ingested_ns, doc
                 FROM tickets ORDER BY seq LIMIT ?1",
            )?;
            let mut rows = stmt.query([n as i64])?;
            let mut out = Vec::with_capacity(n);
            while let Some(row) = rows.next()? {
                out.push(stored_from_row(row)?.ticket.body);
            }
            Ok(out)
        })
    }

    /// Stores counts made from text for tickets that had none, with the
    /// dictionary terms they use, in one transaction. A ticket changed
    /// since (its seq moved on) keeps the counts its upsert stored.
    ///
    /// # Errors
    /// SQLite errors.
    pub fn set_terms(&self, counts: &[(u64, Vec<u8>)]) -> Result<()> {
        self.write(|conn| {
            let tx = conn.transaction()?;
            let persisted = self.persist_terms(&tx)?;
            {
                let mut update = tx.prepare_cached(
                    "UPDATE tickets SET terms = ?2 WHERE seq = ?1 AND terms IS NULL",
                )?;
                for (seq, blob) in counts {
                    update.execute(params![*seq as i64, blob])?;
                }
            }
            tx.commit()?;
            self.persisted_terms(persisted);
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::IncomingTicket;
    use time::macros::datetime;

    fn incoming(id: &str, body: &str) -> IncomingTicket {
        super::super::tickets::incoming(id, body, true)
    }

    fn rows(store: &Store) -> Vec<CorpusRow> {
        let mut all = Vec::new();
        store
            .scan_corpus::<super::super::StoreError>(u64::MAX >> 1, 2, |chunk| {
                all.extend(chunk);
                Ok(())
            })
            .expect("scan");
        all
    }

    #[test]
    fn counts_and_their_terms_survive_a_reopen_and_a_new_fingerprint_drops_them() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("refrain.sqlite");
        {
            let store = Store::open(&path).expect("open");
            assert!(store.use_terms_fingerprint(7).expect("fingerprint"));
            let ids = store
                .dictionary()
                .intern(vec!["login".into(), "loop".into()]);
            let blobs = vec![vec![1u8, ids[0] as u8], vec![2u8]];
            let batch = [incoming("a", "login loop"), incoming("b", "no counts")];
            store
                .upsert_many(&[(&batch, Some(&blobs))], datetime!(2026-11-02 00:00 UTC))
                .expect("upsert");
            store
                .upsert(
                    &[incoming("c", "text only")],
                    datetime!(2026-11-02 00:00 UTC),
                )
                .expect("upsert");
        }
        let store = Store::open(&path).expect("reopen");
        assert_eq!(store.dictionary().snapshot(), ["login", "loop"]);
        assert!(!store.use_terms_fingerprint(7).expect("same fingerprint"));
        let read = rows(&store);
        assert_eq!(read.len(), 3);
        assert_eq!(read[0].terms.as_deref(), Some(&[1u8, 0][..]));
        assert!(read[0].ticket.is_none(), "text not read when counts exist");
        assert_eq!(read[2].terms, None);
        assert_eq!(
            read[2].ticket.as_ref().map(|t| t.ticket.body.as_str()),
            Some("text only")
        );
        store.set_terms(&[(read[2].seq, vec![9])]).expect("set");
        assert_eq!(rows(&store)[2].terms.as_deref(), Some(&[9u8][..]));
        assert!(store.use_terms_fingerprint(8).expect("new fingerprint"));
        assert!(
            rows(&store)
                .iter()
                .all(|r| r.terms.is_none() && r.ticket.is_some())
        );
        assert_eq!(
            store.first_bodies(2).expect("bodies"),
            ["login loop", "no counts"]
        );
    }
}
