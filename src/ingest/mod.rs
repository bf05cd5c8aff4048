//! Turning bytes from clients and files into validated tickets.
//!
//! Three formats: a JSON array, NDJSON (one ticket per line; also a single
//! JSON object), and CSV with a header row. Parsing never stops at the first
//! bad item: every item gets its own verdict, with its index and line, so a
//! client can fix them all at once.

mod csv_rows;
pub mod import;
mod parse;

pub use csv_rows::CsvTickets;
pub use parse::{parse_body, parse_ndjson_line};

use rayon::prelude::*;

use crate::model::{FieldError, IncomingTicket, TicketDraft, ValidationContext};

/// The formats refrain reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A JSON array of tickets (a lone object is taken as one ticket).
    Json,
    /// One JSON ticket per line.
    Ndjson,
    /// CSV with a header row naming ticket fields.
    Csv,
}

/// One item as parsed, before validation.
#[derive(Debug, Clone)]
pub struct ParsedItem {
    /// 0-based position among the items of the batch or file.
    pub index: usize,
    /// 1-based line in the input, where lines mean something.
    pub line: Option<usize>,
    pub draft: Result<TicketDraft, FieldError>,
}

/// Why one item was refused.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ItemError {
    pub index: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub reason: String,
}

/// A body that could not be read as items at all.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BatchError {
    #[error(
        "the body is not valid JSON: {0}; send a JSON array of tickets, or NDJSON with one ticket per line"
    )]
    NotJson(String),
    #[error("expected a JSON array of ticket objects, got {0}")]
    NotAnArray(&'static str),
    #[error("the body holds no tickets; send at least one")]
    Empty,
    #[error(
        "the body is not UTF-8 text; save or convert it as UTF-8 (e.g. `iconv -t UTF-8`) and send it again"
    )]
    NotUtf8,
    #[error("CSV input: {0}")]
    Csv(String),
}

impl crate::error::Classify for BatchError {
    fn class(&self) -> crate::error::ErrorClass {
        crate::error::ErrorClass::BadRequest
    }

    fn code(&self) -> &'static str {
        match self {
            BatchError::NotJson(_) => "body-not-json",
            BatchError::NotAnArray(_) => "body-not-an-array",
            BatchError::Empty => "body-empty",
            BatchError::NotUtf8 => "body-not-utf8",
            BatchError::Csv(_) => "body-bad-csv",
        }
    }
}

/// Validates parsed items in parallel; returns the valid tickets and one
/// error per broken rule of each invalid item.
pub fn validate(
    items: Vec<ParsedItem>,
    ctx: &ValidationContext<'_>,
) -> (Vec<IncomingTicket>, Vec<ItemError>) {
    let results: Vec<Result<IncomingTicket, Vec<ItemError>>> = items
        .into_par_iter()
        .map(|item| {
            let draft = item.draft.map_err(|e| {
                vec![ItemError {
                    index: item.index,
                    line: item.line,
                    id: None,
                    field: e.field,
                    reason: e.reason,
                }]
            })?;
            let id = draft.id.clone();
            let created_at_given = draft.created_at.is_some();
            draft
                .validate(ctx)
                .map(|ticket| IncomingTicket {
                    ticket,
                    created_at_given,
                })
                .map_err(|errors| {
                    errors
                        .into_iter()
                        .map(|e| ItemError {
                            index: item.index,
                            line: item.line,
                            id: (!id.is_empty()).then(|| id.clone()),
                            field: e.field,
                            reason: e.reason,
                        })
                        .collect()
                })
        })
        .collect();
    let mut valid = Vec::with_capacity(results.len());
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok(t) => valid.push(t),
            Err(e) => errors.extend(e),
        }
    }
    (valid, errors)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Bytes that look a little like tickets, so the parsers get past their
    /// first check as often as they stop at it.
    fn bodies() -> impl Strategy<Value = Vec<u8>> {
        let pieces = proptest::sample::select(vec![
            &b"{"[..],
            b"}",
            b"[",
            b"]",
            b"\"",
            b",",
            b":",
            b"\n",
            b"\r",
            b"id",
            b"\"id\"",
            b"\"body\"",
            b"\"tags\"",
            b"x",
            b"\xff",
            b"\xc3",
            b"null",
            b"1e999",
            b"\\u0000",
            b"id,title\n",
            b"\"\"",
            b" ",
        ]);
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..256),
            proptest::collection::vec(pieces, 0..64).prop_map(|p| p.concat()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Whatever arrives, every parser answers: a whole-body error (400)
        /// or items that validation then refuses one by one (422), and
        /// never a panic.
        #[test]
        fn any_bytes_give_an_answer_not_a_panic(body in bodies()) {
            let ctx = ValidationContext {
                tags: &[],
                now: time::OffsetDateTime::UNIX_EPOCH,
            };
            for format in [Format::Json, Format::Ndjson, Format::Csv] {
                match parse_body(&body, format) {
                    Err(e) => prop_assert!(!e.to_string().is_empty()),
                    Ok(items) => {
                        prop_assert!(!items.is_empty());
                        let n = items.len();
                        let (valid, errors) = validate(items, &ctx);
                        prop_assert!(valid.len() <= n);
                        prop_assert!(errors.iter().all(|e| e.index < n && !e.reason.is_empty()));
                    }
                }
            }
        }
    }
}
