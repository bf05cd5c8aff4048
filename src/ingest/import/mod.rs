//! Importers for the exports teams already have: Zendesk, Jira, PagerDuty,
//! ServiceNow, Intercom, and any CSV by a column mapping.
//!
//! Each maps one documented export shape onto [`TicketDraft`]s, which then
//! go through the same validation as refrain's own format. Ids keep the
//! vendor's id, namespaced by format (`zendesk:4521`), so a re-import of
//! the same export changes nothing and two systems never collide. A record
//! that cannot be mapped (no id, a time in no known format, no text) is
//! reported with its record index or line and the field at fault; the rest
//! is imported. Field mappings: `docs/importers.md`.

mod intercom;
mod jira;
mod mapped;
mod pagerduty;
mod records;
mod servicenow;
mod times;
mod zendesk;

use std::collections::BTreeMap;

use serde::Deserialize;

pub use mapped::ColumnMap;

use super::{BatchError, ParsedItem};

/// The export formats refrain imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vendor {
    /// Zendesk: the incremental export API's tickets JSON, or the account
    /// export's `tickets.json` (one ticket per line, with comments).
    Zendesk,
    /// Jira: the "Export Excel CSV (all fields)" file, or REST search JSON.
    Jira,
    /// PagerDuty: `GET /incidents` JSON, and `GET /log_entries` JSON.
    Pagerduty,
    /// ServiceNow: the incident table's Table API JSON, or its CSV export.
    Servicenow,
    /// Intercom: conversations JSON (REST, or an export of it).
    Intercom,
}

impl Vendor {
    /// The name used on the command line and in `?format=`, and as the
    /// ids' namespace.
    pub fn name(self) -> &'static str {
        match self {
            Vendor::Zendesk => "zendesk",
            Vendor::Jira => "jira",
            Vendor::Pagerduty => "pagerduty",
            Vendor::Servicenow => "servicenow",
            Vendor::Intercom => "intercom",
        }
    }

    /// The vendor named `name`, if any.
    pub fn parse(name: &str) -> Option<Vendor> {
        [
            Vendor::Zendesk,
            Vendor::Jira,
            Vendor::Pagerduty,
            Vendor::Servicenow,
            Vendor::Intercom,
        ]
        .into_iter()
        .find(|v| v.name() == name)
    }

    /// The `source` of its tickets unless the import says otherwise:
    /// help desks are support, incident tools ops.
    fn default_source(self) -> &'static str {
        match self {
            Vendor::Zendesk | Vendor::Intercom | Vendor::Jira => "support",
            Vendor::Pagerduty | Vendor::Servicenow => "ops",
        }
    }
}

/// The `[import]` config table.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ImportSettings {
    /// Vendor tag (or label, or category) → one of refrain's tags.
    /// Vendor tags not listed are dropped; `via:<channel>` keys map a
    /// Zendesk channel.
    pub tags: BTreeMap<String, String>,
}

/// What one import is told besides the bytes.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The tickets' `source`; by default `support` for help desks, `ops`
    /// for incident tools.
    pub source: Option<String>,
    pub settings: ImportSettings,
}

/// Maps one export file of `vendor` to parsed items, one per record.
///
/// # Errors
/// A file that is not the format at all (not JSON where JSON is expected,
/// no header row): nothing of it can be read.
pub fn import(
    vendor: Vendor,
    bytes: &[u8],
    options: &ImportOptions,
) -> Result<Vec<ParsedItem>, BatchError> {
    let records = match vendor {
        Vendor::Zendesk => zendesk::records(bytes)?,
        Vendor::Jira => jira::records(bytes)?,
        Vendor::Pagerduty => pagerduty::records(bytes)?,
        Vendor::Servicenow => servicenow::records(bytes)?,
        Vendor::Intercom => intercom::records(bytes)?,
    };
    Ok(records
        .into_iter()
        .map(|r| r.finish(vendor.name(), vendor.default_source(), options))
        .collect())
}

/// Maps a CSV file with arbitrary columns by `map`.
///
/// # Errors
/// No header row, or a mapped column the header lacks.
pub fn import_mapped(
    bytes: &[u8],
    map: &ColumnMap,
    options: &ImportOptions,
) -> Result<Vec<ParsedItem>, BatchError> {
    Ok(mapped::records(bytes, map)?
        .into_iter()
        .map(|r| r.finish(map.namespace(), "support", options))
        .collect())
}
