//! The weekly digest: what a team reads in its channel on Monday — the
//! top items with their score changes, what is new, what came back, what
//! the fixes did, what waits on a decision, and the week's counts.

use serde::Serialize;
use time::OffsetDateTime;

use super::Standing;
use super::verify::Verdict;
use super::weekly::Since;
use crate::model::{GroupStatus, IsoWeek, ReviewId, count_of};

/// Items in the digest's top list.
pub const TOP: usize = 5;

/// One of the top items.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopItem {
    pub rank: usize,
    pub group: String,
    pub name: String,
    pub score: f64,
    pub band: String,
    /// Since the last review before this week (`None`: not scored then).
    pub score_delta: Option<f64>,
    pub status: &'static str,
    pub owner: Option<String>,
    /// Ready for the roadmap (all five questions answered).
    pub ready: bool,
    pub tickets_this_week: u64,
}

/// A group confirmed this week.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewGroup {
    pub group: String,
    pub name: String,
    pub tickets: usize,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A fixed group whose problem came back.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Regression {
    pub group: String,
    pub name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub fixed_at: OffsetDateTime,
    pub repeats_after_fix: usize,
    pub owner: Option<String>,
}

/// A fix and what it did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fix {
    pub group: String,
    pub name: String,
    pub status: &'static str,
    #[serde(with = "time::serde::rfc3339")]
    pub fixed_at: OffsetDateTime,
    pub verdict: Verdict,
    pub before_per_week: f64,
    pub after_per_week: f64,
}

/// An item waiting on the team: stale or overdue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Waiting {
    pub group: String,
    pub name: String,
    pub owner: Option<String>,
    pub review_by: Option<String>,
    /// For stale items: reviews in a row without a decision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reviews_without_decision: Option<u32>,
}

/// Tickets of one source this week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceCount {
    pub source: String,
    pub tickets: u64,
    /// Of them, in a confirmed group.
    pub grouped: u64,
}

/// The digest of one week.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Digest {
    pub week: IsoWeek,
    #[serde(with = "time::serde::rfc3339")]
    pub starts: OffsetDateTime,
    /// The moment counted up to: the end of the week, or now for the
    /// current one.
    #[serde(with = "time::serde::rfc3339")]
    pub as_of: OffsetDateTime,
    /// The review score deltas are taken from.
    pub compared_with: Option<ReviewId>,
    pub top: Vec<TopItem>,
    pub new_groups: Vec<NewGroup>,
    pub regressions: Vec<Regression>,
    pub fixes: Vec<Fix>,
    pub stale: Vec<Waiting>,
    pub overdue: Vec<Waiting>,
    pub counts: Vec<SourceCount>,
}

impl Digest {
    /// The digest of `week` as of `as_of`, from every group's standing
    /// then, the review before the week (`compared`: deltas), the latest
    /// review up to `as_of` (`current`: stale items) and the week's
    /// counts by source.
    pub fn of(
        week: IsoWeek,
        as_of: OffsetDateTime,
        standings: &[Standing],
        compared: &Since,
        current: &Since,
        counts: Vec<SourceCount>,
    ) -> Digest {
        let this_week = |s: &Standing| {
            s.weekly
                .iter()
                .find(|w| w.week == week)
                .map_or(0, |w| w.tickets)
        };
        let top = super::ranked(standings)
            .into_iter()
            .take(TOP)
            .enumerate()
            .map(|(i, s)| TopItem {
                rank: i + 1,
                group: s.group.id.to_string(),
                name: s.group.name.clone(),
                score: s.score.score,
                band: s.score.band.clone(),
                score_delta: compared.delta(&s.group.id, s.score.score),
                status: s.group.status.as_str(),
                owner: s.group.owner.clone(),
                ready: s.readiness.ready(),
                tickets_this_week: this_week(s),
            })
            .collect();
        let mut new_groups: Vec<NewGroup> = standings
            .iter()
            .filter(|s| s.group.created_at >= week.start() && s.group.created_at < week.end())
            .map(|s| NewGroup {
                group: s.group.id.to_string(),
                name: s.group.name.clone(),
                tickets: s.evidence.tickets,
                created_at: s.group.created_at,
            })
            .collect();
        new_groups.sort_by(|a, b| {
            b.tickets
                .cmp(&a.tickets)
                .then_with(|| a.group.cmp(&b.group))
        });
        let regressions = standings
            .iter()
            .filter(|s| s.regressed())
            .filter_map(|s| {
                Some(Regression {
                    group: s.group.id.to_string(),
                    name: s.group.name.clone(),
                    fixed_at: s.group.fixed_at?,
                    repeats_after_fix: s.verification.as_ref()?.repeats_after_fix,
                    owner: s.group.owner.clone(),
                })
            })
            .collect();
        let fixes = standings
            .iter()
            .filter(|s| matches!(s.group.status, GroupStatus::Fixed | GroupStatus::Verified))
            .filter_map(|s| {
                let v = s.verification.as_ref()?;
                Some(Fix {
                    group: s.group.id.to_string(),
                    name: s.group.name.clone(),
                    status: s.group.status.as_str(),
                    fixed_at: s.group.fixed_at?,
                    verdict: v.verdict,
                    before_per_week: v.before_per_week,
                    after_per_week: v.after_per_week,
                })
            })
            .collect();
        let stale = current
            .stale_items()
            .into_iter()
            .map(|i| Waiting {
                group: i.group.to_string(),
                name: i.name.clone(),
                owner: i.owner.clone(),
                review_by: i.review_by.clone(),
                reviews_without_decision: Some(i.reviews_without_decision),
            })
            .collect();
        let overdue = super::ranked(standings)
            .into_iter()
            .filter(|s| s.overdue)
            .map(|s| Waiting {
                group: s.group.id.to_string(),
                name: s.group.name.clone(),
                owner: s.group.owner.clone(),
                review_by: s.group.review_by.clone(),
                reviews_without_decision: None,
            })
            .collect();
        Digest {
            week,
            starts: week.start(),
            as_of,
            compared_with: compared.review().cloned(),
            top,
            new_groups,
            regressions,
            fixes,
            stale,
            overdue,
            counts,
        }
    }

    /// The digest as Markdown for an e-mail or a chat that renders it
    /// (`Flavour::Markdown`), or as Slack's mrkdwn (`Flavour::Slack`).
    pub fn render(&self, flavour: Flavour) -> String {
        let bold = |s: &str| match flavour {
            Flavour::Markdown => format!("**{s}**"),
            Flavour::Slack => format!("*{s}*"),
        };
        let heading = |s: &str| match flavour {
            Flavour::Markdown => format!("\n### {s}\n"),
            Flavour::Slack => format!("\n*{s}*\n"),
        };
        let last_day = self.week.end() - time::Duration::days(1);
        let mut out = match flavour {
            Flavour::Markdown => format!(
                "## refrain weekly digest · {} ({} – {})\n",
                self.week,
                day(self.starts),
                day(last_day)
            ),
            Flavour::Slack => format!(
                "*refrain weekly digest · {} ({} – {})*\n",
                self.week,
                day(self.starts),
                day(last_day)
            ),
        };
        let who = |owner: &Option<String>| owner.as_deref().unwrap_or("nobody").to_string();
        let since = self
            .compared_with
            .as_ref()
            .map_or(String::new(), |r| format!(" (change since review {r})"));
        out += &heading(&format!("Top {TOP} by score{since}"));
        for t in &self.top {
            out += &format!(
                "{}. {} ({}) · {} points, {}, {} · {} · owner {} · {} this week\n",
                t.rank,
                bold(&t.name),
                t.group,
                number(t.score),
                t.band,
                t.score_delta.map_or("new".to_string(), signed),
                if t.ready { "ready" } else { "not ready" },
                who(&t.owner),
                t.tickets_this_week
            );
        }
        none_if_empty(&mut out, self.top.is_empty());
        out += &heading("New groups");
        for g in &self.new_groups {
            out += &format!(
                "- {} ({}) · {}\n",
                bold(&g.name),
                g.group,
                count_of(g.tickets as u64, "ticket")
            );
        }
        none_if_empty(&mut out, self.new_groups.is_empty());
        out += &heading("Regressions");
        for r in &self.regressions {
            out += &format!(
                "- {} ({}) · {} since the fix on {} · owner {}\n",
                bold(&r.name),
                r.group,
                count_of(r.repeats_after_fix as u64, "ticket"),
                day(r.fixed_at),
                who(&r.owner)
            );
        }
        none_if_empty(&mut out, self.regressions.is_empty());
        out += &heading("Fixes");
        for f in &self.fixes {
            out += &format!(
                "- {} ({}) · fixed {} · {}: {} → {} tickets a week\n",
                bold(&f.name),
                f.group,
                day(f.fixed_at),
                verdict(f.verdict),
                number(f.before_per_week),
                number(f.after_per_week)
            );
        }
        none_if_empty(&mut out, self.fixes.is_empty());
        out += &heading("Stale (two reviews or more without a decision)");
        for w in &self.stale {
            out += &format!(
                "- {} ({}) · {} reviews · owner {} · review by {}\n",
                bold(&w.name),
                w.group,
                w.reviews_without_decision.unwrap_or(0),
                who(&w.owner),
                w.review_by.as_deref().unwrap_or("not set")
            );
        }
        none_if_empty(&mut out, self.stale.is_empty());
        out += &heading("Overdue");
        for w in &self.overdue {
            out += &format!(
                "- {} ({}) · review by {} · owner {}\n",
                bold(&w.name),
                w.group,
                w.review_by.as_deref().unwrap_or("not set"),
                who(&w.owner)
            );
        }
        none_if_empty(&mut out, self.overdue.is_empty());
        out += &heading("This week's tickets");
        for c in &self.counts {
            out += &format!("- {}: {} ({} in groups)\n", c.source, c.tickets, c.grouped);
        }
        none_if_empty(&mut out, self.counts.is_empty());
        out
    }
}

/// How the digest's text is marked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    Markdown,
    /// Slack's mrkdwn: `*bold*`, no headings.
    Slack,
}

fn none_if_empty(out: &mut String, empty: bool) {
    if empty {
        out.push_str("- none\n");
    }
}

fn day(at: OffsetDateTime) -> String {
    let d = at.date();
    format!("{}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// `27`, `4.5`, `0.33`: no trailing zeros.
fn number(x: f64) -> String {
    let s = format!("{:.2}", (x * 100.0).round() / 100.0);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn signed(x: f64) -> String {
    if x == 0.0 {
        "±0".to_string()
    } else if x > 0.0 {
        format!("+{}", number(x))
    } else {
        number(x)
    }
}

fn verdict(v: Verdict) -> &'static str {
    match v {
        Verdict::Worked => "worked",
        Verdict::Partly => "partly",
        Verdict::NotYet => "not yet",
        Verdict::TooEarly => "too early",
    }
}
