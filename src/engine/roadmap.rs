//! What the roadmap reads from the groups: their evidence.

use time::OffsetDateTime;

use super::{Engine, EngineError, Result};
use crate::model::{Group, GroupId};
use crate::roadmap::verify::Verification;
use crate::roadmap::weekly::Since;
use std::sync::Arc;

use crate::roadmap::{Evidence, Roadmap, Scoring, Standing};

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
        Ok(self.group_standing(id, as_of)?.evidence)
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
        let s = self.group_standing(id, as_of)?;
        Ok((s.evidence, s.verification))
    }

    /// Where group `id` stands as of `as_of`.
    ///
    /// # Errors
    /// 404 for an unknown group; store errors.
    pub fn group_standing(&self, id: &GroupId, as_of: OffsetDateTime) -> Result<Standing> {
        let Some(group) = self.store.group(id)? else {
            return Err(EngineError::NotFound {
                what: "group",
                id: id.to_string(),
                hint: "list the groups with GET /v1/groups",
            });
        };
        self.standing_of(group, &self.scoring(), as_of)
    }

    /// The standing of a group already read.
    fn standing_of(
        &self,
        group: Group,
        scoring: &Scoring,
        as_of: OffsetDateTime,
    ) -> Result<Standing> {
        let tickets = self.member_tickets(&group.id)?;
        Ok(Standing::of(group, &tickets, scoring, as_of))
    }

    /// Every member ticket of `group`.
    pub(super) fn member_tickets(&self, group: &GroupId) -> Result<Vec<crate::model::Ticket>> {
        let members = self.store.group_members(group, 0, usize::MAX)?;
        let ids: Vec<String> = members.iter().map(|m| m.ticket.to_string()).collect();
        Ok(self.tickets(&ids)?.into_iter().map(|s| s.ticket).collect())
    }

    /// Every group's standing as of `as_of`, in the store's order.
    ///
    /// # Errors
    /// Store errors.
    pub fn standings(&self, as_of: OffsetDateTime) -> Result<Vec<Standing>> {
        let scoring = self.scoring();
        self.store
            .groups()?
            .into_iter()
            .map(|g| self.standing_of(g, &scoring, as_of))
            .collect()
    }

    /// The open and watched groups ranked by the scoring file, as of
    /// `as_of`: ready ones on the roadmap, the rest on the watchlist, with
    /// score deltas and stale flags from the last weekly review.
    ///
    /// # Errors
    /// Store errors.
    pub fn roadmap(&self, as_of: OffsetDateTime) -> Result<Roadmap> {
        let standings = self.standings(as_of)?;
        let since = Since::latest(&self.store.reviews()?, &self.store.calls()?, as_of);
        Ok(Roadmap::of(&standings, &since))
    }
}
