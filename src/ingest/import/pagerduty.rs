//! PagerDuty: incidents (`GET /incidents`: `{"incidents": [...]}`) and
//! their log entries (`GET /log_entries`: `{"log_entries": [...]}`).
//!
//! title → title; description (when it says more than the title) and
//! `body.details` → body; `created_at` → created_at and detected_at;
//! `resolved_at`, else `last_status_change_at` of a resolved incident →
//! resolved_at; `service.summary` → service; priority name, else urgency →
//! severity. A log entries file adds each note (`annotate_log_entry`'s
//! `channel.summary`) to its incident's body when both files are imported
//! in one run; alone, each note is its own ticket `pagerduty:<incident
//! id>/<entry id>`.

use serde_json::Value;

use super::records::{Record, map_json, str_at};
use crate::ingest::BatchError;

pub fn records(bytes: &[u8]) -> Result<Vec<Record>, BatchError> {
    map_json(bytes, &["incidents", "log_entries"], |mut r, i| {
        let kind = str_at(i, &["type"]).unwrap_or_default();
        if kind.ends_with("log_entry") {
            // Only notes carry text a person wrote; triggers, acknowledgements
            // and resolves are already in the incident.
            if kind != "annotate_log_entry" {
                return None;
            }
            let incident = str_at(i, &["incident", "id"]).unwrap_or_default();
            r.id = str_at(i, &["id"]).map(|e| format!("{incident}/{e}"));
            r.title = str_at(i, &["incident", "summary"]);
            r.push_body(str_at(i, &["channel", "summary"]).or_else(|| str_at(i, &["note"])));
            r.created_at = str_at(i, &["created_at"]).map(|v| (v, "created_at".into()));
            r.service = str_at(i, &["service", "summary"]);
            return Some(r);
        }
        r.id = str_at(i, &["id"]);
        let title = str_at(i, &["title"]).or_else(|| str_at(i, &["summary"]));
        if let Some(d) = str_at(i, &["description"]).filter(|d| Some(d) != title.as_ref()) {
            r.push_body(Some(d));
        }
        r.push_body(match i.get("body").and_then(|b| b.get("details")) {
            Some(Value::String(s)) => Some(s.clone()),
            Some(v @ Value::Object(_)) => Some(v.to_string()),
            _ => None,
        });
        r.title = title;
        r.created_at = str_at(i, &["created_at"]).map(|v| (v, "created_at".into()));
        r.detected_at = str_at(i, &["created_at"]).map(|v| (v, "created_at".into()));
        let resolved = str_at(i, &["status"]).as_deref() == Some("resolved");
        r.resolved_at = str_at(i, &["resolved_at"])
            .map(|v| (v, "resolved_at".into()))
            .or_else(|| {
                resolved
                    .then(|| str_at(i, &["last_status_change_at"]))
                    .flatten()
                    .map(|v| (v, "last_status_change_at".into()))
            });
        r.service = str_at(i, &["service", "summary"]);
        r.severity = str_at(i, &["priority", "summary"]).or_else(|| str_at(i, &["urgency"]));
        Some(r)
    })
}
