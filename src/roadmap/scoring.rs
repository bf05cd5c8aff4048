//! The scoring file: how a team ranks its groups, kept in git and changed
//! by pull request (`scoring.toml`; `scoring.example.toml` in the repo).
//!
//! Each factor turns one value — an evidence metric, or a value a reviewer
//! sets on the group — into points by a step table (`points = [[at least,
//! points], …]`), times its weight (negative for effort). The score is the
//! sum, and the bands cut it into `promote`, `bundle` and `hygiene`, so
//! every score comes with the breakdown that explains it.
//!
//! A file is checked whole before it is used: every mistake is refused with
//! the line and the field at fault.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::Evidence;

/// Values a factor can read.
pub const INPUTS: [&str; 11] = [
    "repeats_90d",
    "tickets",
    "customers",
    "manual_minutes",
    "manual_tickets",
    "max_users_affected_pct",
    "revenue",
    "median_minutes_to_resolve",
    // Set by a reviewer on the group.
    "effort_days",
    "dependency_centrality",
    "fix_class",
];

/// What a group's fix takes, as a reviewer classes it.
pub const FIX_CLASSES: [&str; 4] = [
    "config-only",
    "code-change",
    "infrastructure",
    "process-automation",
];

/// One factor of the score.
#[derive(Debug, Clone, PartialEq)]
pub struct Factor {
    pub name: String,
    pub input: String,
    pub weight: f64,
    /// (at least this value, points), ascending.
    pub steps: Vec<(f64, f64)>,
    /// For `fix_class`: class → points.
    pub classes: BTreeMap<String, f64>,
}

/// A checked scoring file.
#[derive(Debug, Clone, PartialEq)]
pub struct Scoring {
    pub factors: Vec<Factor>,
    /// Band name → least score, highest first; below every band: `hygiene`.
    pub bands: Vec<(String, f64)>,
    /// When a fix counts as having worked.
    pub verification: super::verify::VerifySettings,
}

/// What a reviewer set on a group for scoring.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReviewerInputs {
    pub effort_days: Option<f64>,
    pub dependency_centrality: Option<f64>,
    pub fix_class: Option<String>,
}

/// A group's score with the points of each factor.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Score {
    pub score: f64,
    pub band: String,
    /// Each factor's points (weight applied), in the file's order; they
    /// sum to `score`.
    pub breakdown: Vec<Points>,
    /// Factors whose value is not known yet (a reviewer has not set it):
    /// they count 0.
    pub missing: Vec<String>,
}

/// One factor's share of a score.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Points {
    pub factor: String,
    pub points: f64,
}

/// A mistake in a scoring file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}:{line}: {field}: {reason}")]
pub struct ScoringError {
    pub path: String,
    pub line: usize,
    pub field: String,
    pub reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    factor: Vec<Spanned<FactorFile>>,
    bands: Spanned<BTreeMap<String, Spanned<f64>>>,
    #[serde(default)]
    verification: Option<Spanned<super::verify::VerifySettings>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FactorFile {
    name: Spanned<String>,
    input: Spanned<String>,
    #[serde(default = "one")]
    weight: Spanned<f64>,
    #[serde(default)]
    points: Option<Spanned<Vec<(f64, f64)>>>,
    #[serde(default)]
    classes: Option<Spanned<BTreeMap<String, f64>>>,
}

fn one() -> Spanned<f64> {
    Spanned::new(0..0, 1.0)
}

impl Scoring {
    /// Reads and checks the scoring file `text` (named `path` in errors).
    ///
    /// # Errors
    /// The first mistake, with its line and field.
    pub fn parse(path: &str, text: &str) -> Result<Scoring, ScoringError> {
        let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
        let fail = |offset: usize, field: &str, reason: String| ScoringError {
            path: path.to_string(),
            line: line_of(offset),
            field: field.to_string(),
            reason,
        };
        let file: File = toml::from_str(text).map_err(|e| {
            let at = e.span().map_or(0, |s| s.start);
            fail(at, "file", e.message().to_string())
        })?;
        if file.factor.is_empty() {
            return Err(fail(0, "factor", "list at least one [[factor]]".into()));
        }
        let mut factors: Vec<Factor> = Vec::new();
        for f in file.factor {
            let at = f.span().start;
            let f = f.into_inner();
            let name = f.name.get_ref().trim().to_string();
            if name.is_empty() {
                return Err(fail(
                    f.name.span().start,
                    "name",
                    "a factor needs a name".into(),
                ));
            }
            if factors.iter().any(|g| g.name == name) {
                return Err(fail(
                    f.name.span().start,
                    "name",
                    format!("factor '{name}' is listed twice"),
                ));
            }
            let input = f.input.get_ref().clone();
            if !INPUTS.contains(&input.as_str()) {
                return Err(fail(
                    f.input.span().start,
                    "input",
                    format!(
                        "'{input}' is not a value refrain scores; use one of {}",
                        INPUTS.join(", ")
                    ),
                ));
            }
            let weight = *f.weight.get_ref();
            if !weight.is_finite() || weight == 0.0 {
                return Err(fail(
                    f.weight.span().start.max(at),
                    "weight",
                    "weight must be a non-zero number (negative for effort)".into(),
                ));
            }
            let mut factor = Factor {
                name,
                input: input.clone(),
                weight,
                steps: Vec::new(),
                classes: BTreeMap::new(),
            };
            if input == "fix_class" {
                let Some(classes) = f.classes else {
                    return Err(fail(
                        at,
                        "classes",
                        format!(
                            "fix_class needs classes = {{ {} = points, … }}",
                            FIX_CLASSES.join(" = …, ")
                        ),
                    ));
                };
                for (class, points) in classes.get_ref() {
                    if !FIX_CLASSES.contains(&class.as_str()) {
                        return Err(fail(
                            classes.span().start,
                            "classes",
                            format!(
                                "'{class}' is not a fix class; use {}",
                                FIX_CLASSES.join(", ")
                            ),
                        ));
                    }
                    factor.classes.insert(class.clone(), *points);
                }
            } else {
                let Some(points) = f.points else {
                    return Err(fail(
                        at,
                        "points",
                        "give points = [[at least, points], …] in ascending order".into(),
                    ));
                };
                let steps = points.get_ref().clone();
                if steps.is_empty()
                    || steps.windows(2).any(|w| w[1].0 <= w[0].0)
                    || steps.iter().any(|s| !s.0.is_finite() || !s.1.is_finite())
                {
                    return Err(fail(points.span().start, "points", "steps must be finite [at least, points] pairs, at least one, in strictly ascending order".into()));
                }
                factor.steps = steps;
            }
            factors.push(factor);
        }
        let mut bands: Vec<(String, f64)> = Vec::new();
        for (name, at_least) in file.bands.get_ref() {
            if name == "hygiene" {
                return Err(fail(
                    at_least.span().start,
                    "bands",
                    "hygiene is what scores below every band; do not list it".into(),
                ));
            }
            if !at_least.get_ref().is_finite() {
                return Err(fail(
                    at_least.span().start,
                    "bands",
                    format!("band '{name}' needs a finite least score"),
                ));
            }
            bands.push((name.clone(), *at_least.get_ref()));
        }
        if bands.is_empty() {
            return Err(fail(
                file.bands.span().start,
                "bands",
                "list at least one band, e.g. promote = 24".into(),
            ));
        }
        bands.sort_by(|a, b| b.1.total_cmp(&a.1));
        if bands.windows(2).any(|w| w[0].1 == w[1].1) {
            return Err(fail(
                file.bands.span().start,
                "bands",
                "two bands have the same least score".into(),
            ));
        }
        let verification = match file.verification {
            None => super::verify::VerifySettings::default(),
            Some(v) => {
                v.get_ref()
                    .check()
                    .map_err(|reason| fail(v.span().start, "verification", reason))?;
                *v.get_ref()
            }
        };
        Ok(Scoring {
            factors,
            bands,
            verification,
        })
    }

    /// The score of a group with `evidence` and what its reviewer set.
    pub fn score(&self, evidence: &Evidence, set: &ReviewerInputs) -> Score {
        let mut breakdown = Vec::with_capacity(self.factors.len());
        let mut missing = Vec::new();
        for f in &self.factors {
            let points = if f.input == "fix_class" {
                set.fix_class
                    .as_ref()
                    .and_then(|c| f.classes.get(c))
                    .copied()
            } else {
                value(&f.input, evidence, set).map(|v| {
                    f.steps
                        .iter()
                        .take_while(|(at_least, _)| v >= *at_least)
                        .last()
                        .map_or(0.0, |(_, p)| *p)
                })
            };
            if points.is_none() {
                missing.push(f.name.clone());
            }
            breakdown.push(Points {
                factor: f.name.clone(),
                points: points.unwrap_or(0.0) * f.weight,
            });
        }
        let score = breakdown.iter().map(|p| p.points).sum::<f64>();
        let band = self
            .bands
            .iter()
            .find(|(_, at_least)| score >= *at_least)
            .map_or_else(|| "hygiene".to_string(), |(name, _)| name.clone());
        Score {
            score,
            band,
            breakdown,
            missing,
        }
    }
}

/// The value of `input` for a group; `None` when it is not known.
fn value(input: &str, e: &Evidence, set: &ReviewerInputs) -> Option<f64> {
    Some(match input {
        "repeats_90d" => e.repeats_90d as f64,
        "tickets" => e.tickets as f64,
        "customers" => e.customers as f64,
        "manual_minutes" => e.manual_work.total_minutes as f64,
        "manual_tickets" => e.manual_work.tickets as f64,
        "max_users_affected_pct" => e.incidents.max_users_affected_pct?,
        "revenue" => e.incidents.revenue?,
        "median_minutes_to_resolve" => e.incidents.median_minutes_to_resolve?,
        "effort_days" => set.effort_days?,
        "dependency_centrality" => set.dependency_centrality?,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> Scoring {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/scoring.example.toml"))
                .expect("the example file");
        Scoring::parse("scoring.example.toml", &text).expect("valid")
    }

    #[test]
    fn the_example_file_reproduces_the_worked_example() {
        // The worked example: factor scores 5, 4, 3, 5, 4, 3, -2, 2 → 24 → promote.
        let mut e = Evidence {
            repeats_90d: 42,
            customers: 9,
            ..Evidence::default()
        };
        e.manual_work.total_minutes = 400;
        e.manual_work.tickets = 20;
        e.incidents.max_users_affected_pct = Some(15.0);
        e.incidents.revenue = Some(2_500.0);
        let set = ReviewerInputs {
            effort_days: Some(6.0),
            dependency_centrality: Some(0.5),
            fix_class: Some("code-change".into()),
        };
        let s = example().score(&e, &set);
        let points: Vec<f64> = s.breakdown.iter().map(|p| p.points).collect();
        assert_eq!(points, [5.0, 4.0, 3.0, 5.0, 4.0, 3.0, -2.0, 2.0], "{s:?}");
        assert_eq!(s.score, 24.0);
        assert_eq!(s.band, "promote");
        assert!(s.missing.is_empty());
        let unknown = example().score(&Evidence::default(), &ReviewerInputs::default());
        assert_eq!(unknown.band, "hygiene");
        assert!(
            unknown.missing.contains(&"effort".to_string()),
            "{unknown:?}"
        );
    }

    #[test]
    fn bad_files_are_refused_with_line_and_field() {
        let ok_factor = "[[factor]]\nname = \"f\"\ninput = \"tickets\"\npoints = [[1, 1]]\n";
        for (text, line, field, says) in [
            ("[[factor]\n", 1, "file", "unclosed"),
            (
                "[bands]\npromote = 1\n",
                1,
                "file",
                "missing field `factor`",
            ),
            (
                &*format!("{ok_factor}[bands]\npromote = 1\n[extra]\n"),
                7,
                "file",
                "unknown field",
            ),
            (
                "[[factor]]\nname = \"f\"\ninput = \"loudness\"\npoints = [[1, 1]]\n[bands]\npromote = 1\n",
                3,
                "input",
                "'loudness'",
            ),
            (
                "[[factor]]\nname = \"f\"\ninput = \"tickets\"\npoints = [[5, 1], [2, 2]]\n[bands]\npromote = 1\n",
                4,
                "points",
                "ascending",
            ),
            (
                "[[factor]]\nname = \"f\"\ninput = \"tickets\"\n[bands]\npromote = 1\n",
                1,
                "points",
                "give points",
            ),
            (
                "[[factor]]\nname = \"f\"\ninput = \"tickets\"\nweight = 0\npoints = [[1, 1]]\n[bands]\npromote = 1\n",
                4,
                "weight",
                "non-zero",
            ),
            (
                "[[factor]]\nname = \"f\"\ninput = \"fix_class\"\nclasses = { rewrite = 3 }\n[bands]\npromote = 1\n",
                4,
                "classes",
                "'rewrite'",
            ),
            (
                &*format!("{ok_factor}{ok_factor}[bands]\npromote = 1\n"),
                6,
                "name",
                "twice",
            ),
            (
                &*format!("{ok_factor}[bands]\n"),
                5,
                "bands",
                "at least one band",
            ),
            (
                &*format!("{ok_factor}[bands]\npromote = 1\nbundle = 1\n"),
                5,
                "bands",
                "same least score",
            ),
            (
                &*format!("{ok_factor}[bands]\nhygiene = 0\n"),
                6,
                "bands",
                "do not list it",
            ),
        ] {
            let e = Scoring::parse("s.toml", text).expect_err(text);
            assert_eq!((e.line, e.field.as_str()), (line, field), "{text}\n=> {e}");
            assert!(e.to_string().contains(says), "{text}\n=> {e}");
            assert!(
                e.to_string()
                    .starts_with(&format!("s.toml:{line}: {field}: ")),
                "{e}"
            );
        }
    }
}
