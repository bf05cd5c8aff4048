use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A ticket's id: non-empty, at most 256 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TicketId(String);

impl TicketId {
    pub const MAX_CHARS: usize = 256;

    /// # Errors
    /// Says which rule the id broke.
    pub fn parse(value: impl Into<String>) -> Result<Self, String> {
        let value = value.into();
        if value.trim().is_empty() {
            return Err("id must not be empty".into());
        }
        if value.chars().count() > Self::MAX_CHARS {
            return Err(format!("id must be at most {} characters", Self::MAX_CHARS));
        }
        if value.chars().any(char::is_control) {
            return Err("id must not contain control characters (newlines, tabs, …)".into());
        }
        Ok(TicketId(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TicketId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a ticket came from: a short lowercase word such as `support` or `ops`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Source(String);

impl Source {
    pub const MAX_CHARS: usize = 32;

    /// # Errors
    /// Says what a valid source looks like.
    pub fn parse(value: impl Into<String>) -> Result<Self, String> {
        let value = value.into();
        let valid = !value.is_empty()
            && value.len() <= Self::MAX_CHARS
            && value.starts_with(|c: char| c.is_ascii_lowercase())
            && value
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if valid {
            Ok(Source(value))
        } else {
            Err(format!(
                "source '{value}' must be a short lowercase word (a-z, 0-9, '-', '_'; at most {} characters) such as 'support' or 'ops'",
                Self::MAX_CHARS
            ))
        }
    }

    /// The source given to tickets that name none.
    pub fn unspecified() -> Self {
        Source("unspecified".into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A validated ticket or incident note.
///
/// Built from a [`super::TicketDraft`] by validation. `Deserialize` exists only
/// to read back what the store itself wrote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    pub id: TicketId,
    pub source: Source,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub body: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<super::Tag>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_saw: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_task: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_failure: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manual_work: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manual_minutes: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes_that_day: Option<String>,
    /// Incident fields (ops notes): the service affected, its severity as
    /// the tool wrote it, when it was detected and resolved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub detected_at: Option<OffsetDateTime>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub resolved_at: Option<OffsetDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impact: Option<Impact>,
}

/// What an incident cost, as its note reports it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Impact {
    /// Share of users affected, in percent (0–100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users_pct: Option<f64>,
    /// Revenue lost or at risk, in the team's currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revenue: Option<f64>,
}

impl Impact {
    /// # Errors
    /// Which value is out of range.
    pub fn check(&self) -> Result<(), String> {
        if let Some(p) = self.users_pct
            && !(p.is_finite() && (0.0..=100.0).contains(&p))
        {
            return Err(format!(
                "impact.users_pct is {p}; give a percentage from 0 to 100"
            ));
        }
        if let Some(r) = self.revenue
            && !(r.is_finite() && r >= 0.0)
        {
            return Err(format!(
                "impact.revenue is {r}; give an amount of 0 or more"
            ));
        }
        Ok(())
    }
}

impl Ticket {
    /// The text that describes the symptom: what clustering and suggest read
    /// besides title and body (the note fields a reviewer writes about it).
    pub fn note_text(&self) -> String {
        [&self.user_saw, &self.user_task, &self.first_failure]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticket_ids_are_checked() {
        assert!(TicketId::parse("t-1").is_ok());
        assert!(TicketId::parse("").is_err());
        assert!(TicketId::parse("   ").is_err());
        assert!(TicketId::parse("a\nb").is_err());
        assert!(TicketId::parse("x".repeat(256)).is_ok());
        assert!(TicketId::parse("x".repeat(257)).is_err());
    }

    #[test]
    fn sources_are_short_lowercase_words() {
        assert!(Source::parse("support").is_ok());
        assert!(Source::parse("ops-eu_2").is_ok());
        for bad in ["", "Support", "2ops", "has space", &"s".repeat(33)] {
            assert!(Source::parse(bad).is_err(), "{bad}");
        }
    }
}
