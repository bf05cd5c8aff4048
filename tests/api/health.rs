use crate::helpers::spawn_app;

#[test]
fn healthz_answers_ok() {
    let app = spawn_app();
    let answer = app.get("/healthz");
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["status"], "ok");
}

#[test]
fn readyz_is_ready_once_the_index_caught_up() {
    let app = spawn_app();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let answer = app.get("/readyz");
        if answer.status == 200 {
            assert_eq!(answer.body["status"], "ready");
            return;
        }
        answer.assert_problem(503, "readyz while catching up");
        assert!(std::time::Instant::now() < deadline, "never became ready");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn readyz_and_search_wait_while_a_rebuilt_index_catches_up() {
    // A data directory with many tickets whose index is gone: the server
    // starts at once and rebuilds the index from the store behind it.
    let dir = tempfile::tempdir().expect("temp dir");
    {
        let engine = refrain::Engine::open(dir.path(), refrain::Config::default()).expect("open");
        let generator = refrain::generate::Generator::new(refrain::generate::GenParams {
            tickets: 30_000,
            ..Default::default()
        })
        .expect("generator");
        let (mut body, mut labels) = (Vec::new(), Vec::new());
        generator
            .write_ndjson(&mut body, &mut labels, |_| {})
            .expect("generated");
        let items =
            refrain::ingest::parse_body(&body, refrain::ingest::Format::Ndjson).expect("parsed");
        engine
            .ingest(items, refrain::IngestPolicy::AllOrNothing)
            .expect("stored");
        engine.close().expect("closed");
    }
    std::fs::remove_dir_all(dir.path().join("index")).expect("index removed");
    let app = crate::helpers::spawn_app_in(dir, refrain::Config::default().into());
    let first = app.get("/readyz");
    first.assert_problem(503, "readyz while the index is rebuilt");
    let search = app.get("/v1/tickets?q=login");
    search.assert_problem(503, "a search while the index is rebuilt");
    assert_eq!(search.body["code"], "search-not-ready");
    let listing = app.get("/v1/tickets?limit=5");
    assert_eq!(
        listing.status, 200,
        "listing reads the store: {}",
        listing.text
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while app.get("/readyz").status != 200 {
        assert!(std::time::Instant::now() < deadline, "never became ready");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let ready = app.get("/readyz");
    assert_eq!(ready.body["tickets"], 30_000);
    assert_eq!(ready.body["index_lag"], 0);
    let search = app.get("/v1/tickets?q=login&limit=1");
    assert_eq!(search.status, 200, "{}", search.text);
    assert!(search.body["total"].as_u64().expect("total") > 0);
}

#[test]
fn metrics_count_requests_and_tickets() {
    let app = spawn_app();
    app.post_tickets(&serde_json::json!([crate::helpers::ticket(
        "m1",
        "metrics please"
    )]));
    app.get("/v1/tickets/m1");
    let answer = app.get("/metrics");
    assert_eq!(answer.status, 200);
    assert!(
        answer
            .content_type
            .starts_with("application/openmetrics-text")
    );
    let text = &answer.text;
    assert!(text.contains("refrain_tickets_stored 1"), "{text}");
    assert!(text.contains("refrain_index_lag_tickets 0"), "{text}");
    assert!(
        text.contains(
            r#"refrain_http_requests_total{method="GET",route="/v1/tickets/{id}",status="200"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains("refrain_http_request_duration_seconds_bucket"),
        "{text}"
    );
}
