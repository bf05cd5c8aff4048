use serde_json::json;

use crate::helpers::{spawn_app, ticket};

#[test]
fn a_posted_ticket_reads_back_with_every_field() {
    let app = spawn_app();
    let full = json!({
        "id": "t-1", "source": "ops", "created_at": "2026-11-20T10:00:00+01:00",
        "title": "Login loop", "body": "SSO sends users back to the login page",
        "tags": ["weak-ux", "third-party-failure"], "customer": "Acme",
        "user_saw": "login page again", "user_task": "sign in", "first_failure": "09:10",
        "manual_work": "reset sessions", "manual_minutes": 25, "changes_that_day": "deployed v2.14.1"
    });
    let answer = app.post_tickets(&json!([full]));
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.body["created"], 1);
    assert_eq!(answer.body["searchable"], true);
    let read = app.get("/v1/tickets/t-1");
    assert_eq!(read.status, 200);
    let mut expected = full.clone();
    expected["created_at"] = json!("2026-11-20T09:00:00Z");
    for (key, value) in expected.as_object().expect("an object") {
        assert_eq!(&read.body[key], value, "field {key}");
    }
    assert!(read.body["ingested_at"].is_string());
}

#[test]
fn upsert_is_idempotent_by_id_and_updates_search() {
    let app = spawn_app();
    let batch = json!([
        ticket("a", "checkout button spins"),
        ticket("b", "invoice pdf blank")
    ]);
    assert_eq!(app.post_tickets(&batch).body["created"], 2);
    let again = app.post_tickets(&batch);
    assert_eq!(
        (
            again.body["created"].as_u64(),
            again.body["unchanged"].as_u64()
        ),
        (Some(0), Some(2))
    );
    let changed = app.post_tickets(&json!([ticket("a", "refund never arrived")]));
    assert_eq!(changed.body["updated"], 1);
    assert_eq!(app.stored_tickets(), 2);
    let old = app.get("/v1/tickets?q=checkout");
    assert_eq!(
        old.body["total"], 0,
        "the old text must no longer match: {}",
        old.text
    );
    let new = app.get("/v1/tickets?q=refund");
    assert_eq!(new.body["tickets"][0]["id"], "a");
    assert_eq!(new.body["total"], 1);
}

#[test]
fn a_resent_ticket_without_created_at_keeps_its_first_time() {
    let app = spawn_app();
    let bare = json!([{"id": "x", "body": "same text"}]);
    app.post_tickets(&bare);
    let first = app.get("/v1/tickets/x").body["created_at"].clone();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let again = app.post_tickets(&bare);
    assert_eq!(again.body["unchanged"], 1);
    assert_eq!(app.get("/v1/tickets/x").body["created_at"], first);
}

#[test]
fn ndjson_and_csv_bodies_are_accepted() {
    let app = spawn_app();
    let ndjson = format!("{}\n\n{}\n", ticket("n1", "alpha"), ticket("n2", "beta"));
    let answer = app.request(
        "POST",
        "/v1/tickets",
        Some("application/x-ndjson"),
        Some(ndjson.into_bytes()),
        None,
    );
    assert_eq!(answer.body["created"], 2, "{}", answer.text);
    let csv = "id,source,title,tags\nc1,ops,disk full on db-3,service-outage;bad-data\n";
    let answer = app.request(
        "POST",
        "/v1/tickets",
        Some("text/csv"),
        Some(csv.into()),
        None,
    );
    assert_eq!(answer.body["created"], 1, "{}", answer.text);
    let read = app.get("/v1/tickets/c1");
    assert_eq!(read.body["tags"], json!(["service-outage", "bad-data"]));
}

#[test]
fn search_ranks_by_text_and_filters_by_source_and_time() {
    let app = spawn_app();
    let batch = json!([
        {"id": "s1", "source": "support", "created_at": "2026-11-01T10:00:00Z", "title": "Can't sign in", "body": "login loops back to the sign in page"},
        {"id": "s2", "source": "ops", "created_at": "2026-11-10T10:00:00Z", "body": "auth-svc 502s, users cannot sign in"},
        {"id": "s3", "source": "support", "created_at": "2026-11-15T10:00:00Z", "body": "invoice total is wrong"}
    ]);
    app.post_tickets(&batch);
    let all = app.get("/v1/tickets?q=signing%20in");
    let ids: Vec<_> = all.body["tickets"]
        .as_array()
        .expect("list")
        .iter()
        .map(|t| t["id"].clone())
        .collect();
    assert_eq!(ids, [json!("s1"), json!("s2")], "title matches rank first");
    assert!(all.body["tickets"][0]["score"].as_f64().expect("a score") > 0.0);
    let ops = app.get("/v1/tickets?q=sign%20in&source=ops");
    assert_eq!(ops.body["total"], 1);
    assert_eq!(ops.body["tickets"][0]["id"], "s2");
    let late =
        app.get("/v1/tickets?q=sign%20in&since=2026-11-05T00:00:00Z&until=2026-11-12T00:00:00Z");
    assert_eq!(late.body["total"], 1);
    assert_eq!(late.body["tickets"][0]["id"], "s2");
    let order_numbers = app.get("/v1/tickets?q=order%2012345");
    assert_eq!(order_numbers.status, 200);
}

#[test]
fn listing_and_search_page_with_cursors_until_the_end() {
    let app = spawn_app();
    let batch: Vec<_> = (0..25)
        .map(|i| json!({"id": format!("p{i:02}"), "created_at": format!("2026-11-{:02}T10:00:00Z", i + 1), "body": "paging works"}))
        .collect();
    app.post_tickets(&json!(batch));
    for base in ["/v1/tickets?limit=10", "/v1/tickets?q=paging&limit=10"] {
        let mut seen = Vec::new();
        let mut path = base.to_string();
        loop {
            let page = app.get(&path);
            assert_eq!(page.status, 200, "{}", page.text);
            seen.extend(
                page.body["tickets"]
                    .as_array()
                    .expect("list")
                    .iter()
                    .map(|t| t["id"].as_str().expect("id").to_string()),
            );
            match page.body["next_cursor"].as_str() {
                Some(cursor) => path = format!("{base}&cursor={cursor}"),
                None => break,
            }
        }
        assert_eq!(seen.len(), 25, "{base}");
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 25, "{base}: no ticket twice");
        if !base.contains("q=") {
            assert_eq!(seen[0], "p24", "newest first");
        }
    }
}

#[test]
fn an_unknown_ticket_is_404() {
    let app = spawn_app();
    app.get("/v1/tickets/nope")
        .assert_problem(404, "unknown id");
}

#[test]
fn vendor_exports_are_imported_through_the_api() {
    let app = spawn_app();
    let fixture = |name: &str| {
        std::fs::read(format!(
            "{}/tests/fixtures/import/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("fixture")
    };
    let posted = app.request(
        "POST",
        "/v1/tickets?format=pagerduty",
        Some("application/json"),
        Some(fixture("pagerduty_incidents.json")),
        None,
    );
    assert_eq!(posted.status, 200, "{}", posted.text);
    assert_eq!(posted.body["created"], 5);
    let stored = app.get("/v1/tickets/pagerduty:Q2K8Z1YH0MRT3A");
    assert_eq!(stored.status, 200, "{}", stored.text);
    assert_eq!(stored.body["service"], "Checkout API");
    assert_eq!(stored.body["source"], "ops");
    assert_eq!(stored.body["resolved_at"], "2024-03-05T09:47:30Z");

    let mapped = app.request(
        "POST",
        "/v1/tickets?map=id%3DTicket%20%23,title%3DSubject,body%3DDetails&source=helpdesk",
        Some("text/csv"),
        Some(b"Ticket #,Subject,Details\nHD-1,Login loop,after the update\n".to_vec()),
        None,
    );
    assert_eq!(mapped.status, 200, "{}", mapped.text);
    assert_eq!(app.get("/v1/tickets/csv:HD-1").body["source"], "helpdesk");

    app.request(
        "POST",
        "/v1/tickets?format=freshdesk",
        Some("application/json"),
        Some(b"[]".to_vec()),
        None,
    )
    .assert_problem(400, "an unknown format is named");
    app.request(
        "POST",
        "/v1/tickets?map=title%3DSubject",
        Some("text/csv"),
        Some(b"a\n".to_vec()),
        None,
    )
    .assert_problem(400, "a mapping without ids");
    let bad = app.request(
        "POST",
        "/v1/tickets?format=zendesk",
        Some("application/json"),
        Some(br#"{"tickets": [{"subject": "no id", "description": "x"}]}"#.to_vec()),
        None,
    );
    assert_eq!(bad.status, 422, "{}", bad.text);
    assert!(bad.text.contains("vendor id"), "{}", bad.text);
}

#[test]
fn incident_fields_are_validated_and_stored() {
    let app = spawn_app();
    let good = json!([{"id": "inc-1", "source": "ops", "title": "Checkout API down",
        "service": "checkout-api", "severity": "P1",
        "detected_at": "2026-11-30T10:05:00Z", "resolved_at": "2026-11-30T11:00:00Z",
        "impact": {"users_pct": 12.5, "revenue": 4000}}]);
    let posted = app.post_tickets(&good);
    assert_eq!(posted.status, 200, "{}", posted.text);
    let stored = app.get("/v1/tickets/inc-1");
    assert_eq!(
        stored.body["impact"],
        json!({"users_pct": 12.5, "revenue": 4000.0})
    );
    assert_eq!(stored.body["severity"], "P1");
    for (bad, field) in [
        (json!({"impact": {"users_pct": 150}}), "impact"),
        (json!({"impact": {"revenue": -1}}), "impact"),
        (json!({"detected_at": "yesterday"}), "detected_at"),
        (
            json!({"detected_at": "2026-11-30T11:00:00Z", "resolved_at": "2026-11-30T10:00:00Z"}),
            "resolved_at",
        ),
    ] {
        let mut t = json!({"id": "inc-2", "title": "x"});
        for (k, v) in bad.as_object().expect("fields") {
            t[k] = v.clone();
        }
        let answer = app.post_tickets(&json!([t]));
        assert_eq!(answer.status, 422, "{bad}: {}", answer.text);
        assert_eq!(
            answer.body["errors"][0]["field"], field,
            "{bad}: {}",
            answer.text
        );
    }
    let unknown = app.post_tickets(&json!([{"id": "inc-3", "title": "x", "impact": {"users": 3}}]));
    assert_eq!(unknown.status, 422, "{}", unknown.text);
}
