//! The tantivy schema: analysed text for search and (later) vectors, plus
//! the few columns filters need. The ticket itself lives in the store; the
//! index keeps only its id.

use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

/// Bumped when fields change, so that an older index is rebuilt.
pub const SCHEMA_VERSION: u32 = 2;

/// The tokenizer of the text fields. Their values are tokens the analyzer
/// already made at ingest ([`crate::vectors::IndexedText`]), so indexing
/// only splits them on spaces; a query's text goes through the analyzer
/// (see `TicketIndex::search`).
pub const TOKENS: &str = "refrain-tokens";

/// Field handles, resolved once.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub id: Field,
    pub source: Field,
    /// Seconds since the epoch.
    pub created: Field,
    pub title: Field,
    pub body: Field,
    /// The incident-note fields that describe the symptom.
    pub notes: Field,
}

/// Builds the schema and its field handles.
pub fn build() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENS)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let fields = Fields {
        id: builder.add_text_field("id", STRING | STORED),
        source: builder.add_text_field("source", STRING),
        created: builder.add_i64_field("created", INDEXED | FAST),
        title: builder.add_text_field("title", text.clone()),
        body: builder.add_text_field("body", text.clone()),
        notes: builder.add_text_field("notes", text),
    };
    (builder.build(), fields)
}
