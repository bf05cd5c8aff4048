//! Identities of what refrain keeps: jobs, candidate clusters, groups,
//! decisions, and the configured tags. Each is validated on construction,
//! so an id that reaches the store or an answer always has the shape the
//! server hands out.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a text is not an id of the expected kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{value}' is not {what}: {shape}")]
pub struct IdError {
    pub value: String,
    pub what: &'static str,
    pub shape: &'static str,
}

/// Longest id text accepted after its prefix.
const MAX_ID_TAIL: usize = 64;

fn valid_tail(tail: &str) -> bool {
    !tail.is_empty()
        && tail.len() <= MAX_ID_TAIL
        && tail
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Declares an id newtype whose text is `PREFIX` followed by lowercase
/// letters, digits and '-'.
macro_rules! prefixed_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            /// # Errors
            /// The text does not have this id's shape.
            pub fn parse(value: impl Into<String>) -> Result<Self, IdError> {
                let value = value.into();
                match value.strip_prefix($prefix) {
                    Some(tail) if valid_tail(tail) => Ok($name(value)),
                    _ => Err(IdError {
                        value,
                        what: $what,
                        shape: concat!("ids of this kind start with '", $prefix, "', as the server hands them out"),
                    }),
                }
            }

            /// The id for a fresh `tail` made by refrain itself.
            pub(crate) fn from_tail(tail: impl fmt::Display) -> Self {
                let id = format!("{}{}", $prefix, tail);
                debug_assert!(valid_tail(&id[$prefix.len()..]), "{id}");
                $name(id)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(value: String) -> Result<Self, IdError> {
                Self::parse(value)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }
    };
}

prefixed_id!(
    /// A background job, e.g. `job-1764582000123456`.
    JobId,
    "job-",
    "a job id"
);
prefixed_id!(
    /// A candidate cluster of one re-cluster run, e.g. `c1764582000123456-3`.
    /// Kept after later runs replace it, so a reviewer's reference to it
    /// can be answered ("superseded") instead of dangling.
    ClusterId,
    "c",
    "a cluster id"
);
prefixed_id!(
    /// A confirmed group, e.g. `g17`.
    GroupId,
    "g",
    "a group id"
);
prefixed_id!(
    /// A reviewer decision in the audit log, e.g. `d42`.
    DecisionId,
    "d",
    "a decision id"
);

prefixed_id!(
    /// A weekly review, e.g. `r3`.
    ReviewId,
    "r",
    "a weekly review id"
);

/// A tag from the configured list: lowercase letters, digits and '-', at
/// most 40 characters. Which tags exist is config; a ticket's tags are
/// checked against it ([`Tag::parse_known`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Tag(String);

impl Tag {
    pub const MAX_CHARS: usize = 40;

    /// Checks the shape only (for the config's own list).
    ///
    /// # Errors
    /// Says what a tag may hold.
    pub fn parse(value: impl Into<String>) -> Result<Self, IdError> {
        let value = value.into();
        let ok = !value.is_empty()
            && value.len() <= Self::MAX_CHARS
            && value
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(Tag(value))
        } else {
            Err(IdError {
                value,
                what: "a tag",
                shape: "tags are lowercase letters, digits and '-' (at most 40)",
            })
        }
    }

    /// A tag that must be one of `known` (the configured list).
    ///
    /// # Errors
    /// A sentence naming the configured tags.
    pub fn parse_known(value: &str, known: &[Tag]) -> Result<Self, String> {
        match known.iter().find(|t| t.0 == value) {
            Some(tag) => Ok(tag.clone()),
            None => Err(format!(
                "unknown tag '{}'; use one of the configured tags: {}",
                truncate(value, 60),
                known.iter().map(Tag::as_str).collect::<Vec<_>>().join(", ")
            )),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Tag {
    type Error = IdError;
    fn try_from(value: String) -> Result<Self, IdError> {
        Self::parse(value)
    }
}

impl From<Tag> for String {
    fn from(tag: Tag) -> String {
        tag.0
    }
}

/// At most `max` characters of `text`, with '…' when cut: client text quoted
/// back in an error never makes the answer larger than the mistake.
pub fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_keep_their_prefix_and_shape() {
        assert!(JobId::parse("job-1764582000123456").is_ok());
        assert!(ClusterId::parse("c1764582000123456-3").is_ok());
        assert!(GroupId::parse("g17").is_ok());
        assert!(DecisionId::parse("d42").is_ok());
        for bad in [
            "",
            "job-",
            "job-ABC",
            "g",
            "x17",
            "c1 2",
            &format!("g{}", "1".repeat(65)),
        ] {
            assert!(
                JobId::parse(bad).is_err() || !bad.starts_with("job-"),
                "{bad}"
            );
            assert!(GroupId::parse(bad).is_err(), "{bad}");
        }
        let e = ClusterId::parse("zzz").expect_err("wrong prefix");
        assert!(e.to_string().contains("start with 'c'"), "{e}");
    }

    #[test]
    fn tags_are_checked_against_the_configured_list() {
        let known = vec![Tag::parse("weak-ux").expect("tag")];
        assert!(Tag::parse_known("weak-ux", &known).is_ok());
        let e = Tag::parse_known("urgent", &known).expect_err("unknown");
        assert!(e.contains("weak-ux"), "{e}");
        assert!(Tag::parse("Bad Tag").is_err());
        let long = "x".repeat(10_000);
        assert!(Tag::parse_known(&long, &known).expect_err("unknown").len() < 200);
    }

    #[test]
    fn ids_round_trip_through_json_and_refuse_bad_text() {
        let id = GroupId::parse("g3").expect("id");
        let json = serde_json::to_string(&id).expect("json");
        assert_eq!(json, "\"g3\"");
        assert_eq!(serde_json::from_str::<GroupId>(&json).expect("back"), id);
        assert!(serde_json::from_str::<GroupId>("\"nope\"").is_err());
    }
}
