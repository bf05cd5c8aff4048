use serde_json::json;

use crate::helpers::{ADMIN_TOKEN, INGEST_TOKEN, REVIEW_TOKEN, spawn_app_with_tokens, ticket};

fn post_as(app: &crate::helpers::TestApp, id: &str, token: Option<&str>) -> crate::helpers::Answer {
    let body = json!([ticket(id, "auth test")]).to_string().into_bytes();
    app.request(
        "POST",
        "/v1/tickets",
        Some("application/json"),
        Some(body),
        token,
    )
}

#[test]
fn writing_tickets_needs_an_ingest_or_admin_token() {
    let app = spawn_app_with_tokens();
    post_as(&app, "a", None).assert_problem(401, "no token");
    post_as(&app, "a", Some("not-a-configured-token")).assert_problem(401, "unknown token");
    post_as(&app, "a", Some(REVIEW_TOKEN)).assert_problem(403, "review token cannot ingest");
    assert_eq!(app.stored_tickets(), 0, "refused writes store nothing");
    assert_eq!(post_as(&app, "a", Some(INGEST_TOKEN)).status, 200);
    assert_eq!(post_as(&app, "b", Some(ADMIN_TOKEN)).status, 200);
}

#[test]
fn a_missing_token_says_how_to_send_one() {
    let app = spawn_app_with_tokens();
    let answer = app.get("/v1/tickets");
    answer.assert_problem(401, "no token");
    assert!(
        answer.body["detail"]
            .as_str()
            .unwrap_or("")
            .contains("Authorization: Bearer")
    );
}

#[test]
fn reading_tickets_takes_any_role() {
    let app = spawn_app_with_tokens();
    post_as(&app, "r", Some(INGEST_TOKEN));
    for token in [INGEST_TOKEN, REVIEW_TOKEN, ADMIN_TOKEN] {
        assert_eq!(app.get_as("/v1/tickets/r", token).status, 200);
        assert_eq!(app.get_as("/v1/tickets?q=auth", token).status, 200);
    }
    app.get("/v1/tickets/r").assert_problem(401, "no token");
}

#[test]
fn health_and_metrics_need_no_token() {
    let app = spawn_app_with_tokens();
    for path in ["/healthz", "/metrics"] {
        assert_eq!(app.get(path).status, 200, "{path}");
    }
    assert_ne!(app.get("/readyz").status, 401);
}

#[test]
fn an_open_server_refuses_to_listen_beyond_loopback() {
    let dir = tempfile::tempdir().expect("temp dir");
    let engine = std::sync::Arc::new(
        refrain::Engine::open(dir.path(), refrain::Config::default()).expect("engine"),
    );
    let refused = refrain::http::Application::build(engine, "0.0.0.0:0");
    let message = refused.err().expect("refused").to_string();
    assert!(message.contains("without tokens"), "{message}");
}

#[test]
fn every_role_may_ask_suggest_group_a_reviewer_tries_tickets_too() {
    let app = spawn_app_with_tokens();
    let ask = |token: Option<&str>| {
        app.request(
            "POST",
            "/v1/suggest-group",
            Some("application/json"),
            Some(
                json!({"text": "stuck in a login loop"})
                    .to_string()
                    .into_bytes(),
            ),
            token,
        )
    };
    ask(None).assert_problem(401, "no token");
    for token in [INGEST_TOKEN, REVIEW_TOKEN, ADMIN_TOKEN] {
        let answer = ask(Some(token));
        assert_eq!(answer.status, 200, "{token}: {}", answer.text);
        assert_eq!(answer.body["verdict"], "new", "no groups yet");
    }
}
