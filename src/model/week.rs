//! ISO weeks (`2026-W48`), the unit of the weekly review, the digest and
//! the trend charts. A week runs Monday 00:00 to the next Monday 00:00,
//! UTC.

use std::fmt;

use time::{Date, Duration, OffsetDateTime, Weekday};

/// One ISO week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IsoWeek {
    year: i32,
    week: u8,
}

impl IsoWeek {
    /// The week `at` falls in (in UTC).
    pub fn of(at: OffsetDateTime) -> IsoWeek {
        let (year, week, _) = at.to_offset(time::UtcOffset::UTC).to_iso_week_date();
        IsoWeek { year, week }
    }

    /// Reads `2026-W48` (also `2026-w48`), years 1970 to 2200: the
    /// times the store keeps.
    ///
    /// # Errors
    /// A sentence saying what a week looks like.
    pub fn parse(text: &str) -> Result<IsoWeek, String> {
        let bad = || {
            format!(
                "'{}' is not an ISO week; write it like 2026-W48",
                super::truncate(text, 40)
            )
        };
        let (year, week) = text.trim().split_once(['W', 'w']).ok_or_else(bad)?;
        let year: i32 = year
            .strip_suffix('-')
            .ok_or_else(bad)?
            .parse()
            .map_err(|_| bad())?;
        let week: u8 = week.parse().map_err(|_| bad())?;
        if !(1970..=2200).contains(&year) {
            return Err(format!(
                "week {} is out of range; weeks from 1970 to 2200 are kept",
                super::truncate(text, 40)
            ));
        }
        Date::from_iso_week_date(year, week, Weekday::Monday).map_err(|_| bad())?;
        Ok(IsoWeek { year, week })
    }

    /// Monday 00:00 UTC of this week.
    pub fn start(self) -> OffsetDateTime {
        Date::from_iso_week_date(self.year, self.week, Weekday::Monday)
            .expect("a parsed week exists")
            .midnight()
            .assume_utc()
    }

    /// Monday 00:00 UTC of the next week (the end, exclusive).
    pub fn end(self) -> OffsetDateTime {
        self.start() + Duration::weeks(1)
    }

    /// The week before.
    pub fn previous(self) -> IsoWeek {
        IsoWeek::of(self.start() - Duration::days(1))
    }

    /// This week and the `n - 1` before it, the oldest first.
    pub fn last(self, n: usize) -> Vec<IsoWeek> {
        let mut weeks = Vec::with_capacity(n);
        let mut week = self;
        for i in 0..n {
            weeks.push(week);
            if i + 1 < n {
                week = week.previous();
            }
        }
        weeks.reverse();
        weeks
    }
}

impl fmt::Display for IsoWeek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-W{:02}", self.year, self.week)
    }
}

impl serde::Serialize for IsoWeek {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn weeks_run_monday_to_monday_in_utc_and_cross_years() {
        let w = IsoWeek::of(datetime!(2026-11-29 23:59:59 UTC));
        assert_eq!(w.to_string(), "2026-W48");
        assert_eq!(w.start(), datetime!(2026-11-23 00:00 UTC));
        assert_eq!(w.end(), datetime!(2026-11-30 00:00 UTC));
        assert_eq!(
            IsoWeek::of(datetime!(2026-11-30 00:00 UTC)).to_string(),
            "2026-W49"
        );
        // 2027-01-01 is a Friday of 2026-W53.
        assert_eq!(
            IsoWeek::of(datetime!(2027-01-01 12:00 UTC)).to_string(),
            "2026-W53"
        );
        assert_eq!(
            IsoWeek::parse("2027-W01").unwrap().previous().to_string(),
            "2026-W53"
        );
        let last: Vec<String> = IsoWeek::parse("2026-W02")
            .unwrap()
            .last(3)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(last, ["2025-W52", "2026-W01", "2026-W02"]);
    }

    #[test]
    fn only_real_weeks_parse() {
        assert_eq!(IsoWeek::parse("2026-w48").unwrap().to_string(), "2026-W48");
        for bad in [
            "2026-48",
            "2026W48",
            "2026-W54",
            "2025-W53",
            "2026-W0",
            "W48",
            "2026-Wxx",
            "",
            "-9999-W05",
            "1969-W10",
        ] {
            let e = IsoWeek::parse(bad).unwrap_err();
            assert!(
                e.contains("2026-W48") || e.contains("1970 to 2200"),
                "{bad}: {e}"
            );
        }
    }
}
