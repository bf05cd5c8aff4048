//! What the roadmap reads from the groups: their evidence.

use time::OffsetDateTime;

use super::{Engine, EngineError, Result};
use crate::model::GroupId;
use crate::roadmap::verify::{Verification, verify};
use crate::roadmap::{Evidence, Roadmap};

impl Engine {
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
        let members = self.store.group_members(id, 0, usize::MAX)?;
        let ids: Vec<String> = members.iter().map(|m| m.ticket.to_string()).collect();
        let tickets: Vec<_> = self.tickets(&ids)?.into_iter().map(|s| s.ticket).collect();
        let verification = group
            .fixed_at
            .map(|fixed| verify(&tickets, fixed, as_of, &self.config.scoring.verification));
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
            let evidence = self.group_evidence(&group.id, as_of)?;
            groups.push((group, evidence));
        }
        Ok(Roadmap::of(groups, &self.config.scoring))
    }
}
