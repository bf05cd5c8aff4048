use std::time::{Duration, Instant};

use serde_json::Value;

use refrain::EngineOptions;
use refrain::engine::StageHook;

use crate::helpers::{
    ADMIN_TOKEN, INGEST_TOKEN, REVIEW_TOKEN, TestApp, spawn_app, spawn_app_in,
    spawn_app_with_tokens,
};

const FIXTURES: &str = include_str!("../../fixtures/tickets.ndjson");

fn load_fixtures(app: &TestApp, token: Option<&str>) {
    let answer = app.request(
        "POST",
        "/v1/tickets",
        Some("application/x-ndjson"),
        Some(FIXTURES.as_bytes().to_vec()),
        token,
    );
    assert_eq!(answer.status, 200, "{}", answer.text);
}

/// Starts a re-cluster and waits for it; returns the finished job.
pub fn recluster(app: &TestApp, token: Option<&str>) -> Value {
    let started = app.request(
        "POST",
        "/v1/recluster",
        Some("application/json"),
        Some(b"{}".to_vec()),
        token,
    );
    assert_eq!(started.status, 202, "{}", started.text);
    let id = started.body["job"]["id"]
        .as_str()
        .expect("a job id")
        .to_string();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let job = app.request("GET", &format!("/v1/jobs/{id}"), None, None, token);
        assert_eq!(job.status, 200);
        match job.body["state"].as_str() {
            Some("succeeded") => return job.body,
            Some("failed") => panic!("re-cluster failed: {}", job.text),
            _ => {}
        }
        assert!(
            Instant::now() < deadline,
            "re-cluster did not finish: {}",
            job.text
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_recluster_job_yields_labelled_clusters_that_page() {
    let app = spawn_app();
    load_fixtures(&app, None);
    let job = recluster(&app, None);
    assert_eq!(job["result"]["tickets"], 300);
    assert!(job["finished_at"].is_string());
    let list = app.get("/v1/clusters?limit=5");
    let clusters = list.body["clusters"].as_array().expect("clusters");
    assert_eq!(clusters.len(), 5);
    assert!(list.body["next_cursor"].is_string());
    let sizes: Vec<u64> = clusters
        .iter()
        .map(|c| c["size"].as_u64().expect("size"))
        .collect();
    assert!(
        sizes.windows(2).all(|w| w[0] >= w[1]),
        "largest first: {sizes:?}"
    );
    let first = &clusters[0];
    assert!(!first["label_terms"].as_array().expect("terms").is_empty());
    let examples = first["examples"].as_array().expect("examples");
    assert!((1..=5).contains(&examples.len()));
    assert!(first["cohesion"].as_f64().expect("cohesion") > 0.0);
    // Every member, page by page, exactly once.
    let id = first["id"].as_str().expect("id");
    let mut members = Vec::new();
    let mut path = format!("/v1/clusters/{id}?limit=3");
    loop {
        let page = app.get(&path);
        assert_eq!(page.status, 200, "{}", page.text);
        members.extend(
            page.body["members"]
                .as_array()
                .expect("members")
                .iter()
                .map(|m| m["id"].clone()),
        );
        match page.body["next_cursor"].as_str() {
            Some(c) => path = format!("/v1/clusters/{id}?limit=3&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(members.len() as u64, sizes[0]);
    assert_eq!(
        members[0], examples[0]["id"],
        "the first example is the most central member"
    );
    // Paging through the whole list gives every cluster once.
    let mut all = 0;
    let mut path = "/v1/clusters?limit=7".to_string();
    loop {
        let page = app.get(&path);
        all += page.body["clusters"].as_array().expect("clusters").len();
        match page.body["next_cursor"].as_str() {
            Some(c) => path = format!("/v1/clusters?limit=7&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(
        all as u64,
        job["result"]["clusters"].as_u64().expect("count")
    );
}

#[test]
fn look_alike_fixture_symptoms_land_in_different_clusters() {
    let app = spawn_app();
    load_fixtures(&app, None);
    recluster(&app, None);
    let labels: std::collections::HashMap<String, String> =
        include_str!("../../fixtures/labels.csv")
            .lines()
            .skip(1)
            .filter_map(|l| l.split_once(','))
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
    let clusters = app.get("/v1/clusters?limit=1000");
    let mut majority_of = std::collections::HashMap::new();
    for c in clusters.body["clusters"].as_array().expect("clusters") {
        let detail = app.get(&format!("/v1/clusters/{}", c["id"].as_str().expect("id")));
        let mut counts: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for m in detail.body["members"].as_array().expect("members") {
            *counts
                .entry(labels[m["id"].as_str().expect("id")].as_str())
                .or_default() += 1;
        }
        if let Some((label, n)) = counts.into_iter().max_by_key(|(_, n)| *n) {
            majority_of.entry(label.to_string()).or_insert(n);
        }
    }
    // 25 recurring symptoms; most lead a cluster of their own (21 today).
    assert!(
        majority_of.len() >= 20,
        "too few symptoms kept apart: {majority_of:?}"
    );
    for lookalikes in [
        [
            "signup_rejects_valid_email",
            "signup_confirmation_email_not_sent",
        ],
        ["card_declined_valid_card", "double_charge_on_checkout"],
        ["login_loop_after_sso", "password_reset_email_missing"],
    ] {
        for label in lookalikes {
            assert!(
                majority_of.contains_key(label),
                "{label} leads no cluster of its own: {majority_of:?}"
            );
        }
    }
}

#[test]
fn reclustering_needs_admin_and_clusters_need_review() {
    let app = spawn_app_with_tokens();
    load_fixtures(&app, Some(INGEST_TOKEN));
    for token in [INGEST_TOKEN, REVIEW_TOKEN] {
        app.request(
            "POST",
            "/v1/recluster",
            Some("application/json"),
            Some(b"{}".to_vec()),
            Some(token),
        )
        .assert_problem(403, "only admin re-clusters");
    }
    recluster(&app, Some(ADMIN_TOKEN));
    app.get_as("/v1/clusters", INGEST_TOKEN)
        .assert_problem(403, "ingest cannot review");
    assert_eq!(app.get_as("/v1/clusters", REVIEW_TOKEN).status, 200);
    assert_eq!(app.get_as("/v1/clusters", ADMIN_TOKEN).status, 200);
    app.get("/v1/clusters").assert_problem(401, "no token");
}

/// A server whose re-clusters call `hook` as each stage starts.
fn spawn_app_with_hook(hook: impl Fn(&str) + Send + Sync + 'static) -> TestApp {
    let options = EngineOptions {
        stage_hook: Some(StageHook::new(hook)),
        ..EngineOptions::default()
    };
    spawn_app_in(tempfile::tempdir().expect("temp dir"), options)
}

fn wait_for_state(app: &TestApp, id: &str, state: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let job = app.get(&format!("/v1/jobs/{id}"));
        if job.body["state"] == state {
            return job.body;
        }
        assert!(Instant::now() < deadline, "job never {state}: {}", job.text);
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_second_recluster_while_one_runs_is_a_409_naming_the_job() {
    // The first job waits in its first stage until the test lets it go.
    let (release, gate) = std::sync::mpsc::channel::<()>();
    let gate = std::sync::Mutex::new(gate);
    let app = spawn_app_with_hook(move |stage| {
        if stage == "vectorizing" {
            let _ = gate
                .lock()
                .expect("gate")
                .recv_timeout(Duration::from_secs(60));
        }
    });
    load_fixtures(&app, None);
    let first = app.request("POST", "/v1/recluster", None, None, None);
    assert_eq!(first.status, 202, "{}", first.text);
    let second = app.request("POST", "/v1/recluster", None, None, None);
    second.assert_problem(409, "one re-cluster at a time");
    assert_eq!(second.body["code"], "job-running");
    assert_eq!(second.body["job"]["id"], first.body["job"]["id"]);
    release.send(()).expect("release");
    let id = first.body["job"]["id"].as_str().expect("id");
    wait_for_state(&app, id, "succeeded");
    let again = app.request("POST", "/v1/recluster", None, None, None);
    assert_eq!(
        again.status, 202,
        "a finished job frees the slot: {}",
        again.text
    );
    release.send(()).expect("release");
}

#[test]
fn a_panic_inside_a_recluster_fails_the_job_and_the_next_one_is_accepted() {
    let panics = std::sync::atomic::AtomicBool::new(true);
    let app = spawn_app_with_hook(move |stage| {
        if stage == "neighbors" && panics.swap(false, std::sync::atomic::Ordering::SeqCst) {
            panic!("injected fault in the neighbour search");
        }
    });
    load_fixtures(&app, None);
    let first = app.request("POST", "/v1/recluster", None, None, None);
    assert_eq!(first.status, 202, "{}", first.text);
    let id = first.body["job"]["id"].as_str().expect("id");
    let failed = wait_for_state(&app, id, "failed");
    let error = failed["error"].as_str().expect("an error");
    assert!(error.contains("internal error"), "{error}");
    assert_eq!(
        app.get("/v1/clusters").body["clusters"],
        serde_json::json!([]),
        "no clusters from the failed run"
    );
    let next = recluster(&app, None);
    assert_eq!(next["state"], "succeeded");
    assert!(
        !app.get("/v1/clusters").body["clusters"]
            .as_array()
            .expect("list")
            .is_empty()
    );
}

fn open_cluster_ids(app: &TestApp) -> Vec<String> {
    let listed = app.get("/v1/clusters?limit=1000");
    assert_eq!(listed.status, 200, "{}", listed.text);
    listed.body["clusters"]
        .as_array()
        .expect("clusters")
        .iter()
        .map(|c| c["id"].as_str().expect("an id").to_string())
        .collect()
}

#[test]
fn a_barely_changed_cluster_keeps_its_id_and_a_changed_one_is_gone_not_unknown() {
    let app = spawn_app();
    load_fixtures(&app, None);
    recluster(&app, None);
    let before = open_cluster_ids(&app);
    std::thread::sleep(Duration::from_millis(5));
    recluster(&app, None);
    assert_eq!(
        open_cluster_ids(&app),
        before,
        "nothing changed: the reviewer's queue keeps its ids"
    );
    // The largest cluster more than doubles with new tickets like its own.
    let old = before[0].clone();
    let detail = app.get(&format!("/v1/clusters/{old}"));
    let members = detail.body["members"].as_array().expect("members").clone();
    let texts: Vec<String> = members
        .iter()
        .map(|m| {
            let id = m["id"].as_str().expect("a member id");
            let t = app.get(&format!("/v1/tickets/{id}"));
            format!(
                "{} {}",
                t.body["title"].as_str().unwrap_or(""),
                t.body["body"].as_str().unwrap_or("")
            )
        })
        .collect();
    let copies: Vec<Value> = (0..members.len() * 2)
        .map(|i| crate::helpers::ticket(&format!("grown-{i}"), &texts[i % texts.len()]))
        .collect();
    let stored = app.post_tickets(&Value::Array(copies));
    assert_eq!(stored.status, 200, "{}", stored.text);
    std::thread::sleep(Duration::from_millis(5));
    recluster(&app, None);
    let answer = app.get(&format!("/v1/clusters/{old}"));
    answer.assert_problem(410, "a superseded cluster");
    assert_eq!(answer.body["code"], "cluster-superseded");
    let after = open_cluster_ids(&app);
    let kept = before.iter().filter(|id| after.contains(id)).count();
    assert!(
        kept * 2 > before.len(),
        "most clusters did not change and kept their ids: {kept} of {}",
        before.len()
    );
}

#[test]
fn unknown_jobs_and_clusters_are_404_and_bad_cursors_400() {
    let app = spawn_app();
    app.get("/v1/jobs/job-0").assert_problem(404, "unknown job");
    app.get("/v1/clusters/c0-1")
        .assert_problem(404, "unknown cluster");
    app.get("/v1/clusters?cursor=zz")
        .assert_problem(400, "bad cursor");
    app.get("/v1/clusters?limit=0")
        .assert_problem(400, "bad limit");
    app.request(
        "POST",
        "/v1/recluster",
        Some("application/json"),
        Some(b"{\"k\": 3}".to_vec()),
        None,
    )
    .assert_problem(400, "unknown field");
    let empty = app.get("/v1/clusters");
    assert_eq!(empty.body["clusters"], serde_json::json!([]));
}
