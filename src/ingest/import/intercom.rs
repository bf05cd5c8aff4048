//! Intercom: conversations as the REST API returns them (`GET
//! /conversations/{id}`, or a list of them under `conversations`).
//!
//! title, else the first message's subject → title; the first message
//! (`source.body`, HTML) and the comment parts' bodies → body; `created_at`
//! (Unix seconds); tag names → refrain tags through `[import.tags]`; the
//! first contact, else the author's e-mail → customer. Parts without a body
//! (assignment, close, snooze) are skipped.

use serde_json::Value;

use super::records::{Record, map_json, str_at};
use super::times::unix_to_rfc3339;
use crate::ingest::BatchError;

pub fn records(bytes: &[u8]) -> Result<Vec<Record>, BatchError> {
    map_json(bytes, &["conversations", "data"], |mut r, c| {
        r.id = str_at(c, &["id"]);
        r.title = str_at(c, &["title"]).or_else(|| str_at(c, &["source", "subject"]));
        r.push_body(str_at(c, &["source", "body"]));
        let parts = c
            .get("conversation_parts")
            .and_then(|p| p.get("conversation_parts"))
            .and_then(Value::as_array);
        for p in parts.into_iter().flatten() {
            if matches!(
                str_at(p, &["part_type"]).as_deref(),
                Some("comment" | "open")
            ) {
                r.push_body(str_at(p, &["body"]));
            }
        }
        r.created_at = match c.get("created_at") {
            Some(Value::Number(n)) => n
                .as_i64()
                .and_then(unix_to_rfc3339)
                .map(|v| (v, "created_at".into())),
            Some(Value::String(s)) => Some((s.clone(), "created_at".into())),
            _ => None,
        };
        r.tags = c
            .get("tags")
            .and_then(|t| t.get("tags"))
            .and_then(Value::as_array)
            .map(|tags| tags.iter().filter_map(|t| str_at(t, &["name"])).collect())
            .unwrap_or_default();
        r.customer = str_at(c, &["contacts", "contacts", "0", "id"])
            .map(|id| format!("contact:{id}"))
            .or_else(|| str_at(c, &["source", "author", "email"]));
        Some(r)
    })
}
