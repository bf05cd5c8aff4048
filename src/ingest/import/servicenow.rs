//! ServiceNow: the incident table through the Table API (`GET
//! /api/now/table/incident`: `{"result": [...]}`, raw values or
//! `sysparm_display_value=all` objects `{"display_value", "value"}`), and
//! the list view's CSV export.
//!
//! number → id; short_description → title; description, then close_notes
//! → body; `sys_created_on` (`2024-03-04 10:11:12`, UTC in raw values) →
//! created_at; `opened_at`, else `sys_created_on` → detected_at;
//! `resolved_at` → resolved_at; `cmdb_ci` (its display value when given)
//! → service; priority → severity; category → refrain tags through
//! `[import.tags]`; `company`, else `caller_id` → customer. ServiceNow
//! writes `""` for empty fields: they count as absent.

use serde_json::Value;

use super::records::{CsvTable, Record, looks_like_json, map_json};
use crate::ingest::BatchError;

pub fn records(bytes: &[u8]) -> Result<Vec<Record>, BatchError> {
    if looks_like_json(bytes) {
        from_json(bytes)
    } else {
        from_csv(bytes)
    }
}

/// A field's value: a string, a reference `{"value", "link"}`, or a
/// display-value pair (where the time fields' `value` is UTC and is the one
/// taken; for the rest the display value reads better).
fn field(v: &Value, name: &str) -> Option<String> {
    let text = |x: &Value| {
        x.as_str()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    match v.get(name)? {
        Value::String(s) => text(&Value::String(s.clone())),
        Value::Object(o) => {
            let utc = name.ends_with("_on") || name.ends_with("_at");
            let display = o.get("display_value").and_then(text);
            let value = o.get("value").and_then(text);
            if utc {
                value.or(display)
            } else {
                display.or(value)
            }
        }
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn from_json(bytes: &[u8]) -> Result<Vec<Record>, BatchError> {
    map_json(bytes, &["result", "records"], |r, i| {
        Some(fill(r, |name| field(i, name)))
    })
}

fn from_csv(bytes: &[u8]) -> Result<Vec<Record>, BatchError> {
    let table = CsvTable::read(bytes)?;
    if table.columns("number").is_empty() {
        return Err(BatchError::Csv(
            "no 'number' column: this is not a ServiceNow incident export (use --map for other CSV files)".into(),
        ));
    }
    Ok(table
        .rows
        .iter()
        .enumerate()
        .map(|(index, (row, line))| {
            fill(Record::new(index, Some(*line)), |name| table.get(row, name))
        })
        .collect())
}

fn fill(mut r: Record, get: impl Fn(&str) -> Option<String>) -> Record {
    r.id = get("number").or_else(|| get("sys_id"));
    r.title = get("short_description");
    r.push_body(get("description"));
    r.push_body(get("close_notes"));
    r.created_at = get("sys_created_on").map(|v| (v, "sys_created_on".into()));
    r.detected_at = get("opened_at")
        .map(|v| (v, "opened_at".into()))
        .or_else(|| r.created_at.clone());
    r.resolved_at = get("resolved_at").map(|v| (v, "resolved_at".into()));
    r.service = get("cmdb_ci");
    r.severity = get("priority");
    r.tags = get("category").into_iter().collect();
    r.customer = get("company").or_else(|| get("caller_id"));
    r
}
