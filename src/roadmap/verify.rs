//! Did the fix work? A fixed group's repeats and manual minutes in the
//! window before `fixed_at`, against the same length of window after it,
//! per week, with a verdict.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::model::Ticket;

/// The `[verification]` table of the scoring file.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VerifySettings {
    /// The longest window compared on each side of the fix, in days.
    pub window_days: u32,
    /// Fewer days since the fix than this: `too_early`.
    pub min_days: u32,
    /// The repeats per week must fall by at least this share for `worked`…
    pub worked: f64,
    /// …and by this share for `partly`; less is `not_yet`.
    pub partly: f64,
}

impl Default for VerifySettings {
    fn default() -> Self {
        VerifySettings {
            window_days: 28,
            min_days: 7,
            worked: 0.8,
            partly: 0.3,
        }
    }
}

impl VerifySettings {
    /// # Errors
    /// Which value is out of range.
    pub fn check(&self) -> Result<(), String> {
        if self.window_days == 0 || self.min_days > self.window_days {
            return Err("window_days must be at least 1 and min_days at most window_days".into());
        }
        if !(0.0..=1.0).contains(&self.partly) || !(self.partly..=1.0).contains(&self.worked) {
            return Err("worked and partly are shares from 0 to 1, partly ≤ worked".into());
        }
        Ok(())
    }
}

/// What the fix changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Worked,
    Partly,
    NotYet,
    TooEarly,
}

/// A fixed group's before and after.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verification {
    pub verdict: Verdict,
    /// Days compared on each side of the fix.
    pub window_days: f64,
    pub before_per_week: f64,
    pub after_per_week: f64,
    pub manual_minutes_before_per_week: f64,
    pub manual_minutes_after_per_week: f64,
    /// Tickets after the fix: a regression when there are any.
    pub repeats_after_fix: usize,
    pub regression: bool,
}

/// The verification of a group fixed at `fixed_at` with members
/// `tickets`, as of `as_of`.
pub fn verify(
    tickets: &[Ticket],
    fixed_at: OffsetDateTime,
    as_of: OffsetDateTime,
    s: &VerifySettings,
) -> Verification {
    let since = (as_of - fixed_at).max(Duration::ZERO);
    let window = since.min(Duration::days(i64::from(s.window_days)));
    let weeks = (window.as_seconds_f64() / (7.0 * 86_400.0)).max(1e-9);
    let (mut before, mut after, mut min_before, mut min_after, mut repeats) =
        (0usize, 0usize, 0u64, 0u64, 0usize);
    for t in tickets.iter().filter(|t| t.created_at <= as_of) {
        let minutes = u64::from(t.manual_minutes.unwrap_or(0));
        if t.created_at > fixed_at {
            repeats += 1;
            if t.created_at <= fixed_at + window {
                after += 1;
                min_after += minutes;
            }
        } else if t.created_at > fixed_at - window {
            before += 1;
            min_before += minutes;
        }
    }
    let (b, a) = (before as f64 / weeks, after as f64 / weeks);
    let verdict = if since < Duration::days(i64::from(s.min_days)) {
        Verdict::TooEarly
    } else {
        let fell = if b > 0.0 {
            1.0 - a / b
        } else if a == 0.0 {
            1.0
        } else {
            0.0
        };
        if fell >= s.worked {
            Verdict::Worked
        } else if fell >= s.partly {
            Verdict::Partly
        } else {
            Verdict::NotYet
        }
    };
    Verification {
        verdict,
        window_days: window.as_seconds_f64() / 86_400.0,
        before_per_week: b,
        after_per_week: a,
        manual_minutes_before_per_week: min_before as f64 / weeks,
        manual_minutes_after_per_week: min_after as f64 / weeks,
        repeats_after_fix: repeats,
        regression: repeats > 0,
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn at(i: usize, when: OffsetDateTime) -> Ticket {
        let mut t = crate::roadmap::evidence::tests_support::ticket(&format!("t{i}"), when);
        t.manual_minutes = Some(10);
        t
    }

    #[test]
    fn verdicts_compare_equal_windows_per_week() {
        let fixed = datetime!(2026-11-01 00:00 UTC);
        // Eight in the four weeks before, two in the four weeks after.
        let mut tickets: Vec<Ticket> = (0..8)
            .map(|i| at(i, fixed - Duration::days(3 * i as i64 + 1)))
            .collect();
        tickets.push(at(8, fixed + Duration::days(3)));
        tickets.push(at(9, fixed + Duration::days(20)));
        tickets.push(at(10, fixed - Duration::days(60))); // outside the window
        let s = VerifySettings::default();
        let v = verify(&tickets, fixed, datetime!(2026-11-29 00:00 UTC), &s);
        assert_eq!(v.window_days, 28.0);
        assert_eq!((v.before_per_week, v.after_per_week), (2.0, 0.5));
        assert_eq!(v.manual_minutes_before_per_week, 20.0);
        assert_eq!(v.verdict, Verdict::Partly, "fell by 75%: {v:?}");
        assert!(v.regression && v.repeats_after_fix == 2);
        let early = verify(&tickets, fixed, fixed + Duration::days(3), &s);
        assert_eq!(early.verdict, Verdict::TooEarly);
        let quiet: Vec<Ticket> = tickets
            .iter()
            .filter(|t| t.created_at < fixed)
            .cloned()
            .collect();
        let v = verify(&quiet, fixed, datetime!(2026-11-29 00:00 UTC), &s);
        assert_eq!((v.verdict, v.regression), (Verdict::Worked, false));
        let same: Vec<Ticket> = (0..8)
            .map(|i| at(20 + i, fixed + Duration::days(3 * i as i64 + 1)))
            .chain(quiet)
            .collect();
        assert_eq!(
            verify(&same, fixed, datetime!(2026-11-29 00:00 UTC), &s).verdict,
            Verdict::NotYet
        );
    }
}
