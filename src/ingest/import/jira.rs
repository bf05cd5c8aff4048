//! Jira: the "Export Excel CSV (all fields)" file, and REST search JSON
//! (`/rest/api/2/search`, `/rest/api/3/search/jql`: `{"issues": [...]}`).
//!
//! Issue key → id; Summary → title; Description, then each Comment's text
//! → body (in the CSV a comment cell is `date;author;text`; in JSON either
//! a string or Atlassian Document Format); Created → created_at (the CSV's
//! `04/Mar/24 10:11 AM`, REST's `2024-03-04T10:11:12.000+0000`); Resolved /
//! `resolutiondate` → resolved_at; Labels and `component:<name>` → refrain
//! tags through `[import.tags]`; `Custom field (Severity)`, else Priority →
//! severity; `Custom field (Customer)` → customer. The CSV repeats column
//! names (several Labels, Comment, Component/s): every one is read.

use serde_json::Value;

use super::records::{CsvTable, Record, looks_like_json, map_json, str_at, strings};
use crate::ingest::BatchError;

pub fn records(bytes: &[u8]) -> Result<Vec<Record>, BatchError> {
    if looks_like_json(bytes) {
        from_json(bytes)
    } else {
        from_csv(bytes)
    }
}

fn from_csv(bytes: &[u8]) -> Result<Vec<Record>, BatchError> {
    let table = CsvTable::read(bytes)?;
    if table.columns("Issue key").is_empty() && table.columns("Summary").is_empty() {
        return Err(BatchError::Csv(
            "no 'Issue key' or 'Summary' column: this is not a Jira CSV export (use --map for other CSV files)".into(),
        ));
    }
    Ok(table
        .rows
        .iter()
        .enumerate()
        .map(|(index, (row, line))| {
            let mut r = Record::new(index, Some(*line));
            r.id = table
                .get(row, "Issue key")
                .or_else(|| table.get(row, "Issue id"));
            r.title = table.get(row, "Summary");
            r.push_body(table.get(row, "Description"));
            for c in table.all(row, "Comment") {
                // "04/Mar/24 10:15 AM;<author>;<text>": the text may hold ';'.
                let text = c.splitn(3, ';').nth(2).map_or(c.clone(), str::to_string);
                r.push_body(Some(text));
            }
            r.created_at = table.get(row, "Created").map(|v| (v, "Created".into()));
            r.resolved_at = table.get(row, "Resolved").map(|v| (v, "Resolved".into()));
            r.tags = table.all(row, "Labels");
            r.tags.extend(
                table
                    .all(row, "Component/s")
                    .into_iter()
                    .map(|c| format!("component:{c}")),
            );
            r.severity = table
                .get(row, "Custom field (Severity)")
                .or_else(|| table.get(row, "Priority"));
            r.customer = table.get(row, "Custom field (Customer)");
            r
        })
        .collect())
}

fn from_json(bytes: &[u8]) -> Result<Vec<Record>, BatchError> {
    map_json(bytes, &["issues"], |mut r, issue| {
        let f = issue.get("fields").cloned().unwrap_or(Value::Null);
        r.id = str_at(issue, &["key"]).or_else(|| str_at(issue, &["id"]));
        r.title = str_at(&f, &["summary"]);
        r.push_body(f.get("description").and_then(rich_text));
        let comments = f
            .get("comment")
            .and_then(|c| c.get("comments"))
            .and_then(Value::as_array);
        for c in comments.into_iter().flatten() {
            r.push_body(c.get("body").and_then(rich_text));
        }
        r.created_at = str_at(&f, &["created"]).map(|v| (v, "fields.created".into()));
        r.resolved_at =
            str_at(&f, &["resolutiondate"]).map(|v| (v, "fields.resolutiondate".into()));
        r.tags = strings(&f, "labels", None);
        r.tags.extend(
            strings(&f, "components", Some("name"))
                .into_iter()
                .map(|c| format!("component:{c}")),
        );
        r.severity = str_at(&f, &["priority", "name"]);
        Some(r)
    })
}

/// A Jira text: a plain (wiki markup) string, or an Atlassian Document
/// Format tree whose text nodes are joined, one line per block.
fn rich_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Object(_) => {
            let mut out = String::new();
            adf(v, &mut out);
            let out = out.trim().to_string();
            (!out.is_empty()).then_some(out)
        }
        _ => None,
    }
}

fn adf(node: &Value, out: &mut String) {
    if let Some(t) = node.get("text").and_then(Value::as_str) {
        out.push_str(t);
    }
    for child in node
        .get("content")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        adf(child, out);
    }
    let block = matches!(
        node.get("type").and_then(Value::as_str),
        Some(
            "paragraph"
                | "heading"
                | "listItem"
                | "codeBlock"
                | "blockquote"
                | "hardBreak"
                | "rule"
        )
    );
    if block && !out.ends_with('\n') {
        out.push('\n');
    }
}
