//! Deliveries against local servers: the digest webhook and the tracker,
//! answering, failing and slow — retried with backoff, never holding up
//! the API, nothing sent twice.

use std::time::{Duration, Instant};

use serde_json::json;

use refrain::Config;
use refrain::deliver::DeliverySettings;
use refrain::roadmap::Scoring;

use crate::helpers::{FakeReceiver, TestApp, eventually, spawn_app_with};
use crate::weekly::{SCORING, before_first_review, send};

fn config_sending_to(receiver: &FakeReceiver, attempts: u32) -> Config {
    let mut config = Config {
        scoring: Scoring::parse("test scoring", SCORING).expect("valid scoring"),
        delivery: DeliverySettings {
            attempts,
            backoff_ms: 50,
            timeout_ms: 5_000,
        },
        ..Config::default()
    };
    config.digest.webhook_url = Some(format!("{}/hooks/T0/B0/secret", receiver.url));
    config.export.jira.base_url = Some(receiver.url.clone());
    // Any variable that is always set stands in for the token.
    config.export.jira.token_env = "PATH".into();
    config
}

fn app_sending_to(receiver: &FakeReceiver, attempts: u32) -> TestApp {
    spawn_app_with(config_sending_to(receiver, attempts))
}

fn delivery(app: &TestApp, key: &str) -> serde_json::Value {
    app.get("/v1/deliveries").body["deliveries"]
        .as_array()
        .expect("deliveries")
        .iter()
        .find(|d| d["key"] == key)
        .cloned()
        .unwrap_or(serde_json::Value::Null)
}

#[test]
fn a_digest_post_is_retried_after_failures_and_sent_once() {
    let hook = FakeReceiver::start(vec![
        (500, Duration::ZERO, "{}".into()),
        (503, Duration::ZERO, "{}".into()),
        (200, Duration::ZERO, "ok".into()),
    ]);
    let app = app_sending_to(&hook, 5);
    before_first_review(&app);
    let queued = send(&app, "POST", "/v1/digest?week=2026-W48", &json!({}));
    assert_eq!(queued.status, 202, "{}", queued.text);
    assert_eq!(queued.body["queued"], true);
    assert_eq!(queued.body["delivery"]["key"], "digest:2026-W48");
    assert!(
        eventually(Duration::from_secs(10), || delivery(
            &app,
            "digest:2026-W48"
        )["state"]
            == "sent"),
        "{}",
        delivery(&app, "digest:2026-W48")
    );
    assert_eq!(delivery(&app, "digest:2026-W48")["attempts"], 3);
    let got = hook.requests();
    assert_eq!(got.len(), 3, "two failures, one success");
    assert_eq!(got[2].path, "/hooks/T0/B0/secret");
    let text = got[2].body["text"].as_str().expect("a Slack text body");
    assert!(
        text.starts_with("*refrain weekly digest · 2026-W48"),
        "{text}"
    );
    assert!(
        !text.contains("**"),
        "Slack's mrkdwn bolds with one star: {text}"
    );
    // Asked again: already sent, nothing more goes out.
    let again = send(&app, "POST", "/v1/digest?week=2026-W48", &json!({}));
    assert_eq!(again.status, 202);
    assert_eq!(again.body["queued"], false);
    assert_eq!(again.body["delivery"]["state"], "sent");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(hook.count(), 3, "nothing sent twice");
}

#[test]
fn a_receiver_that_keeps_failing_is_given_up_on_and_can_be_queued_again() {
    let hook = FakeReceiver::start(vec![(500, Duration::ZERO, "down".into())]);
    let app = app_sending_to(&hook, 3);
    before_first_review(&app);
    send(&app, "POST", "/v1/digest?week=2026-W48", &json!({}));
    assert!(eventually(Duration::from_secs(10), || {
        delivery(&app, "digest:2026-W48")["state"] == "failed"
    }));
    let failed = delivery(&app, "digest:2026-W48");
    assert_eq!(failed["attempts"], 3);
    let error = failed["last_error"].as_str().expect("an error");
    assert!(
        error.contains("answered 500") && error.contains("after 3 tries"),
        "{error}"
    );
    assert!(
        !error.contains("secret"),
        "the webhook's path is a secret: {error}"
    );
    assert_eq!(hook.count(), 3);
    let retry = send(&app, "POST", "/v1/digest?week=2026-W48", &json!({}));
    assert_eq!(
        retry.body["queued"], true,
        "a failed post may be queued again"
    );
}

#[test]
fn a_slow_receiver_never_holds_up_the_api() {
    let hook = FakeReceiver::start(vec![(200, Duration::from_millis(1_500), "ok".into())]);
    let app = app_sending_to(&hook, 3);
    before_first_review(&app);
    let started = Instant::now();
    let queued = send(&app, "POST", "/v1/digest?week=2026-W48", &json!({}));
    assert_eq!(queued.status, 202);
    assert!(eventually(Duration::from_secs(5), || hook.count() == 1));
    // The receiver is still sitting on its answer: the API answers meanwhile.
    let health = Instant::now();
    assert_eq!(app.get("/v1/groups").status, 200);
    assert!(
        health.elapsed() < Duration::from_millis(1_000),
        "the API waited on the receiver: {:?}",
        health.elapsed()
    );
    assert!(queued.status == 202 && started.elapsed() < Duration::from_secs(30));
    assert!(eventually(Duration::from_secs(10), || delivery(
        &app,
        "digest:2026-W48"
    )["state"]
        == "sent"));
    assert_eq!(
        hook.count(),
        1,
        "a slow answer within the timeout is not sent again"
    );
}

#[test]
fn tracker_issues_are_created_once_and_their_keys_land_on_the_groups() {
    let tracker = FakeReceiver::start(vec![(
        201,
        Duration::ZERO,
        r#"{"issues":[{"id":"10001","key":"OPS-7","self":"x"}],"errors":[]}"#.into(),
    )]);
    let app = app_sending_to(&tracker, 3);
    let l = before_first_review(&app);
    let review = send(&app, "POST", "/v1/reviews", &json!({}));
    let id = review.body["id"].as_str().expect("id").to_string();
    let called = send(
        &app,
        "POST",
        &format!("/v1/reviews/{id}/decisions"),
        &json!({"group": l.quokka, "decision": "promote"}),
    );
    assert_eq!(called.status, 201, "{}", called.text);
    let dry = app.get("/v1/export/jira");
    assert_eq!(
        dry.body["issueUpdates"].as_array().expect("updates").len(),
        1,
        "{}",
        dry.text
    );
    assert_eq!(tracker.count(), 0, "GET only shows what would be sent");
    let sent = app.request("POST", "/v1/export/jira", None, None, None);
    assert_eq!(sent.status, 202, "{}", sent.text);
    let key = format!("jira:{}", l.quokka);
    assert!(eventually(Duration::from_secs(10), || delivery(&app, &key)
        ["state"]
        == "sent"));
    let got = tracker.requests();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].path, "/rest/api/2/issue/bulk");
    assert!(
        got[0]
            .authorization
            .as_deref()
            .is_some_and(|a| a.starts_with("Bearer "))
    );
    assert_eq!(
        got[0].body["issueUpdates"][0]["fields"]["summary"],
        "Quokka widget flickers purple"
    );
    assert!(eventually(Duration::from_secs(5), || {
        app.get(&format!("/v1/groups/{}", l.quokka)).body["plan"]["tracker_key"] == "OPS-7"
    }));
    let group = app.get(&format!("/v1/groups/{}", l.quokka));
    assert_eq!(
        group.body["plan"]["tracker_url"],
        format!("{}/browse/OPS-7", tracker.url)
    );
    // Sent once: the group remembers its issue.
    let again = app.request("POST", "/v1/export/jira", None, None, None);
    assert_eq!(again.body["deliveries"], json!([]), "{}", again.text);
    assert_eq!(app.get("/v1/export/jira").body["issueUpdates"], json!([]));
    let yaml = app.get("/v1/export/prioritized.yaml").text;
    assert!(yaml.contains("tracker_key: OPS-7"), "{yaml}");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(tracker.count(), 1, "nothing sent twice");
}

#[test]
fn a_tracker_that_refuses_is_not_retried_and_nothing_is_configured_is_said() {
    let tracker = FakeReceiver::start(vec![(
        400,
        Duration::ZERO,
        r#"{"errors":{"project":"unknown"}}"#.into(),
    )]);
    let app = app_sending_to(&tracker, 4);
    let l = before_first_review(&app);
    let review = send(&app, "POST", "/v1/reviews", &json!({}));
    let id = review.body["id"].as_str().expect("id").to_string();
    send(
        &app,
        "POST",
        &format!("/v1/reviews/{id}/decisions"),
        &json!({"group": l.quokka, "decision": "promote"}),
    );
    app.request("POST", "/v1/export/jira", None, None, None);
    let key = format!("jira:{}", l.quokka);
    assert!(eventually(Duration::from_secs(10), || delivery(&app, &key)
        ["state"]
        == "failed"));
    assert_eq!(
        delivery(&app, &key)["attempts"],
        1,
        "a 400 will not pass by retrying"
    );
    assert!(
        delivery(&app, &key)["last_error"]
            .as_str()
            .expect("error")
            .contains("answered 400")
    );
    assert_eq!(tracker.count(), 1);

    let plain = crate::helpers::spawn_app();
    plain
        .request("POST", "/v1/export/jira", None, None, None)
        .assert_problem(409, "no tracker configured");
    send(&plain, "POST", "/v1/digest", &json!({})).assert_problem(409, "no webhook configured");
}

#[test]
fn a_queued_delivery_survives_a_restart_and_the_next_server_sends_it() {
    let hook = FakeReceiver::start(vec![(200, Duration::ZERO, "ok".into())]);
    let dir = tempfile::tempdir().expect("temp dir");
    {
        // The CLI's engine queues without a background sender, as a
        // process that stops before sending would leave it.
        let engine = refrain::Engine::open(dir.path(), config_sending_to(&hook, 3)).expect("opens");
        let week = refrain::model::IsoWeek::parse("2026-W48").expect("week");
        let (entry, queued) = engine
            .queue_digest(week, time::OffsetDateTime::now_utc())
            .expect("queued");
        assert!(queued && entry.state == refrain::store::DeliveryState::Queued);
    }
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(hook.count(), 0);
    let app = crate::helpers::spawn_app_in(dir, config_sending_to(&hook, 3).into());
    assert!(eventually(Duration::from_secs(10), || delivery(
        &app,
        "digest:2026-W48"
    )["state"]
        == "sent"));
    assert_eq!(hook.count(), 1);
}
