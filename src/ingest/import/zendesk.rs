//! Zendesk: the incremental export API (`GET
//! /api/v2/incremental/tickets.json`: `{"tickets": [...], "end_of_stream":
//! …}`) and the account data export's `tickets.json` (one ticket per line,
//! with its `comments`).
//!
//! subject → title; description, then the public comments after the first
//! (which repeats the description) → body; `created_at` (RFC 3339); tags
//! and `via:<channel>` → refrain tags through `[import.tags]`; the
//! organization, else the requester → customer. Deleted tickets are
//! skipped: they are not problems anyone had.

use serde_json::Value;

use super::records::{Record, map_json, str_at, strings};
use crate::ingest::BatchError;

pub fn records(bytes: &[u8]) -> Result<Vec<Record>, BatchError> {
    map_json(bytes, &["tickets", "results"], |mut r, t| {
        if str_at(t, &["status"]).as_deref() == Some("deleted") {
            return None;
        }
        r.id = str_at(t, &["id"]);
        r.title = str_at(t, &["subject"]).or_else(|| str_at(t, &["raw_subject"]));
        r.push_body(str_at(t, &["description"]));
        for c in t
            .get("comments")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .skip(1)
        {
            if c.get("public").and_then(Value::as_bool) == Some(false) {
                continue;
            }
            r.push_body(
                str_at(c, &["plain_body"])
                    .or_else(|| str_at(c, &["body"]))
                    .or_else(|| str_at(c, &["html_body"])),
            );
        }
        r.created_at = str_at(t, &["created_at"]).map(|v| (v, "created_at".into()));
        r.tags = strings(t, "tags", None);
        if let Some(channel) = str_at(t, &["via", "channel"]) {
            r.tags.push(format!("via:{channel}"));
        }
        r.customer = str_at(t, &["organization_id"])
            .map(|o| format!("organization:{o}"))
            .or_else(|| str_at(t, &["requester_id"]).map(|u| format!("requester:{u}")));
        Some(r)
    })
}
