//! CSV with a header row whose columns are ticket fields. `tags` holds tags
//! separated by `;` (or `,` inside a quoted cell).

use std::io::Read;

use super::{BatchError, ParsedItem};
use crate::model::{FieldError, TicketDraft};

const COLUMNS: &[&str] = &[
    "id",
    "source",
    "created_at",
    "title",
    "body",
    "tags",
    "customer",
    "user_saw",
    "user_task",
    "first_failure",
    "manual_work",
    "manual_minutes",
    "changes_that_day",
    "service",
    "severity",
    "detected_at",
    "resolved_at",
];

/// Streams tickets from CSV, one item per data row.
///
/// One row is held back until the next is read, so that an input ending
/// inside a quoted field (which the csv crate would take as a field running
/// to the end) refuses that last row instead of storing it.
pub struct CsvTickets<R: Read> {
    reader: csv::Reader<QuoteTracker<R>>,
    columns: Vec<usize>,
    record: csv::StringRecord,
    index: usize,
    held: Option<ParsedItem>,
}

/// Where the input is in RFC 4180's quoting, tracked as bytes pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quoting {
    FieldStart,
    Unquoted,
    Quoted,
    /// A quote inside a quoted field: its end, or the first of a pair.
    QuoteInQuoted,
}

/// Passes the input through and remembers whether it ends inside quotes.
pub struct QuoteTracker<R> {
    inner: R,
    state: Quoting,
}

impl<R: Read> Read for QuoteTracker<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            self.state = match (self.state, b) {
                (Quoting::FieldStart, b'"') => Quoting::Quoted,
                (Quoting::Quoted, b'"') => Quoting::QuoteInQuoted,
                (Quoting::Quoted, _) => Quoting::Quoted,
                (Quoting::QuoteInQuoted, b'"') => Quoting::Quoted,
                (_, b',' | b'\n' | b'\r') => Quoting::FieldStart,
                _ => Quoting::Unquoted,
            };
        }
        Ok(n)
    }
}

impl<R: Read> CsvTickets<R> {
    /// Reads the header and checks that every column is a ticket field.
    ///
    /// # Errors
    /// No header, or a column that is not a ticket field.
    pub fn new(input: R) -> Result<Self, BatchError> {
        let tracked = QuoteTracker {
            inner: input,
            state: Quoting::FieldStart,
        };
        let mut reader = csv::ReaderBuilder::new()
            .flexible(false)
            .from_reader(tracked);
        let headers = reader
            .headers()
            .map_err(|e| BatchError::Csv(format!("cannot read the header row: {e}")))?
            .clone();
        let mut columns = Vec::with_capacity(headers.len());
        for name in headers.iter() {
            let name = name.trim();
            let Some(position) = COLUMNS.iter().position(|c| *c == name) else {
                return Err(BatchError::Csv(format!(
                    "unknown column '{name}'; columns must be ticket fields: {}",
                    COLUMNS.join(", ")
                )));
            };
            if columns.contains(&position) {
                return Err(BatchError::Csv(format!(
                    "the header names column '{name}' twice; keep one (a second '{name}' would silently overwrite the first)"
                )));
            }
            columns.push(position);
        }
        if !columns.contains(&0) {
            return Err(BatchError::Csv(
                "the header has no 'id' column; every ticket needs a unique id".into(),
            ));
        }
        Ok(CsvTickets {
            reader,
            columns,
            record: csv::StringRecord::new(),
            index: 0,
            held: None,
        })
    }

    fn draft(&self) -> Result<TicketDraft, FieldError> {
        let mut draft = TicketDraft::default();
        for (cell, &column) in self.record.iter().zip(&self.columns) {
            let value = || (!cell.is_empty()).then(|| cell.to_string());
            match COLUMNS[column] {
                "id" => draft.id = cell.to_string(),
                "source" => draft.source = value(),
                "created_at" => draft.created_at = value(),
                "title" => draft.title = value(),
                "body" => draft.body = value(),
                "tags" => {
                    draft.tags = value().map(|v| {
                        v.split([';', ','])
                            .map(str::trim)
                            .filter(|t| !t.is_empty())
                            .map(str::to_string)
                            .collect()
                    })
                }
                "customer" => draft.customer = value(),
                "user_saw" => draft.user_saw = value(),
                "user_task" => draft.user_task = value(),
                "first_failure" => draft.first_failure = value(),
                "manual_work" => draft.manual_work = value(),
                "manual_minutes" => {
                    draft.manual_minutes = match value() {
                        Some(v) => Some(v.trim().parse().map_err(|_| {
                            FieldError::new(
                                "manual_minutes",
                                format!("'{v}' is not a whole number of minutes"),
                            )
                        })?),
                        None => None,
                    }
                }
                "changes_that_day" => draft.changes_that_day = value(),
                "service" => draft.service = value(),
                "severity" => draft.severity = value(),
                "detected_at" => draft.detected_at = value(),
                "resolved_at" => draft.resolved_at = value(),
                other => unreachable!("column {other} is in COLUMNS"),
            }
        }
        Ok(draft)
    }
}

impl<R: Read> CsvTickets<R> {
    /// The next row as read, before the held-back check.
    fn read_row(&mut self) -> Option<ParsedItem> {
        let result = self.reader.read_record(&mut self.record);
        let line = self.record.position().map(|p| p.line() as usize);
        let draft = match result {
            Ok(false) => return None,
            Ok(true) => self.draft(),
            Err(e) => Err(FieldError {
                field: None,
                reason: format!("unreadable CSV row: {}", csv_reason(&e)),
            }),
        };
        let item = ParsedItem {
            index: self.index,
            line,
            draft,
        };
        self.index += 1;
        Some(item)
    }
}

/// A csv error without the crate's own position (the item carries its line).
fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("it has {len} fields where the header has {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "it is not UTF-8 text".into(),
        _ => e.to_string(),
    }
}

impl<R: Read> Iterator for CsvTickets<R> {
    type Item = ParsedItem;

    fn next(&mut self) -> Option<ParsedItem> {
        if self.held.is_none() {
            self.held = self.read_row();
        }
        let held = self.held.take()?;
        self.held = self.read_row();
        if self.held.is_none() && self.reader.get_ref().state == Quoting::Quoted {
            return Some(ParsedItem {
                draft: Err(FieldError {
                    field: None,
                    reason: "a quoted field is never closed: the input ends inside quotes; add the closing '\"'".into(),
                }),
                ..held
            });
        }
        Some(held)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_become_drafts_with_tags_split() {
        let csv = "id,title,tags,manual_minutes\na,Login loop,weak-ux;bad-data,15\nb,x,,abc\n";
        let items: Vec<_> = CsvTickets::new(csv.as_bytes()).expect("header").collect();
        assert_eq!(items.len(), 2);
        let a = items[0].draft.as_ref().expect("valid");
        assert_eq!(
            a.tags.as_deref(),
            Some(&["weak-ux".to_string(), "bad-data".to_string()][..])
        );
        assert_eq!(a.manual_minutes, Some(15));
        assert_eq!(items[1].line, Some(3));
        assert!(items[1].draft.is_err());
    }

    #[test]
    fn unknown_columns_are_refused_up_front() {
        let err = CsvTickets::new("id,text\n".as_bytes())
            .err()
            .expect("refused");
        assert!(err.to_string().contains("unknown column 'text'"));
        assert!(CsvTickets::new("title\n".as_bytes()).is_err());
    }

    #[test]
    fn an_unterminated_quoted_field_refuses_the_last_row() {
        let csv = "id,title\na,fine\nb,\"never closed\nc,more\n";
        let items: Vec<_> = CsvTickets::new(csv.as_bytes()).expect("header").collect();
        assert_eq!(items.len(), 2, "the open quote swallows the rest");
        assert!(items[0].draft.is_ok());
        let e = items[1].draft.as_ref().expect_err("refused");
        assert!(e.reason.contains("never closed"), "{}", e.reason);
        let fine = "id,title\na,\"quoted, with \"\"pairs\"\"\"\n";
        let items: Vec<_> = CsvTickets::new(fine.as_bytes()).expect("header").collect();
        assert_eq!(items.len(), 1);
        let a = items[0].draft.as_ref().expect("valid");
        assert_eq!(a.title.as_deref(), Some("quoted, with \"pairs\""));
    }

    #[test]
    fn a_column_named_twice_is_refused_up_front() {
        let err = CsvTickets::new("id,title,id\na,b,c\n".as_bytes())
            .err()
            .expect("refused");
        assert!(err.to_string().contains("'id' twice"), "{err}");
    }
}
