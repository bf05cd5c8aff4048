//! A group's evidence, from its members' note fields and times: what a
//! team reads before it decides to spend a fix on the problem.
//!
//! Everything is counted as of a moment (`as_of`), so the same tickets give
//! the same evidence however late it is asked for. Texts are compared with
//! case and spacing folded; each list keeps its most frequent values, ties
//! by first appearance.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use time::OffsetDateTime;

use crate::model::Ticket;

/// Values listed per field, the most frequent first.
const TOP: usize = 5;
/// Customers listed by name (all are counted).
const CUSTOMERS_SHOWN: usize = 10;
/// Weeks of manual minutes listed, the latest first.
const WEEKS_SHOWN: usize = 12;

/// A value and how many tickets carry it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Counted {
    pub value: String,
    pub tickets: usize,
}

/// Manual work the problem caused.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ManualWork {
    /// Tickets that report manual work (a `manual_work` text or minutes).
    pub tickets: usize,
    pub total_minutes: u64,
    /// ISO week (`2026-W48`) → minutes, the latest `WEEKS_SHOWN` weeks
    /// with any.
    pub weekly_minutes: BTreeMap<String, u64>,
    /// What the manual work was, the most common first.
    pub what: Vec<Counted>,
}

/// Detection and resolution times of the ops notes that carry them, in
/// minutes.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct IncidentTimes {
    /// Notes with both `detected_at` and `resolved_at`.
    pub resolved: usize,
    pub median_minutes_to_resolve: Option<f64>,
    /// From the ticket's `created_at` (when the failure began, as ops
    /// notes record it) to `detected_at`, for notes whose detection came
    /// after it.
    pub detected: usize,
    pub median_minutes_to_detect: Option<f64>,
    /// Services named, the most common first.
    pub services: Vec<Counted>,
    /// Largest share of users affected that a note reports, in percent.
    pub max_users_affected_pct: Option<f64>,
    /// Revenue impact summed over the notes that report one.
    pub revenue: Option<f64>,
}

/// What a group's tickets say about it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Evidence {
    pub tickets: usize,
    /// What users saw: the most common titles (else first lines) and
    /// `user_saw` notes.
    pub users_saw: Vec<Counted>,
    /// The task users could not finish (`user_task`).
    pub blocked_tasks: Vec<Counted>,
    /// What failed first (`first_failure`).
    pub failed_first: Vec<Counted>,
    pub manual_work: ManualWork,
    /// Changes made on the days it happened, deduplicated, most common first.
    pub changes_that_day: Vec<Counted>,
    /// Tickets by source (support and ops side by side).
    pub by_source: BTreeMap<String, usize>,
    /// Distinct customers affected, and the most frequent of them.
    pub customers: usize,
    pub top_customers: Vec<Counted>,
    /// Tickets created in the 90 days up to `as_of`.
    pub repeats_90d: usize,
    pub incidents: IncidentTimes,
}

impl Evidence {
    /// The evidence of `tickets` (a group's members) as of `as_of`;
    /// tickets created after it are left out.
    pub fn of(tickets: &[Ticket], as_of: OffsetDateTime) -> Evidence {
        let tickets: Vec<&Ticket> = tickets.iter().filter(|t| t.created_at <= as_of).collect();
        let mut e = Evidence {
            tickets: tickets.len(),
            ..Evidence::default()
        };
        let mut saw = Tally::default();
        let mut tasks = Tally::default();
        let mut first = Tally::default();
        let mut manual = Tally::default();
        let mut changes = Tally::default();
        let mut customers = Tally::default();
        let mut services = Tally::default();
        let mut weekly: BTreeMap<(i32, u8), u64> = BTreeMap::new();
        let mut to_resolve = Vec::new();
        let mut to_detect = Vec::new();
        for t in &tickets {
            let seen = if t.title.trim().is_empty() {
                t.body.lines().find(|l| !l.trim().is_empty()).unwrap_or("")
            } else {
                &t.title
            };
            saw.add(seen);
            if let Some(s) = &t.user_saw {
                saw.add(s);
            }
            tasks.add_some(t.user_task.as_deref());
            first.add_some(t.first_failure.as_deref());
            changes.add_some(t.changes_that_day.as_deref());
            customers.add_some(t.customer.as_deref());
            services.add_some(t.service.as_deref());
            *e.by_source
                .entry(t.source.as_str().to_string())
                .or_default() += 1;
            if as_of - t.created_at <= time::Duration::days(90) {
                e.repeats_90d += 1;
            }
            if t.manual_work.is_some() || t.manual_minutes.is_some() {
                e.manual_work.tickets += 1;
            }
            manual.add_some(t.manual_work.as_deref());
            if let Some(m) = t.manual_minutes {
                e.manual_work.total_minutes += u64::from(m);
                let (year, week, _) = t.created_at.to_iso_week_date();
                *weekly.entry((year, week)).or_default() += u64::from(m);
            }
            if let (Some(d), Some(r)) = (t.detected_at, t.resolved_at) {
                to_resolve.push((r - d).as_seconds_f64() / 60.0);
            }
            if let Some(d) = t.detected_at
                && d > t.created_at
            {
                to_detect.push((d - t.created_at).as_seconds_f64() / 60.0);
            }
        }
        e.users_saw = saw.top(TOP);
        e.blocked_tasks = tasks.top(TOP);
        e.failed_first = first.top(TOP);
        e.manual_work.what = manual.top(TOP);
        e.changes_that_day = changes.top(usize::MAX);
        e.customers = customers.distinct();
        e.top_customers = customers.top(CUSTOMERS_SHOWN);
        e.manual_work.weekly_minutes = weekly
            .into_iter()
            .rev()
            .take(WEEKS_SHOWN)
            .map(|((y, w), m)| (format!("{y}-W{w:02}"), m))
            .collect();
        e.incidents = IncidentTimes {
            resolved: to_resolve.len(),
            median_minutes_to_resolve: median(&mut to_resolve),
            detected: to_detect.len(),
            median_minutes_to_detect: median(&mut to_detect),
            services: services.top(TOP),
            max_users_affected_pct: tickets
                .iter()
                .filter_map(|t| t.impact.as_ref()?.users_pct)
                .reduce(f64::max),
            revenue: tickets
                .iter()
                .filter_map(|t| t.impact.as_ref()?.revenue)
                .reduce(|a, b| a + b),
        };
        e
    }
}

fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    Some(if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    })
}

/// Texts counted with case and spacing folded; each keeps the spelling it
/// was first seen with.
#[derive(Default)]
struct Tally {
    seen: HashMap<String, (usize, usize, String)>,
}

impl Tally {
    fn add(&mut self, text: &str) {
        let key = text
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        if key.is_empty() {
            return;
        }
        let order = self.seen.len();
        self.seen
            .entry(key)
            .or_insert_with(|| (0, order, text.trim().to_string()))
            .0 += 1;
    }

    fn add_some(&mut self, text: Option<&str>) {
        if let Some(t) = text {
            self.add(t);
        }
    }

    fn distinct(&self) -> usize {
        self.seen.len()
    }

    fn top(&self, n: usize) -> Vec<Counted> {
        let mut all: Vec<&(usize, usize, String)> = self.seen.values().collect();
        all.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        all.into_iter()
            .take(n)
            .map(|(count, _, value)| Counted {
                value: value.clone(),
                tickets: *count,
            })
            .collect()
    }
}

/// A bare ticket for tests of the roadmap's pieces.
#[cfg(test)]
pub(crate) mod tests_support {
    use time::OffsetDateTime;

    use crate::model::{Source, Ticket, TicketId};

    pub fn ticket(id: &str, at: OffsetDateTime) -> Ticket {
        Ticket {
            id: TicketId::parse(id).expect("id"),
            source: Source::parse("support").expect("source"),
            created_at: at,
            title: String::new(),
            body: String::new(),
            tags: vec![],
            customer: None,
            user_saw: None,
            user_task: None,
            first_failure: None,
            manual_work: None,
            manual_minutes: None,
            changes_that_day: None,
            service: None,
            severity: None,
            detected_at: None,
            resolved_at: None,
            impact: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::model::{Impact, Source};

    fn ticket(id: &str, source: &str, at: OffsetDateTime) -> Ticket {
        let mut t = tests_support::ticket(id, at);
        t.source = Source::parse(source).expect("source");
        t
    }

    #[test]
    fn evidence_equals_hand_counted_values() {
        let now = datetime!(2026-11-30 12:00 UTC);
        let mut a = ticket("a", "support", datetime!(2026-11-23 09:00 UTC)); // ISO week 2026-W48
        a.title = "Login loop after SSO".into();
        a.user_task = Some("sign in to the dashboard".into());
        a.manual_work = Some("reset sessions by hand".into());
        a.manual_minutes = Some(15);
        a.customer = Some("Acme".into());
        a.changes_that_day = Some("deploy 4460".into());
        let mut b = ticket("b", "support", datetime!(2026-11-24 10:00 UTC));
        b.title = "login  LOOP after sso".into(); // the same phrasing, folded
        b.user_task = Some("Sign in to the dashboard".into());
        b.manual_minutes = Some(20);
        b.customer = Some("Acme".into());
        b.changes_that_day = Some("Deploy 4460".into());
        let mut c = ticket("c", "ops", datetime!(2026-11-16 08:00 UTC)); // 2026-W47
        c.body = "\nSAML assertion rejected\nmore".into();
        c.first_failure = Some("IdP certificate rotation".into());
        c.manual_minutes = Some(30);
        c.customer = Some("Beta".into());
        c.service = Some("auth-gateway".into());
        c.detected_at = Some(datetime!(2026-11-16 08:10 UTC));
        c.resolved_at = Some(datetime!(2026-11-16 09:10 UTC));
        c.impact = Some(Impact {
            users_pct: Some(12.5),
            revenue: Some(300.0),
        });
        let mut d = ticket("d", "ops", datetime!(2026-07-01 08:00 UTC)); // over 90 days before
        d.detected_at = Some(datetime!(2026-07-01 08:00 UTC));
        d.resolved_at = Some(datetime!(2026-07-01 10:00 UTC));
        d.impact = Some(Impact {
            users_pct: Some(40.0),
            revenue: None,
        });
        let late = ticket("late", "support", datetime!(2026-12-05 08:00 UTC)); // after as_of
        let e = Evidence::of(&[a, b, c, d, late], now);
        assert_eq!(e.tickets, 4);
        assert_eq!(
            e.users_saw[0],
            Counted {
                value: "Login loop after SSO".into(),
                tickets: 2
            }
        );
        assert_eq!(
            e.users_saw[1].value, "SAML assertion rejected",
            "first non-empty body line"
        );
        assert_eq!(
            e.blocked_tasks,
            [Counted {
                value: "sign in to the dashboard".into(),
                tickets: 2
            }]
        );
        assert_eq!(e.failed_first[0].value, "IdP certificate rotation");
        assert_eq!(e.manual_work.tickets, 3);
        assert_eq!(e.manual_work.total_minutes, 65);
        assert_eq!(
            e.manual_work.weekly_minutes,
            BTreeMap::from([("2026-W47".to_string(), 30), ("2026-W48".to_string(), 35)])
        );
        assert_eq!(
            e.changes_that_day,
            [Counted {
                value: "deploy 4460".into(),
                tickets: 2
            }]
        );
        assert_eq!(
            e.by_source,
            BTreeMap::from([("ops".to_string(), 2), ("support".to_string(), 2)])
        );
        assert_eq!((e.customers, e.top_customers[0].tickets), (2, 2));
        assert_eq!(e.repeats_90d, 3);
        assert_eq!(e.incidents.resolved, 2);
        assert_eq!(
            e.incidents.median_minutes_to_resolve,
            Some(90.0),
            "60 and 120 minutes"
        );
        assert_eq!(e.incidents.detected, 1);
        assert_eq!(e.incidents.median_minutes_to_detect, Some(10.0));
        assert_eq!(e.incidents.services[0].value, "auth-gateway");
        assert_eq!(e.incidents.max_users_affected_pct, Some(40.0));
        assert_eq!(e.incidents.revenue, Some(300.0));
        assert_eq!(Evidence::of(&[], now), Evidence::default());
    }
}
