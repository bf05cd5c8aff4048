//! Weekly counts per group, for the trend chart and the digest.

use serde::Serialize;
use time::OffsetDateTime;

use crate::model::{IsoWeek, Ticket};

/// Weeks a trend covers.
pub const WEEKS: usize = 12;

/// One week of a group's tickets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WeekCount {
    pub week: IsoWeek,
    /// Monday 00:00 UTC.
    #[serde(with = "time::serde::rfc3339")]
    pub starts: OffsetDateTime,
    pub tickets: u64,
    pub manual_minutes: u64,
}

/// Tickets per ISO week for the `weeks` weeks up to the one holding
/// `as_of`, the oldest first; tickets after `as_of` are not counted.
pub fn weekly(tickets: &[Ticket], as_of: OffsetDateTime, weeks: usize) -> Vec<WeekCount> {
    let mut out: Vec<WeekCount> = IsoWeek::of(as_of)
        .last(weeks)
        .into_iter()
        .map(|week| WeekCount {
            week,
            starts: week.start(),
            tickets: 0,
            manual_minutes: 0,
        })
        .collect();
    let Some(first) = out.first().map(|w| w.starts) else {
        return out;
    };
    for t in tickets {
        if t.created_at < first || t.created_at > as_of {
            continue;
        }
        let week = IsoWeek::of(t.created_at);
        if let Some(slot) = out.iter_mut().find(|w| w.week == week) {
            slot.tickets += 1;
            slot.manual_minutes += u64::from(t.manual_minutes.unwrap_or(0));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::roadmap::evidence::tests_support::ticket;

    #[test]
    fn counts_fall_in_their_iso_week_up_to_as_of() {
        let as_of = datetime!(2026-11-25 12:00 UTC); // Wednesday of 2026-W48
        let mut late = ticket("late", datetime!(2026-11-26 09:00 UTC));
        late.manual_minutes = Some(99);
        let mut monday = ticket("mon", datetime!(2026-11-23 00:00 UTC));
        monday.manual_minutes = Some(15);
        let tickets = vec![
            monday,
            ticket("sun", datetime!(2026-11-22 23:59:59 UTC)), // W47
            ticket("old", datetime!(2026-09-06 12:00 UTC)),    // W36: before the 12 weeks
            ticket("w37", datetime!(2026-09-07 00:00 UTC)),
            late,
        ];
        let weeks = weekly(&tickets, as_of, WEEKS);
        assert_eq!(weeks.len(), 12);
        assert_eq!(weeks[0].week.to_string(), "2026-W37");
        assert_eq!(weeks[0].tickets, 1);
        let last = &weeks[11];
        assert_eq!(
            (
                last.week.to_string().as_str(),
                last.tickets,
                last.manual_minutes
            ),
            ("2026-W48", 1, 15)
        );
        assert_eq!(weeks[10].tickets, 1);
        assert_eq!(weeks.iter().map(|w| w.tickets).sum::<u64>(), 3);
    }
}
