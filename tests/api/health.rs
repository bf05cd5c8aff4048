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
