//! The ticket as a client sends it, and its validation into a [`Ticket`].

use serde::Deserialize;
use time::OffsetDateTime;

use super::{Source, Tag, Ticket, TicketId, parse_rfc3339, truncate};

/// A ticket as sent by a client, before validation. Unknown fields are
/// refused so that a typo ("tittle") is reported instead of lost.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct TicketDraft {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_saw: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_task: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_failure: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manual_work: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manual_minutes: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes_that_day: Option<String>,
    /// Incident fields, for ops notes that carry them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detected_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impact: Option<super::Impact>,
}

/// One reason a ticket was refused.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    /// The field at fault, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What was wrong and how to fix it.
    pub reason: String,
}

impl FieldError {
    pub fn new(field: &str, reason: impl Into<String>) -> Self {
        FieldError {
            field: Some(field.to_string()),
            reason: reason.into(),
        }
    }
}

/// What validation needs besides the draft itself.
#[derive(Debug, Clone)]
pub struct ValidationContext<'a> {
    /// The configured tag list; any other tag is refused.
    pub tags: &'a [Tag],
    /// `created_at` of tickets that carry none.
    pub now: OffsetDateTime,
}

/// Longest body accepted, in bytes (64 KiB).
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Longest title and note field accepted, in bytes.
pub const MAX_FIELD_BYTES: usize = 8 * 1024;
/// Most tags one ticket may carry: the configured list is short, so more
/// than this is a mistake, and an error about it stays small.
pub const MAX_TAGS: usize = 32;
/// Unknown tags quoted back in one error; the rest are counted.
const UNKNOWN_TAGS_SHOWN: usize = 5;

impl TicketDraft {
    /// Checks every rule and returns the ticket, or every problem found.
    ///
    /// # Errors
    /// One [`FieldError`] per broken rule, each saying how to fix it.
    pub fn validate(self, ctx: &ValidationContext<'_>) -> Result<Ticket, Vec<FieldError>> {
        let mut errors = Vec::new();
        let id = TicketId::parse(self.id).map_err(|e| errors.push(FieldError::new("id", e)));
        let source = match self.source {
            Some(s) => Source::parse(s).map_err(|e| errors.push(FieldError::new("source", e))),
            None => Ok(Source::unspecified()),
        };
        let created_at = match self.created_at.as_deref() {
            Some(s) => parse_rfc3339(s).map_err(|e| errors.push(FieldError::new("created_at", e))),
            None => Ok(ctx.now),
        };
        let title = self.title.unwrap_or_default();
        let body = self.body.unwrap_or_default();
        if title.trim().is_empty() && body.trim().is_empty() {
            errors.push(FieldError::new(
                "body",
                "a ticket needs text: give a non-empty title or body",
            ));
        }
        if body.len() > MAX_BODY_BYTES {
            errors.push(FieldError::new(
                "body",
                format!(
                    "body is {} bytes; the limit is {MAX_BODY_BYTES} bytes (64 KiB): trim logs or attachments",
                    body.len()
                ),
            ));
        }
        let fields = [
            ("title", Some(&title)),
            ("customer", self.customer.as_ref()),
            ("user_saw", self.user_saw.as_ref()),
            ("user_task", self.user_task.as_ref()),
            ("first_failure", self.first_failure.as_ref()),
            ("manual_work", self.manual_work.as_ref()),
            ("changes_that_day", self.changes_that_day.as_ref()),
            ("service", self.service.as_ref()),
            ("severity", self.severity.as_ref()),
        ];
        for (name, value) in fields {
            if let Some(v) = value
                && v.len() > MAX_FIELD_BYTES
            {
                errors.push(FieldError::new(
                    name,
                    format!(
                        "{name} is {} bytes; the limit is {MAX_FIELD_BYTES} bytes",
                        v.len()
                    ),
                ));
            }
        }
        let tags = self.tags.unwrap_or_default();
        let mut known = Vec::with_capacity(tags.len().min(MAX_TAGS));
        let mut unknown: Vec<&str> = Vec::new();
        if tags.len() > MAX_TAGS {
            errors.push(FieldError::new(
                "tags",
                format!(
                    "{} tags given; a ticket carries at most {MAX_TAGS}, from the configured list",
                    tags.len()
                ),
            ));
        } else {
            for tag in &tags {
                match Tag::parse_known(tag, ctx.tags) {
                    Ok(tag) if !known.contains(&tag) => known.push(tag),
                    Ok(_) => {}
                    Err(_) if !unknown.contains(&tag.as_str()) => unknown.push(tag),
                    Err(_) => {}
                }
            }
        }
        if !unknown.is_empty() {
            errors.push(FieldError::new("tags", unknown_tags(&unknown, ctx.tags)));
        }
        let manual_minutes = match self.manual_minutes {
            Some(m) if m < 0 => {
                errors.push(FieldError::new(
                    "manual_minutes",
                    format!("manual_minutes must be 0 or more, got {m}"),
                ));
                None
            }
            Some(m) => match u32::try_from(m) {
                Ok(m) => Some(m),
                Err(_) => {
                    errors.push(FieldError::new(
                        "manual_minutes",
                        format!("manual_minutes {m} is implausibly large"),
                    ));
                    None
                }
            },
            None => None,
        };
        let mut incident_time = |name: &str, value: Option<&str>| match value {
            None => None,
            Some(s) => parse_rfc3339(s)
                .map_err(|e| errors.push(FieldError::new(name, e)))
                .ok(),
        };
        let detected_at = incident_time("detected_at", self.detected_at.as_deref());
        let resolved_at = incident_time("resolved_at", self.resolved_at.as_deref());
        if let (Some(d), Some(r)) = (detected_at, resolved_at)
            && r < d
        {
            errors.push(FieldError::new(
                "resolved_at",
                "resolved_at is before detected_at; check the two times",
            ));
        }
        if let Some(Err(e)) = self.impact.as_ref().map(super::Impact::check) {
            errors.push(FieldError::new("impact", e));
        }
        match (id, source, created_at) {
            (Ok(id), Ok(source), Ok(created_at)) if errors.is_empty() => Ok(Ticket {
                id,
                source,
                created_at,
                title,
                body,
                tags: known,
                customer: self.customer,
                user_saw: self.user_saw,
                user_task: self.user_task,
                first_failure: self.first_failure,
                manual_work: self.manual_work,
                manual_minutes,
                changes_that_day: self.changes_that_day,
                service: self.service,
                severity: self.severity,
                detected_at,
                resolved_at,
                impact: self.impact,
            }),
            _ => Err(errors),
        }
    }
}

/// One sentence for all of a ticket's unknown tags, quoting a few.
fn unknown_tags(unknown: &[&str], known: &[Tag]) -> String {
    let quoted: Vec<String> = unknown
        .iter()
        .take(UNKNOWN_TAGS_SHOWN)
        .map(|t| format!("'{}'", truncate(t, 60)))
        .collect();
    let more = unknown.len().saturating_sub(UNKNOWN_TAGS_SHOWN);
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    let plural = if unknown.len() == 1 { "" } else { "s" };
    format!(
        "unknown tag{plural} {}{more}; use tags from the configured list: {}",
        quoted.join(", "),
        known.iter().map(Tag::as_str).collect::<Vec<_>>().join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(tags: &[Tag]) -> ValidationContext<'_> {
        ValidationContext {
            tags,
            now: time::macros::datetime!(2026-11-23 12:00 UTC),
        }
    }

    fn draft() -> TicketDraft {
        TicketDraft {
            id: "t-1".into(),
            body: Some("login loop".into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_minimal_ticket_gets_defaults() {
        let tags = vec![Tag::parse("weak-ux").expect("tag")];
        let t = draft().validate(&ctx(&tags)).expect("valid");
        assert_eq!(t.source.as_str(), "unspecified");
        assert_eq!(t.created_at, time::macros::datetime!(2026-11-23 12:00 UTC));
    }

    #[test]
    fn every_broken_rule_is_reported() {
        let tags = vec![Tag::parse("weak-ux").expect("tag")];
        let bad = TicketDraft {
            id: "".into(),
            body: Some(" ".into()),
            created_at: Some("yesterday".into()),
            tags: Some(vec!["urgent".into()]),
            manual_minutes: Some(-5),
            ..Default::default()
        };
        let errors = bad.validate(&ctx(&tags)).expect_err("invalid");
        let fields: Vec<_> = errors.iter().filter_map(|e| e.field.as_deref()).collect();
        assert_eq!(
            fields,
            ["id", "created_at", "body", "tags", "manual_minutes"]
        );
    }

    #[test]
    fn body_over_64_kib_is_refused() {
        let tags = vec![];
        let big = TicketDraft {
            body: Some("x".repeat(MAX_BODY_BYTES + 1)),
            ..draft()
        };
        assert!(big.validate(&ctx(&tags)).is_err());
        let edge = TicketDraft {
            body: Some("x".repeat(MAX_BODY_BYTES)),
            ..draft()
        };
        assert!(edge.validate(&ctx(&tags)).is_ok());
    }

    #[test]
    fn many_unknown_tags_give_one_short_error() {
        let tags = vec![Tag::parse("weak-ux").expect("tag")];
        let bad = TicketDraft {
            tags: Some((0..20).map(|i| format!("nope-{}", i % 7)).collect()),
            ..draft()
        };
        let errors = bad.validate(&ctx(&tags)).expect_err("invalid");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].reason.contains("and 2 more"),
            "{}",
            errors[0].reason
        );
        let flood = TicketDraft {
            tags: Some(vec!["x".repeat(50); 10_000]),
            ..draft()
        };
        let errors = flood.validate(&ctx(&tags)).expect_err("invalid");
        assert_eq!(errors.len(), 1);
        assert!(errors[0].reason.len() < 200, "{}", errors[0].reason);
    }

    #[test]
    fn repeated_tags_are_kept_once() {
        let tags = vec![Tag::parse("weak-ux").expect("tag")];
        let t = TicketDraft {
            tags: Some(vec!["weak-ux".into(), "weak-ux".into()]),
            ..draft()
        }
        .validate(&ctx(&tags))
        .expect("valid");
        assert_eq!(t.tags, tags);
    }
}
