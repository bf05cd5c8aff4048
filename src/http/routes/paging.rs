//! Paging parameters, parsed here so that every list route bounds them the
//! same way before they reach SQL or the index, and says what is wrong in
//! words that name the parameter.

use serde::Deserialize;

use crate::http::problem::{ApiError, ApiResult};

/// `?limit=&cursor=` of a list route.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageParams {
    pub cursor: Option<String>,
    pub limit: Option<String>,
}

impl PageParams {
    /// # Errors
    /// The limit is not a whole number in `1..=max`.
    pub fn limit(&self, default: usize, max: usize) -> ApiResult<usize> {
        parse_limit(self.limit.as_deref(), default, max)
    }
}

/// An optional query value, empty counting as absent.
pub fn given(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

/// `limit`, between 1 and `max`; `default` when absent or empty.
///
/// # Errors
/// Anything else, with the range in the message.
pub fn parse_limit(text: Option<&str>, default: usize, max: usize) -> ApiResult<usize> {
    let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
        return Ok(default.min(max));
    };
    match text.trim().parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(ApiError::bad_parameter(format!(
            "limit='{}' is not allowed: give a whole number from 1 to {max}",
            crate::model::truncate(text, 40)
        ))),
    }
}

/// The opaque cursor of offset-paged lists: `o<offset>`.
pub struct OffsetCursor;

/// No list holds more items than this; a larger offset is not one the
/// server gave out.
const MAX_OFFSET: usize = 1 << 40;

impl OffsetCursor {
    /// The offset a cursor resumes at (0 without one).
    ///
    /// # Errors
    /// A cursor this server did not hand out.
    pub fn parse(cursor: Option<&str>) -> ApiResult<usize> {
        let Some(cursor) = cursor.filter(|c| !c.is_empty()) else {
            return Ok(0);
        };
        cursor
            .strip_prefix('o')
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|&n| n <= MAX_OFFSET)
            .ok_or_else(not_ours)
    }

    pub fn encode(offset: usize) -> String {
        format!("o{offset}")
    }
}

/// The answer to a cursor the server never handed out.
pub fn not_ours() -> ApiError {
    ApiError::new(
        crate::error::ErrorClass::BadRequest,
        "bad-cursor",
        "cursor is not one this server handed out (cursors come from next_cursor of the previous page); start again without a cursor",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_bounded_and_named() {
        assert_eq!(parse_limit(None, 50, 1000).expect("default"), 50);
        assert_eq!(parse_limit(Some(""), 50, 1000).expect("empty"), 50);
        assert_eq!(parse_limit(Some("7"), 50, 1000).expect("given"), 7);
        for bad in ["0", "1001", "abc", "-1", "99999999999999999999999"] {
            let e = parse_limit(Some(bad), 50, 1000).expect_err(bad);
            assert!(e.detail.contains("from 1 to 1000"), "{}", e.detail);
        }
    }

    #[test]
    fn offset_cursors_are_ours_or_refused() {
        assert_eq!(OffsetCursor::parse(None).expect("none"), 0);
        assert_eq!(OffsetCursor::parse(Some("")).expect("empty"), 0);
        assert_eq!(OffsetCursor::parse(Some("o20")).expect("ours"), 20);
        for bad in ["o18446744073709551615", "o-1", "o", "x5", "o1e3", "o+5"] {
            assert!(OffsetCursor::parse(Some(bad)).is_err(), "{bad}");
        }
    }
}
