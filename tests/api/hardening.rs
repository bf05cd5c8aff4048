//! Regression tests for requests that once took the server down, amplified
//! their input, or answered outside the contract. Each is named after what
//! it pins.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::{TestApp, spawn_app, ticket};

fn ready(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while app.get("/readyz").status != 200 {
        assert!(Instant::now() < deadline, "never became ready");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_search_cursor_far_past_the_window_is_refused_not_allocated() {
    let app = spawn_app();
    ready(&app);
    app.post_tickets(&json!([ticket("s1", "login loop again")]));
    for cursor in [
        "s4294967296",
        "s2000000000",
        "s18446744073709551616",
        "s10001",
    ] {
        let answer = app.get(&format!("/v1/tickets?q=login&cursor={cursor}"));
        answer.assert_problem(400, cursor);
        assert_eq!(answer.body["code"], "bad-cursor", "{cursor}");
    }
    let deep = app.get("/v1/tickets?q=login&cursor=s9990&limit=50");
    deep.assert_problem(400, "offset + limit past the window");
    assert_eq!(deep.body["code"], "search-too-deep");
    assert!(deep.body["detail"].as_str().unwrap_or("").contains("10000"));
    let fine = app.get("/v1/tickets?q=login&cursor=s0&limit=10");
    assert_eq!(fine.status, 200, "{}", fine.text);
    assert_eq!(app.get("/healthz").status, 200, "the server is still up");
}

#[test]
fn many_unknown_tags_give_a_small_answer() {
    let app = spawn_app();
    let tags: Vec<String> = (0..10_000).map(|i| format!("unknown-tag-{i}")).collect();
    let mut t = ticket("tags", "x");
    t["tags"] = json!(tags);
    let body = json!([t]).to_string();
    let answer = app.request(
        "POST",
        "/v1/tickets",
        Some("application/json"),
        Some(body.clone().into_bytes()),
        None,
    );
    answer.assert_problem(422, "too many tags");
    assert!(
        answer.text.len() < 2_000,
        "{} bytes in gave {} bytes out",
        body.len(),
        answer.text.len()
    );
    let mut few = ticket("few", "x");
    few["tags"] = json!((0..20).map(|i| format!("nope-{i}")).collect::<Vec<_>>());
    let answer = app.post_tickets(&json!([few]));
    answer.assert_problem(422, "twenty unknown tags");
    assert_eq!(answer.body["errors"].as_array().map(Vec::len), Some(1));
    assert!(answer.text.len() < 2_000, "{}", answer.text.len());
}

#[test]
fn a_batch_of_many_bad_items_lists_at_most_a_hundred() {
    let app = spawn_app();
    let items: Vec<_> = (0..3_000).map(|i| json!({"id": format!("b{i}")})).collect();
    let answer = app.post_json("/v1/tickets", &json!(items));
    answer.assert_problem(422, "3,000 bad items");
    assert_eq!(answer.body["errors"].as_array().map(Vec::len), Some(100));
    assert!(
        answer.body["detail"]
            .as_str()
            .unwrap_or("")
            .starts_with("3000 of 3000"),
        "{}",
        answer.body["detail"]
    );
}

#[test]
fn limit_errors_name_the_parameter_and_its_range() {
    let app = spawn_app();
    for path in [
        "/v1/tickets?limit=abc",
        "/v1/clusters?limit=abc",
        "/v1/tickets?limit=0",
    ] {
        let answer = app.get(path);
        answer.assert_problem(400, path);
        let detail = answer.body["detail"].as_str().unwrap_or("");
        assert!(
            detail.contains("limit") && detail.contains("from 1 to"),
            "{detail}"
        );
        assert!(!detail.contains("deserialize"), "{detail}");
    }
}

#[test]
fn empty_cursor_and_since_count_as_absent() {
    let app = spawn_app();
    ready(&app);
    for path in [
        "/v1/tickets?cursor=",
        "/v1/tickets?since=&until=",
        "/v1/tickets?q=&source=",
        "/v1/clusters?cursor=",
    ] {
        let answer = app.get(path);
        assert_eq!(answer.status, 200, "{path}: {}", answer.text);
    }
}

#[test]
fn a_wrong_method_names_the_allowed_ones_and_head_works_where_get_does() {
    let app = spawn_app();
    let url = format!("{}/v1/tickets", app.address);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let response = agent.delete(&url).call().expect("answers");
    assert_eq!(response.status().as_u16(), 405);
    assert_eq!(
        response
            .headers()
            .get("allow")
            .and_then(|v| v.to_str().ok()),
        Some("POST, GET, HEAD")
    );
    for path in ["/healthz", "/v1/tickets", "/metrics"] {
        let head = agent
            .head(format!("{}{path}", app.address))
            .call()
            .expect("answers");
        assert_eq!(head.status().as_u16(), 200, "HEAD {path}");
    }
    let recluster = agent
        .get(format!("{}/v1/recluster", app.address))
        .call()
        .expect("answers");
    assert_eq!(recluster.status().as_u16(), 405);
    assert_eq!(
        recluster
            .headers()
            .get("allow")
            .and_then(|v| v.to_str().ok()),
        Some("POST")
    );
}

#[test]
fn an_unknown_cluster_or_job_id_of_any_shape_is_404() {
    let app = spawn_app();
    for path in [
        "/v1/clusters/zzz",
        "/v1/clusters/c1-1",
        "/v1/jobs/nope",
        "/v1/jobs/job-1",
    ] {
        app.get(path).assert_problem(404, path);
    }
}
