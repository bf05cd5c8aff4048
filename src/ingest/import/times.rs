//! The time formats exports write, read into RFC 3339.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// `value` as RFC 3339, read from any format an export writes:
/// RFC 3339 itself (Zendesk, PagerDuty), Jira's REST
/// `2024-03-04T10:11:12.000+0000` and CSV `04/Mar/24 10:11 AM`,
/// ServiceNow's `2024-03-04 10:11:12` (UTC), a bare date, and Unix
/// seconds or milliseconds (Intercom). Times without a zone are UTC.
///
/// # Errors
/// The value in words, with the formats that are understood.
pub fn to_rfc3339(value: &str) -> Result<String, String> {
    let v = value.trim();
    parse(v)
        .and_then(|t| t.format(&Rfc3339).ok())
        .ok_or_else(|| {
            format!(
                "'{v}' is a time in no known format; write RFC 3339 (2024-03-04T10:11:12Z), \
                 2024-03-04 10:11:12, 2024-03-04, 04/Mar/24 10:11 AM or Unix seconds"
            )
        })
}

/// Unix seconds as RFC 3339.
pub fn unix_to_rfc3339(secs: i64) -> Option<String> {
    OffsetDateTime::from_unix_timestamp(secs)
        .ok()?
        .format(&Rfc3339)
        .ok()
}

fn parse(v: &str) -> Option<OffsetDateTime> {
    if let Ok(t) = OffsetDateTime::parse(v, &Rfc3339) {
        return Some(t);
    }
    if !v.is_empty() && v.len() <= 13 && v.bytes().all(|b| b.is_ascii_digit()) {
        let n: i64 = v.parse().ok()?;
        let secs = if v.len() == 13 { n / 1000 } else { n };
        return OffsetDateTime::from_unix_timestamp(secs).ok();
    }
    // Jira REST: an offset without a colon, fractional seconds.
    let jira = format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond][offset_hour sign:mandatory][offset_minute]"
    );
    if let Ok(t) = OffsetDateTime::parse(v, jira) {
        return Some(t);
    }
    let jira_plain = format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory][offset_minute]"
    );
    if let Ok(t) = OffsetDateTime::parse(v, jira_plain) {
        return Some(t);
    }
    let utc = |p: PrimitiveDateTime| Some(p.assume_offset(UtcOffset::UTC));
    for f in [
        format_description!("[year]-[month]-[day] [hour]:[minute]:[second]"),
        format_description!("[year]-[month]-[day] [hour]:[minute]"),
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"),
    ] {
        if let Ok(p) = PrimitiveDateTime::parse(v, f) {
            return utc(p);
        }
    }
    if let Ok(d) = Date::parse(v, format_description!("[year]-[month]-[day]")) {
        return utc(PrimitiveDateTime::new(d, Time::MIDNIGHT));
    }
    jira_csv(v).and_then(utc)
}

/// Jira's CSV export: `04/Mar/24 10:11 AM` (hours not padded).
fn jira_csv(v: &str) -> Option<PrimitiveDateTime> {
    let (date, rest) = v.split_once(' ')?;
    let mut parts = date.split('/');
    let day: u8 = parts.next()?.parse().ok()?;
    let month = parts.next()?;
    let year: i32 = parts.next()?.parse().ok()?;
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let month = MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(month))
        .and_then(|i| time::Month::try_from(i as u8 + 1).ok())?;
    // Two-digit years are this century's, as Jira means them.
    let year = if year < 100 { 2000 + year } else { year };
    let date = Date::from_calendar_date(year, month, day).ok()?;
    let (clock, half) = rest.trim().rsplit_once(' ')?;
    let (h, m) = clock.split_once(':')?;
    let (mut h, m): (u8, u8) = (h.parse().ok()?, m.parse().ok()?);
    match half.to_ascii_uppercase().as_str() {
        "AM" if h == 12 => h = 0,
        "AM" => {}
        "PM" if h < 12 => h += 12,
        "PM" => {}
        _ => return None,
    }
    Some(PrimitiveDateTime::new(date, Time::from_hms(h, m, 0).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_export_format_reads_as_utc_rfc3339() {
        for (value, want) in [
            ("2024-03-04T10:11:12Z", "2024-03-04T10:11:12Z"),
            ("2024-03-04T10:11:12.000+0000", "2024-03-04T10:11:12Z"),
            (
                "2024-03-04T02:11:12.512-0800",
                "2024-03-04T02:11:12.512-08:00",
            ),
            ("2024-03-04 10:11:12", "2024-03-04T10:11:12Z"),
            ("2024-03-04 10:11", "2024-03-04T10:11:00Z"),
            ("2024-03-04", "2024-03-04T00:00:00Z"),
            ("04/Mar/24 10:11 AM", "2024-03-04T10:11:00Z"),
            ("05/Mar/24 4:40 PM", "2024-03-05T16:40:00Z"),
            ("05/mar/24 12:05 AM", "2024-03-05T00:05:00Z"),
            ("1709546740", "2024-03-04T10:05:40Z"),
            ("1709546740000", "2024-03-04T10:05:40Z"),
        ] {
            assert_eq!(to_rfc3339(value).as_deref(), Ok(want), "{value}");
        }
    }

    #[test]
    fn an_unknown_format_is_said_with_the_known_ones() {
        let e = to_rfc3339("yesterday").expect_err("not a time");
        assert!(e.contains("'yesterday'") && e.contains("RFC 3339"), "{e}");
    }
}
