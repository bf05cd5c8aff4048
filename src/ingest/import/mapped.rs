//! Any CSV, by a column mapping: `title=Summary,body=Description,…`.

use std::collections::BTreeMap;

use super::records::{CsvTable, Record};
use crate::ingest::BatchError;

/// refrain fields a column can be mapped to. `body` may name several
/// columns (`body=Details+Notes`): they are joined in that order.
const FIELDS: [&str; 10] = [
    "id",
    "title",
    "body",
    "created_at",
    "tags",
    "customer",
    "service",
    "severity",
    "detected_at",
    "resolved_at",
];

/// refrain field → the CSV columns that fill it, and the ids' namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMap {
    columns: BTreeMap<&'static str, Vec<String>>,
    namespace: String,
}

impl ColumnMap {
    /// Reads `field=Column,field=Column+Column,…`; `namespace=name` sets the
    /// ids' prefix (default `csv`).
    ///
    /// # Errors
    /// An unknown field, a pair without `=`, or no `id` mapping, said so
    /// that the mapping can be fixed.
    pub fn parse(spec: &str) -> Result<ColumnMap, String> {
        let mut columns = BTreeMap::new();
        let mut namespace = "csv".to_string();
        for pair in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((field, column)) = pair.split_once('=') else {
                return Err(format!(
                    "'{pair}' is not field=Column; write e.g. title=Subject"
                ));
            };
            let (field, column) = (field.trim(), column.trim());
            if field == "namespace" {
                let ok = !column.is_empty()
                    && column
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
                if !ok {
                    return Err(format!(
                        "namespace '{column}' must be lowercase letters, digits and '-'"
                    ));
                }
                namespace = column.to_string();
                continue;
            }
            let Some(known) = FIELDS.iter().find(|f| **f == field) else {
                return Err(format!(
                    "'{field}' is not a field refrain maps; use one of {}, or namespace",
                    FIELDS.join(", ")
                ));
            };
            if column.is_empty() {
                return Err(format!("{field}= names no column"));
            }
            columns.insert(
                *known,
                column.split('+').map(|c| c.trim().to_string()).collect(),
            );
        }
        if !columns.contains_key("id") {
            return Err(
                "the mapping needs id=<column>: ids make a re-import change nothing".into(),
            );
        }
        if !columns.contains_key("title") && !columns.contains_key("body") {
            return Err(
                "the mapping needs title=<column> or body=<column>: tickets need text".into(),
            );
        }
        Ok(ColumnMap { columns, namespace })
    }

    pub fn namespace(&self) -> &str {
        &self.namespace
    }
}

pub fn records(bytes: &[u8], map: &ColumnMap) -> Result<Vec<Record>, BatchError> {
    let table = CsvTable::read(bytes)?;
    for (field, columns) in &map.columns {
        for c in columns {
            if table.columns(c).is_empty() {
                return Err(BatchError::Csv(format!(
                    "column '{c}' (mapped to {field}) is not in the header; the header has: {}",
                    table.header.join(", ")
                )));
            }
        }
    }
    let column = |field: &str| {
        map.columns
            .get(field)
            .and_then(|c| c.first())
            .map(String::as_str)
    };
    // A time is reported under its column's name: that is what the user
    // sees in the file.
    let field_name = |field: &str| -> std::borrow::Cow<'static, str> {
        column(field).unwrap_or(field).to_string().into()
    };
    Ok(table
        .rows
        .iter()
        .enumerate()
        .map(|(index, (row, line))| {
            let mut r = Record::new(index, Some(*line));
            let get = |field: &str| column(field).and_then(|c| table.get(row, c));
            r.id = get("id");
            r.title = get("title");
            for c in map.columns.get("body").into_iter().flatten() {
                r.push_body(table.get(row, c));
            }
            r.created_at = get("created_at").map(|v| (v, field_name("created_at")));
            r.detected_at = get("detected_at").map(|v| (v, field_name("detected_at")));
            r.resolved_at = get("resolved_at").map(|v| (v, field_name("resolved_at")));
            r.tags = get("tags")
                .map(|t| {
                    t.split([',', ';', '|'])
                        .map(|x| x.trim().to_string())
                        .filter(|x| !x.is_empty())
                        .collect()
                })
                .unwrap_or_default();
            r.customer = get("customer");
            r.service = get("service");
            r.severity = get("severity");
            r
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mapping_is_checked_as_it_is_read() {
        let map =
            ColumnMap::parse("id=Ticket #, title=Subject, body=Details+Notes, namespace=helpdesk")
                .expect("valid");
        assert_eq!(map.namespace(), "helpdesk");
        assert_eq!(map.columns["body"], ["Details", "Notes"]);
        for (bad, says) in [
            ("title=Subject", "needs id"),
            ("id=Key", "needs title"),
            ("id=Key,titel=Subject", "'titel' is not a field"),
            ("id=Key,title", "not field=Column"),
            ("id=Key,title=S,namespace=Bad NS", "namespace"),
        ] {
            let e = ColumnMap::parse(bad).expect_err(bad);
            assert!(e.contains(says), "{bad}: {e}");
        }
    }
}
