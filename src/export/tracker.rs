//! Issue payloads for promoted items: Jira's REST bulk-create shape, and
//! a generic shape for Linear, GitHub or any tracker a script feeds.

use serde::Serialize;

use crate::deliver::JiraSettings;
use crate::model::count_of;
use crate::roadmap::Standing;

/// `POST /rest/api/2/issue/bulk`'s body.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JiraBulk {
    pub issue_updates: Vec<JiraIssue>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JiraIssue {
    pub fields: JiraFields,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JiraFields {
    pub project: Key,
    pub issuetype: Name,
    pub summary: String,
    pub description: String,
    pub labels: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Key {
    pub key: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Name {
    pub name: String,
}

/// One issue in the generic shape.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Issue {
    pub group: String,
    pub title: String,
    /// Markdown.
    pub body: String,
    pub labels: Vec<String>,
    pub score: f64,
    pub band: String,
    /// The issue refrain already created for the group, if any.
    pub tracker_key: Option<String>,
}

/// Jira's summary holds at most 255 characters; `truncate` adds an ellipsis.
const SUMMARY_MAX: usize = 254;

/// The issue title: the group's problem sentence, else its name.
fn title(s: &Standing) -> String {
    let problem = s.group.plan.problem.as_deref().map(str::trim);
    let text = problem.filter(|p| !p.is_empty()).unwrap_or(&s.group.name);
    crate::model::truncate(text, SUMMARY_MAX)
}

fn labels(s: &Standing, settings: &JiraSettings) -> Vec<String> {
    let mut labels = settings.labels.clone();
    for l in ["refrain".to_string(), format!("refrain-{}", s.group.id)] {
        if !labels.contains(&l) {
            labels.push(l);
        }
    }
    labels
}

/// The description: the evidence and counts a planner needs, as plain
/// lines that read the same in Jira, Linear and GitHub.
pub fn description(s: &Standing) -> String {
    let e = &s.evidence;
    let mut lines = vec![format!(
        "refrain group {} ({}): {}, {} in the last 90 days.",
        s.group.id,
        s.group.name,
        count_of(e.tickets as u64, "ticket"),
        e.repeats_90d
    )];
    if let Some(p) = &s.group.plan.problem {
        lines.push(format!("Problem: {p}"));
    }
    if let Some(r) = &s.group.plan.expected_result {
        lines.push(format!("Expected result: {r}"));
    }
    if let Some(m) = &s.group.plan.measure {
        lines.push(format!("Measured by: {m}"));
    }
    lines.push(format!(
        "Score: {} ({}): {}",
        s.score.score,
        s.score.band,
        s.score
            .breakdown
            .iter()
            .map(|p| format!("{} {}", p.factor, p.points))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    if !e.users_saw.is_empty() {
        lines.push("What users saw:".into());
        for c in e.users_saw.iter().take(3) {
            lines.push(format!(
                "- {} ({})",
                c.value,
                count_of(c.tickets as u64, "ticket")
            ));
        }
    }
    if e.manual_work.tickets > 0 {
        lines.push(format!(
            "Manual work: {} over {}.",
            count_of(e.manual_work.total_minutes, "minute"),
            count_of(e.manual_work.tickets as u64, "ticket")
        ));
    }
    if e.customers > 0 {
        lines.push(format!("Customers affected: {}.", e.customers));
    }
    let sources: Vec<String> = e
        .by_source
        .iter()
        .map(|(s, n)| format!("{s} {n}"))
        .collect();
    lines.push(format!("Sources: {}.", sources.join(", ")));
    if let Some(owner) = &s.group.owner {
        lines.push(format!("Owner: {owner}."));
    }
    lines.join("\n")
}

/// One Jira issue for a promoted item.
pub fn jira_issue(s: &Standing, settings: &JiraSettings) -> JiraIssue {
    JiraIssue {
        fields: JiraFields {
            project: Key {
                key: settings.project.clone(),
            },
            issuetype: Name {
                name: settings.issue_type.clone(),
            },
            summary: title(s),
            description: description(s),
            labels: labels(s, settings),
        },
    }
}

/// The bulk payload for `promoted` items without a tracker item yet.
pub fn jira_bulk(promoted: &[&Standing], settings: &JiraSettings) -> JiraBulk {
    JiraBulk {
        issue_updates: promoted
            .iter()
            .filter(|s| !s.group.plan.has_tracker_item())
            .map(|s| jira_issue(s, settings))
            .collect(),
    }
}

/// Every promoted item in the generic shape, with the key of its issue
/// when it has one.
pub fn generic(promoted: &[&Standing], settings: &JiraSettings) -> Vec<Issue> {
    promoted
        .iter()
        .map(|s| Issue {
            group: s.group.id.to_string(),
            title: title(s),
            body: description(s),
            labels: labels(s, settings),
            score: s.score.score,
            band: s.score.band.clone(),
            tracker_key: s.group.plan.tracker_key.clone(),
        })
        .collect()
}
