//! What the roadmap reads from the groups: their evidence.

use time::OffsetDateTime;

use super::{Engine, EngineError, Result};
use crate::model::{Group, GroupId};
use crate::roadmap::verify::{Verification, verify};
use std::sync::Arc;

use crate::roadmap::{Evidence, Roadmap, Scoring};

/// What a reload of the scoring file found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ScoringReload {
    /// The file read, or `built-in` when none is configured.
    pub scoring: String,
    pub factors: Vec<String>,
    pub bands: Vec<String>,
}

impl Engine {
    /// The scoring file in use.
    pub fn scoring(&self) -> Arc<Scoring> {
        self.scoring
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Reads the scoring file again and, when it is valid, uses it from
    /// the next request on; without a configured file, the built-in one
    /// stays.
    ///
    /// # Errors
    /// [`EngineError::InvalidScoring`] with the line and field at fault
    /// (the file in use stays); an unreadable file.
    pub fn reload_scoring(&self) -> Result<ScoringReload> {
        let (name, scoring) = match &self.config.scoring_path {
            None => ("built-in".to_string(), self.scoring()),
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    EngineError::InvalidScoring(format!("cannot read {}: {e}", path.display()))
                })?;
                let scoring = Scoring::parse(&path.display().to_string(), &text)
                    .map_err(|e| EngineError::InvalidScoring(e.to_string()))?;
                (path.display().to_string(), Arc::new(scoring))
            }
        };
        let report = ScoringReload {
            scoring: name,
            factors: scoring.factors.iter().map(|f| f.name.clone()).collect(),
            bands: scoring.bands.iter().map(|(b, _)| b.clone()).collect(),
        };
        *self
            .scoring
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = scoring;
        tracing::info!(scoring = %report.scoring, "scoring file reloaded");
        Ok(report)
    }

    /// Group `id`'s evidence from all its members, as of `as_of`.
    ///
    /// # Errors
    /// 404 for an unknown group; store errors.
    pub fn group_evidence(&self, id: &GroupId, as_of: OffsetDateTime) -> Result<Evidence> {
        Ok(self.group_report(id, as_of)?.0)
    }

    /// Group `id`'s evidence, and for a fixed group whether the fix
    /// worked (the scoring file's `[verification]`), as of `as_of`.
    ///
    /// # Errors
    /// 404 for an unknown group; store errors.
    pub fn group_report(
        &self,
        id: &GroupId,
        as_of: OffsetDateTime,
    ) -> Result<(Evidence, Option<Verification>)> {
        let Some(group) = self.store.group(id)? else {
            return Err(EngineError::NotFound {
                what: "group",
                id: id.to_string(),
                hint: "list the groups with GET /v1/groups",
            });
        };
        self.report_of(&group, as_of)
    }

    /// The evidence and verification of a group already read.
    fn report_of(
        &self,
        group: &Group,
        as_of: OffsetDateTime,
    ) -> Result<(Evidence, Option<Verification>)> {
        let members = self.store.group_members(&group.id, 0, usize::MAX)?;
        let ids: Vec<String> = members.iter().map(|m| m.ticket.to_string()).collect();
        let tickets: Vec<_> = self.tickets(&ids)?.into_iter().map(|s| s.ticket).collect();
        let verification = group
            .fixed_at
            .map(|fixed| verify(&tickets, fixed, as_of, &self.scoring().verification));
        Ok((Evidence::of(&tickets, as_of), verification))
    }

    /// The open and watched groups ranked by the scoring file, as of
    /// `as_of`: ready ones on the roadmap, the rest on the watchlist.
    ///
    /// # Errors
    /// Store errors.
    pub fn roadmap(&self, as_of: OffsetDateTime) -> Result<Roadmap> {
        let mut groups = Vec::new();
        for group in self.store.groups()? {
            let (evidence, _) = self.report_of(&group, as_of)?;
            groups.push((group, evidence));
        }
        Ok(Roadmap::of(groups, &self.scoring(), as_of))
    }
}
