//! The tantivy index over tickets: full-text search now, document
//! frequencies for TF-IDF later.
//!
//! The index is derived data. Each commit records (in tantivy's commit
//! payload) the last store seq it covers, the analyzer and the schema
//! version; on open, an index that is missing, unreadable or built
//! differently is rebuilt from the store, and one that is merely behind is
//! caught up. See [`writer::Indexer`].

pub mod schema;
pub mod search;
pub mod writer;

use std::path::Path;

use serde::{Deserialize, Serialize};
use tantivy::directory::MmapDirectory;
use tantivy::{Index, IndexReader, ReloadPolicy};

use tantivy::tokenizer::{TextAnalyzer, TokenizerManager, WhitespaceTokenizer};

use crate::vectors::TermAnalysis;
pub use schema::Fields;
pub use search::{SearchHit, SearchPage, SearchRequest};

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("search index error: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("search index I/O error: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot open the search index directory: {0}")]
    Directory(#[from] tantivy::directory::error::OpenDirectoryError),
    #[error("the search index writer stopped: {0}")]
    WriterGone(String),
    #[error("reading the store to catch the search index up failed: {0}")]
    Source(String),
}

impl crate::error::Classify for IndexError {
    fn class(&self) -> crate::error::ErrorClass {
        match self {
            IndexError::Io(_) | IndexError::Directory(_) => crate::error::ErrorClass::Io,
            _ => crate::error::ErrorClass::Internal,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            IndexError::Tantivy(_) => "index-failed",
            IndexError::Io(_) | IndexError::Directory(_) => "index-io",
            IndexError::WriterGone(_) => "index-writer-stopped",
            IndexError::Source(_) => "index-catch-up-failed",
        }
    }
}

pub type Result<T, E = IndexError> = std::result::Result<T, E>;

/// What each commit records about itself.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CommitPayload {
    /// Every store change up to this seq is in the index.
    pub seq: u64,
    pub analyzer: String,
    pub schema: u32,
}

/// The read side of the index, cheap to clone.
#[derive(Clone)]
pub struct TicketIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    /// How query text is analysed: as ticket text was at ingest.
    queries: TokenizerManager,
}

/// An opened index and how far it covers the store.
pub struct Opened {
    pub index: TicketIndex,
    /// The store seq the last commit covers (0 when rebuilt from scratch).
    pub covered_seq: u64,
    /// Whether it had to be (re)built from nothing.
    pub rebuilt: bool,
}

impl TicketIndex {
    /// Opens the index in `dir`, or creates it, rebuilding when it was built
    /// by another analyzer or schema, or cannot be read.
    ///
    /// # Errors
    /// I/O errors that stop the directory from being created.
    pub fn open(dir: &Path, analysis: &TermAnalysis) -> Result<Opened> {
        let (schema, fields) = schema::build();
        let queries = TokenizerManager::default();
        queries.register(schema::TOKENS, analysis.analyzer().text_analyzer());
        let expected = |payload: &CommitPayload| {
            payload.analyzer == fingerprint(analysis) && payload.schema == schema::SCHEMA_VERSION
        };
        if dir.exists() {
            match Self::open_existing(dir) {
                Ok((index, Some(payload))) if expected(&payload) => {
                    let reader = reader(&index)?;
                    return Ok(Opened {
                        index: TicketIndex {
                            index,
                            reader,
                            fields,
                            queries,
                        },
                        covered_seq: payload.seq,
                        rebuilt: false,
                    });
                }
                Ok((_, payload)) => tracing::warn!(
                    ?payload,
                    "search index was built differently or never committed; rebuilding it from the store"
                ),
                Err(e) => {
                    tracing::warn!(error = %e, "search index unreadable; rebuilding it from the store")
                }
            }
            std::fs::remove_dir_all(dir)?;
        }
        std::fs::create_dir_all(dir)?;
        let index = Index::create_in_dir(dir, schema)?;
        register(&index);
        let reader = reader(&index)?;
        Ok(Opened {
            index: TicketIndex {
                index,
                reader,
                fields,
                queries,
            },
            covered_seq: 0,
            rebuilt: true,
        })
    }

    fn open_existing(dir: &Path) -> Result<(Index, Option<CommitPayload>)> {
        let index = Index::open(MmapDirectory::open(dir)?)?;
        register(&index);
        let payload = index
            .load_metas()?
            .payload
            .and_then(|p| serde_json::from_str::<CommitPayload>(&p).ok());
        Ok((index, payload))
    }

    pub fn fields(&self) -> Fields {
        self.fields
    }

    pub fn tantivy(&self) -> &Index {
        &self.index
    }

    pub fn reader(&self) -> &IndexReader {
        &self.reader
    }

    /// Live documents in the last reloaded view.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }
}

fn register(index: &Index) {
    index.tokenizers().register(
        schema::TOKENS,
        TextAnalyzer::from(WhitespaceTokenizer::default()),
    );
}

/// What the commit payload records of the analysis the index was built
/// with: an index built with another one is rebuilt.
pub fn fingerprint(analysis: &TermAnalysis) -> String {
    format!("{:016x}", analysis.fingerprint())
}

fn reader(index: &Index) -> Result<IndexReader> {
    Ok(index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()?)
}
