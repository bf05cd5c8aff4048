//! Importers: every mapped field of every format, read from fixtures
//! written to each vendor's documented export shape (tests/fixtures/import,
//! NOTES.md says which shape and what is awkward in each record).

use refrain::ingest::import::{ColumnMap, ImportOptions, Vendor, import, import_mapped};
use refrain::ingest::{BatchError, ParsedItem};
use refrain::model::TicketDraft;
use refrain::{Config, Engine, IngestPolicy};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/import/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture")
}

fn options() -> ImportOptions {
    let mut o = ImportOptions::default();
    for (from, to) in [
        ("sso", "weak-ux"),
        ("via:email", "weak-ux"),
        ("component:auth", "weak-ux"),
        ("software", "bad-data"),
    ] {
        o.settings.tags.insert(from.into(), to.into());
    }
    o
}

fn items(vendor: Vendor, name: &str) -> Vec<ParsedItem> {
    import(vendor, &fixture(name), &options()).expect("readable")
}

/// The draft with `id`, which must have mapped cleanly.
fn draft<'a>(items: &'a [ParsedItem], id: &str) -> &'a TicketDraft {
    items
        .iter()
        .find_map(|i| i.draft.as_ref().ok().filter(|d| d.id == id))
        .unwrap_or_else(|| {
            panic!(
                "{id} not mapped: {:?}",
                items.iter().map(|i| &i.draft).collect::<Vec<_>>()
            )
        })
}

fn body(d: &TicketDraft) -> &str {
    d.body.as_deref().unwrap_or("")
}

#[test]
fn zendesk_incremental_export() {
    let items = items(Vendor::Zendesk, "zendesk_incremental.json");
    assert_eq!(items.len(), 4, "the deleted ticket is skipped");
    let d = draft(&items, "zendesk:48211");
    assert_eq!(d.title.as_deref(), Some("Re: Login loop after SSO (Okta)"));
    assert!(body(d).contains("Okta"), "{}", body(d));
    assert_eq!(d.created_at.as_deref(), Some("2024-03-04T10:11:12Z"));
    assert_eq!(d.source.as_deref(), Some("support"));
    assert_eq!(d.customer.as_deref(), Some("organization:360017700001"));
    assert_eq!(
        d.tags.as_deref(),
        Some(&["weak-ux".to_string()][..]),
        "sso and via:email map to one tag"
    );
    let no_org = draft(&items, "zendesk:48212");
    assert_eq!(no_org.customer.as_deref(), Some("requester:39201780034"));
    assert_eq!(no_org.tags, None, "unmapped vendor tags are dropped");
    assert!(
        body(draft(&items, "zendesk:48214")).len() > 9_000,
        "long descriptions are kept"
    );
}

#[test]
fn zendesk_account_export_with_comments() {
    let items = items(Vendor::Zendesk, "zendesk_tickets.json");
    assert_eq!(items.len(), 5);
    assert!(
        items.iter().all(|i| i.line.is_some()),
        "one ticket per line: lines are reported"
    );
    let d = draft(&items, "zendesk:48301");
    assert_eq!(
        d.title.as_deref(),
        Some("Password reset e-mail never arrives")
    );
    assert_eq!(d.created_at.as_deref(), Some("2024-03-04T11:02:00Z"));
    let first = body(d).matches("asked for a password reset").count();
    assert_eq!(first, 1, "the first comment repeats the description: once");
    assert!(
        body(d).split("\n\n").count() > 1,
        "later comments follow: {}",
        body(d)
    );
    assert!(
        body(draft(&items, "zendesk:48305")).contains("hängen"),
        "UTF-8 kept"
    );
}

#[test]
fn jira_csv_export_with_repeated_columns() {
    let items = items(Vendor::Jira, "jira_export.csv");
    assert_eq!(items.len(), 5);
    let d = draft(&items, "jira:SUP-101");
    assert_eq!(
        d.title.as_deref(),
        Some("Login loop after SSO for Okta users")
    );
    assert_eq!(d.created_at.as_deref(), Some("2024-03-04T10:11:00Z"));
    assert_eq!(d.resolved_at.as_deref(), Some("2024-03-05T16:38:00Z"));
    assert_eq!(d.severity.as_deref(), Some("Sev 2"));
    assert_eq!(d.customer.as_deref(), Some("Acme Corp"));
    assert_eq!(
        d.tags.as_deref(),
        Some(&["weak-ux".to_string()][..]),
        "from the second Labels column or a component"
    );
    assert!(
        body(d).contains("Steps to reproduce:\n"),
        "a multi-line cell stays one field"
    );
    assert!(
        body(d).contains("\"Sign in with SSO\""),
        "doubled quotes read back"
    );
    assert!(
        body(d).contains("Confirmed in logs"),
        "comment text, without date and author"
    );
    assert!(!body(d).contains("5b10ac8d82e05b22cc7d4ef5"), "{}", body(d));
    assert!(body(d).contains("Okta — SCIM"), "UTF-8 fields stay UTF-8");
    let latin1 = draft(&items, "jira:SUP-103");
    assert_eq!(
        latin1.customer.as_deref(),
        Some("Café Lumière"),
        "a Latin-1 field is read as Latin-1"
    );
    assert_eq!(
        draft(&items, "jira:SUP-102").resolved_at,
        None,
        "no Resolved: none"
    );
}

#[test]
fn jira_rest_search_json_strings_and_adf() {
    let items = items(Vendor::Jira, "jira_search.json");
    let d = draft(&items, "jira:OPS-12");
    assert_eq!(d.created_at.as_deref(), Some("2024-03-04T10:11:12Z"));
    assert_eq!(d.severity.as_deref(), Some("High"));
    assert_eq!(d.tags.as_deref(), Some(&["weak-ux".to_string()][..]));
    assert_eq!(
        draft(&items, "jira:OPS-15").created_at.as_deref(),
        Some("2024-03-07T05:27:41-08:00")
    );
    let v3 = self::items(Vendor::Jira, "jira_search_jql_v3.json");
    assert!(!v3.is_empty());
    for i in &v3 {
        let d = i.draft.as_ref().expect("mapped");
        assert!(
            !body(d).contains("\"type\""),
            "ADF is read as its text: {}",
            body(d)
        );
    }
    assert!(
        v3.iter()
            .any(|i| body(i.draft.as_ref().unwrap()).contains("takes 40-60 s"))
    );
}

#[test]
fn pagerduty_incidents_and_log_entries() {
    let items = items(Vendor::Pagerduty, "pagerduty_incidents.json");
    let d = draft(&items, "pagerduty:Q2K8Z1YH0MRT3A");
    assert_eq!(d.title.as_deref(), Some("Checkout API p99 latency > 2s"));
    assert_eq!(d.source.as_deref(), Some("ops"));
    assert_eq!(d.service.as_deref(), Some("Checkout API"));
    assert_eq!(d.severity.as_deref(), Some("P1"), "priority first");
    assert_eq!(d.detected_at.as_deref(), Some("2024-03-05T08:31:02Z"));
    assert_eq!(d.resolved_at.as_deref(), Some("2024-03-05T09:47:30Z"));
    assert!(body(d).contains("p99 latency for POST"), "body.details");
    assert_eq!(
        draft(&items, "pagerduty:Q0RIJJZL24RC6W")
            .severity
            .as_deref(),
        Some("high"),
        "urgency without a priority"
    );
    assert_eq!(
        draft(&items, "pagerduty:PZQ81KD").resolved_at.as_deref(),
        Some("2024-03-07T11:01:58Z"),
        "resolved, no resolved_at: the last status change"
    );
    let notes = self::items(Vendor::Pagerduty, "pagerduty_log_entries.json");
    assert_eq!(
        notes.len(),
        4,
        "only notes: triggers and resolves are in the incident"
    );
    let n = draft(&notes, "pagerduty:Q0RIJJZL24RC6W/R6F7G8H9J0K1L2");
    assert!(body(n).starts_with("Root cause"), "{}", body(n));
    assert_eq!(n.service.as_deref(), Some("Webhook Dispatcher"));
}

#[test]
fn servicenow_json_raw_and_display_values_and_csv() {
    let raw = items(Vendor::Servicenow, "servicenow_incidents.json");
    let d = draft(&raw, "servicenow:INC0010023");
    assert_eq!(
        d.title.as_deref(),
        Some("Checkout times out at payment step")
    );
    assert_eq!(d.created_at.as_deref(), Some("2024-03-05T08:35:10Z"));
    assert_eq!(
        d.detected_at.as_deref(),
        Some("2024-03-05T08:33:00Z"),
        "opened_at"
    );
    assert_eq!(d.resolved_at.as_deref(), Some("2024-03-05T09:50:02Z"));
    assert_eq!(d.severity.as_deref(), Some("2"));
    assert!(
        body(d).contains("Added 10s client timeout"),
        "close notes follow the description"
    );
    assert_eq!(
        d.tags.as_deref(),
        Some(&["bad-data".to_string()][..]),
        "category through the tag map"
    );
    let empty = draft(&raw, "servicenow:INC0010024");
    assert_eq!(body(empty), "", "\"\" fields are absent");
    assert_eq!(empty.resolved_at, None);
    let display = items(Vendor::Servicenow, "servicenow_incidents_display.json");
    let d = draft(&display, "servicenow:INC0010123");
    assert_eq!(
        d.service.as_deref(),
        Some("checkout-api-prod"),
        "display value of the CI"
    );
    assert_eq!(
        d.created_at.as_deref(),
        Some("2024-03-05T08:35:10Z"),
        "times from the UTC value"
    );
    assert_eq!(d.severity.as_deref(), Some("2 - High"));
    let csv = items(Vendor::Servicenow, "servicenow_incidents.csv");
    let d = draft(&csv, "servicenow:INC0010225");
    assert!(
        body(d).contains("Steps:\r\n1. Open Billing"),
        "CRLF inside a cell kept"
    );
    assert_eq!(d.service.as_deref(), Some("invoice-renderer-prod"));
    assert_eq!(csv[2].line, Some(6), "rows report the line they start on");
}

#[test]
fn intercom_conversations() {
    let items = items(Vendor::Intercom, "intercom_conversations.json");
    let d = draft(&items, "intercom:1911149811");
    assert_eq!(d.title, None, "no title and an empty subject");
    assert_eq!(
        d.created_at.as_deref(),
        Some("2024-03-04T10:05:40Z"),
        "Unix seconds"
    );
    assert_eq!(
        d.customer.as_deref(),
        Some("contact:65e5a1f2c3d4e5f6a7b8c9d0")
    );
    assert_eq!(d.tags.as_deref(), Some(&["weak-ux".to_string()][..]));
    assert!(body(d).contains("Google SSO"), "{}", body(d));
    assert!(body(d).contains("Chrome, latest"), "comment parts follow");
    assert_eq!(
        draft(&items, "intercom:1911149822").title.as_deref(),
        Some("Blank invoice PDF")
    );
}

#[test]
fn any_csv_by_a_mapping_with_each_bad_row_said() {
    let map = ColumnMap::parse(
        "id=Ticket #,title=Subject,body=Details,created_at=Opened,customer=Account",
    )
    .expect("mapping");
    let items = import_mapped(&fixture("mapped.csv"), &map, &options()).expect("readable");
    assert_eq!(items.len(), 5);
    let d = draft(&items, "csv:HD-5002");
    assert!(
        body(d).contains("- spinner for 30 seconds\n"),
        "multi-line cell"
    );
    assert_eq!(d.created_at.as_deref(), Some("2024-03-05T08:30:00Z"));
    assert_eq!(d.customer.as_deref(), Some("BrightPath"));
    let bad_time = items
        .iter()
        .find(|i| i.line == Some(8))
        .expect("row of HD-5003");
    let e = bad_time.draft.as_ref().expect_err("unparseable time");
    assert_eq!(e.field.as_deref(), Some("Opened"), "named by its column");
    assert!(e.reason.contains("'yesterday'"), "{}", e.reason);
    let missing = ColumnMap::parse("id=Key,title=Subject").expect("mapping");
    match import_mapped(&fixture("mapped.csv"), &missing, &options()) {
        Err(BatchError::Csv(m)) => assert!(m.contains("'Key'") && m.contains("Ticket #"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_truncated_export_keeps_every_record_before_the_cut() {
    let whole = fixture("zendesk_incremental.json");
    let cut = &whole[..whole.len() * 2 / 3];
    let items = import(Vendor::Zendesk, cut, &options()).expect("salvaged");
    let ok = items.iter().filter(|i| i.draft.is_ok()).count();
    assert!(ok >= 2, "{ok} of {}", items.len());
    let last = items.last().expect("the cut");
    let e = last.draft.as_ref().expect_err("the cut is an error");
    assert!(e.reason.contains("cut short"), "{}", e.reason);
    assert!(last.line.is_some_and(|l| l > 1), "with its line");
    assert!(
        matches!(
            import(Vendor::Jira, b"just some words", &options()),
            Err(BatchError::Csv(_))
        ),
        "a wrong format flag"
    );
}

#[test]
fn re_importing_an_export_changes_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let engine = Engine::open(dir.path(), Config::default()).expect("engine");
    let first = engine
        .ingest(
            items(Vendor::Servicenow, "servicenow_incidents.json"),
            IngestPolicy::SkipInvalid,
        )
        .expect("ingest");
    assert_eq!(first.upsert.created, 5);
    let again = engine
        .ingest(
            items(Vendor::Servicenow, "servicenow_incidents.json"),
            IngestPolicy::SkipInvalid,
        )
        .expect("ingest");
    assert_eq!(
        (
            again.upsert.created,
            again.upsert.updated,
            again.upsert.unchanged
        ),
        (0, 0, 5)
    );
    let stored = engine
        .tickets(&["servicenow:INC0010023".to_string()])
        .expect("read");
    let t = &stored[0].ticket;
    assert_eq!(
        t.service.as_deref(),
        Some("6541ded7d41ce3e22a58ad95e5f6d10a")
    );
    assert!(t.resolved_at > t.detected_at, "incident times stored");
}
