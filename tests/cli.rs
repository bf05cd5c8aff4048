//! The real binary in a temp directory: exit codes, messages, formats.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn refrain(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_refrain"))
        .args(args)
        .current_dir(dir)
        .env("REFRAIN_LOG", "error")
        .env_remove("REFRAIN_DATA")
        .env_remove("REFRAIN_CONFIG")
        .output()
        .expect("the binary runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn fixtures() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/tickets.ndjson").to_string()
}

#[test]
fn ingest_loads_the_fixtures_and_prints_a_json_summary() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = refrain(
        &["ingest", &fixtures(), "--data", "data", "--json"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let summary: Value = serde_json::from_slice(&out.stdout).expect("JSON summary");
    assert_eq!(summary["created"], 300);
    assert_eq!(summary["invalid"], 0);
    let again = refrain(
        &["ingest", &fixtures(), "--data", "data", "--json"],
        dir.path(),
    );
    let summary: Value = serde_json::from_slice(&again.stdout).expect("JSON summary");
    assert_eq!(summary["unchanged"], 300, "ingest is idempotent");
}

#[test]
fn bad_lines_are_reported_with_file_and_line_and_exit_1() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("mixed.jsonl");
    std::fs::write(
        &file,
        "{\"id\":\"a\",\"body\":\"fine\"}\n{\"id\":\"b\",\"tags\":[\"nope\"],\"body\":\"x\"}\nnot json\n{\"id\":\"c\",\"body\":\"fine\"}\n",
    )
    .expect("write");
    let out = refrain(&["ingest", "mixed.jsonl", "--data", "data"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("mixed.jsonl:2: tags: unknown tag 'nope'"),
        "{err}"
    );
    assert!(err.contains("mixed.jsonl:3:"), "{err}");
    assert!(
        err.contains("2 created"),
        "the good lines are stored: {err}"
    );
}

#[test]
fn a_load_in_many_batches_stores_them_in_file_order() {
    let dir = tempfile::tempdir().expect("temp dir");
    let lines = [
        r#"{"id":"a","body":"first version"}"#,
        r#"{"id":"b","body":"login loop"}"#,
        r#"{"id":"c","body":"export fails"}"#,
        r#"{"id":"d","body":"invoice blank"}"#,
        r#"{"id":"a","body":"second version"}"#,
        "not json",
        r#"{"id":"e","body":"password reset"}"#,
    ];
    std::fs::write(dir.path().join("load.ndjson"), lines.join("\n")).expect("write");
    // Two tickets a batch: batches are prepared while earlier ones are stored.
    let out = refrain(
        &[
            "ingest",
            "load.ndjson",
            "--data",
            "data",
            "--batch",
            "2",
            "--json",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let summary: Value = serde_json::from_slice(&out.stdout).expect("JSON summary");
    assert_eq!(
        (summary["created"].as_u64(), summary["updated"].as_u64()),
        (Some(5), Some(1))
    );
    assert_eq!(summary["invalid"], 1);
    assert_eq!(summary["errors"][0]["line"], 6, "{summary}");
    let db = rusqlite::Connection::open(dir.path().join("data/refrain.sqlite")).expect("store");
    let doc: String = db
        .query_row("SELECT doc FROM tickets WHERE id = 'a'", [], |r| r.get(0))
        .expect("a stored");
    assert!(doc.contains("second version"), "the later line wins: {doc}");
    let counted: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM tickets WHERE terms IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(counted, 5, "every ticket's term counts are stored with it");
}

#[test]
fn csv_and_json_array_files_are_read_by_extension() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("t.csv"),
        "id,title,tags\nx1,disk full,service-outage\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("t.json"),
        "[{\"id\":\"x2\",\"body\":\"hi\"}]",
    )
    .expect("write");
    let out = refrain(
        &["ingest", "t.csv", "t.json", "--data", "data", "--json"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let summary: Value = serde_json::from_slice(&out.stdout).expect("JSON summary");
    assert_eq!(summary["created"], 2);
}

#[test]
fn usage_errors_exit_2_and_user_errors_exit_1() {
    let dir = tempfile::tempdir().expect("temp dir");
    assert_eq!(refrain(&["--help"], dir.path()).status.code(), Some(0));
    assert_eq!(
        refrain(&["ingest"], dir.path()).status.code(),
        Some(2),
        "no file"
    );
    assert_eq!(refrain(&["frobnicate"], dir.path()).status.code(), Some(2));
    let missing = refrain(&["ingest", "nope.jsonl", "--data", "data"], dir.path());
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).contains("cannot open nope.jsonl"),
        "{}",
        stderr(&missing)
    );
    std::fs::write(dir.path().join("bad.toml"), "tags = []\n").expect("write");
    let config = refrain(
        &[
            "ingest",
            &fixtures(),
            "--data",
            "data",
            "--config",
            "bad.toml",
        ],
        dir.path(),
    );
    assert_eq!(config.status.code(), Some(1));
    assert!(
        stderr(&config).contains("tags must list at least one tag"),
        "{}",
        stderr(&config)
    );
}

#[test]
fn serve_refuses_a_public_address_without_tokens() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = refrain(
        &["serve", "--data", "data", "--addr", "0.0.0.0:0"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("without tokens"), "{}", stderr(&out));
}

#[test]
fn a_data_directory_in_use_is_refused_with_a_hint() {
    let dir = tempfile::tempdir().expect("temp dir");
    let engine = refrain::Engine::open(&dir.path().join("data"), refrain::Config::default())
        .expect("engine");
    let out = refrain(&["ingest", &fixtures(), "--data", "data"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("in use by another refrain process"),
        "{}",
        stderr(&out)
    );
    let recluster = refrain(&["recluster", "--data", "data"], dir.path());
    assert_eq!(recluster.status.code(), Some(1));
    assert!(
        stderr(&recluster).contains("POST /v1/recluster"),
        "{}",
        stderr(&recluster)
    );
    drop(engine);
}

#[test]
fn gen_writes_a_reproducible_dump_with_labels() {
    let dir = tempfile::tempdir().expect("temp dir");
    let args = |out: &str| {
        vec![
            "gen".to_string(),
            "--tickets".into(),
            "500".into(),
            "--families".into(),
            "20".into(),
            "--seed".into(),
            "7".into(),
            "--out".into(),
            out.into(),
        ]
    };
    let run = |out: &str| {
        let args = args(out);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        refrain(&args, dir.path())
    };
    let out = run("a.ndjson");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(run("b.ndjson").status.code(), Some(0));
    let a = std::fs::read_to_string(dir.path().join("a.ndjson")).expect("dump");
    let b = std::fs::read_to_string(dir.path().join("b.ndjson")).expect("dump");
    assert_eq!(a, b, "the same seed writes the same dump");
    assert_eq!(a.lines().count(), 500);
    let labels = std::fs::read_to_string(dir.path().join("a.labels.csv")).expect("labels");
    assert_eq!(
        labels.lines().count(),
        501,
        "a header and one label per ticket"
    );
    let bad = refrain(&["gen", "--tickets", "0", "--out", "c.ndjson"], dir.path());
    assert_eq!(bad.status.code(), Some(1), "{}", stderr(&bad));
}

#[test]
fn recluster_and_clusters_json_read_the_data_directory() {
    let dir = tempfile::tempdir().expect("temp dir");
    let empty = refrain(&["clusters", "--data", "data"], dir.path());
    assert_eq!(empty.status.code(), Some(0));
    assert!(
        stderr(&empty).contains("refrain recluster"),
        "{}",
        stderr(&empty)
    );
    let ingest = refrain(&["ingest", &fixtures(), "--data", "data"], dir.path());
    assert_eq!(ingest.status.code(), Some(0), "{}", stderr(&ingest));
    let out = refrain(&["recluster", "--data", "data", "--json"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
    assert_eq!(report["tickets"], 300);
    let clusters = report["clusters"].as_u64().expect("clusters");
    assert!(clusters > 10, "{report}");
    let listed = refrain(
        &["clusters", "--data", "data", "--json", "--limit", "1000"],
        dir.path(),
    );
    assert_eq!(listed.status.code(), Some(0), "{}", stderr(&listed));
    let lines: Vec<Value> = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON cluster per line"))
        .collect();
    assert_eq!(lines.len() as u64, clusters);
    assert!(lines[0]["id"].as_str().expect("id").starts_with('c'));
    assert!(lines[0]["examples"][0]["id"].is_string(), "{}", lines[0]);
    assert!(
        lines
            .windows(2)
            .all(|w| w[0]["size"].as_u64() >= w[1]["size"].as_u64())
    );
}

#[test]
fn eval_scores_a_labelled_csv_and_a_missing_file_is_a_user_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut csv = String::from("text,category\n");
    for i in 0..40 {
        csv.push_str(&format!(
            "my card was declined at the shop {i},card_declined\n"
        ));
        csv.push_str(&format!("how do I reset my password {i},password_reset\n"));
    }
    std::fs::write(dir.path().join("labelled.csv"), csv).expect("write");
    let out = refrain(&["eval", "labelled.csv", "--json"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
    assert_eq!(report["tickets"], 80);
    assert_eq!(report["labels"], 2);
    assert!(report["nmi"].as_f64().expect("nmi") > 0.9, "{report}");
    assert!(
        report["recluster"]["timings"]["total_s"].is_number(),
        "{report}"
    );
    let missing = refrain(&["eval", "missing.csv"], dir.path());
    assert_eq!(missing.status.code(), Some(1), "{}", stderr(&missing));
    let err = stderr(&missing);
    assert!(err.contains("cannot open missing.csv"), "{err}");
    assert_eq!(err.matches("os error").count(), 1, "said once: {err}");
}

#[test]
fn logs_to_a_file_carry_no_colour_codes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = Command::new(env!("CARGO_BIN_EXE_refrain"))
        .args(["serve", "--data", "data", "--addr", "0.0.0.0:0"])
        .current_dir(dir.path())
        .env("REFRAIN_LOG", "info")
        .output()
        .expect("the binary runs");
    let err = stderr(&out);
    assert!(!err.is_empty());
    assert!(
        !err.contains('\u{1b}'),
        "ANSI escapes in a non-terminal log: {err:?}"
    );
}

#[test]
fn review_from_the_terminal_confirms_and_groups_lists_the_group() {
    let dir = tempfile::tempdir().expect("temp dir");
    assert_eq!(
        refrain(&["ingest", &fixtures(), "--data", "data"], dir.path())
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        refrain(&["recluster", "--data", "data"], dir.path())
            .status
            .code(),
        Some(0)
    );
    let listed = refrain(
        &["clusters", "--data", "data", "--json", "--limit", "1"],
        dir.path(),
    );
    let first: Value = serde_json::from_slice(&listed.stdout).expect("a cluster");
    let id = first["id"].as_str().expect("id");
    let bad = refrain(
        &[
            "review", "--data", "data", "confirm", id, "--name", "X", "--tag", "urgent",
        ],
        dir.path(),
    );
    assert_eq!(bad.status.code(), Some(1), "an unknown tag is a user error");
    assert!(stderr(&bad).contains("weak-ux"), "{}", stderr(&bad));
    let ok = refrain(
        &[
            "review",
            "--data",
            "data",
            "--json",
            "confirm",
            id,
            "--name",
            "Export times out",
            "--tag",
            "service-outage",
        ],
        dir.path(),
    );
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    let answer: Value = serde_json::from_slice(&ok.stdout).expect("JSON");
    let gid = answer["group"]["id"].as_str().expect("gid");
    let groups = refrain(&["groups", "--data", "data", "--json"], dir.path());
    let line: Value = serde_json::from_slice(&groups.stdout).expect("one group");
    assert_eq!(line["id"], gid);
    assert_eq!(line["counts"]["total"], first["size"]);
    // The group's own words find it.
    let words: Vec<&str> = first["label_terms"]
        .as_array()
        .expect("label terms")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let suggested = refrain(
        &["suggest", "--data", "data", "--json", &words.join(" ")],
        dir.path(),
    );
    assert_eq!(suggested.status.code(), Some(0), "{}", stderr(&suggested));
    let ranked: Value = serde_json::from_slice(&suggested.stdout).expect("JSON");
    assert_eq!(ranked["suggestions"][0]["group"], gid, "{ranked}");
    let blank = refrain(&["suggest", "--data", "data", " "], dir.path());
    assert_eq!(blank.status.code(), Some(1), "blank text is a user error");
    // Not ready for the roadmap yet: no owner, problem or measure.
    let road = refrain(&["roadmap", "--data", "data", "--json"], dir.path());
    assert_eq!(road.status.code(), Some(0), "{}", stderr(&road));
    let road: Value = serde_json::from_slice(&road.stdout).expect("JSON");
    assert_eq!(road["roadmap"], serde_json::json!([]), "{road}");
    assert_eq!(road["watchlist"][0]["group"], gid, "{road}");
    let human = refrain(&["roadmap", "--data", "data"], dir.path());
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("watchlist (1 not ready)") && text.contains("missing: "),
        "{text}"
    );
    let did = answer["decision"]["id"].as_str().expect("did");
    let undo = refrain(&["review", "--data", "data", "undo", did], dir.path());
    assert_eq!(undo.status.code(), Some(0), "{}", stderr(&undo));
    let again = refrain(&["review", "--data", "data", "undo", did], dir.path());
    assert_eq!(
        again.status.code(),
        Some(1),
        "undoing twice is a user error"
    );
}

#[test]
fn serve_demo_shows_clusters_groups_and_a_roadmap_and_sighup_reloads_the_scoring_file() {
    let dir = tempfile::tempdir().expect("dir");
    let example = include_str!("../scoring.example.toml");
    std::fs::write(dir.path().join("refrain.toml"), "").expect("config");
    std::fs::write(dir.path().join("scoring.toml"), example).expect("scoring");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_refrain"))
        .args([
            "serve",
            "--demo",
            "--data",
            "data",
            "--addr",
            &addr,
            "--config",
            "refrain.toml",
        ])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("serve starts");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let get = |path: &str| -> Option<Value> {
        let mut r = agent.get(format!("http://{addr}{path}")).call().ok()?;
        (r.status() == 200)
            .then(|| r.body_mut().read_json().ok())
            .flatten()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let mut roadmap = None;
    while std::time::Instant::now() < deadline && roadmap.is_none() {
        roadmap = get("/v1/roadmap");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let groups = get("/v1/groups");
    // SIGHUP reads the scoring file again; a bad one leaves the one in use.
    let hangup = || {
        let sent = Command::new("kill")
            .args(["-HUP", &child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success());
    };
    let first_factor = || {
        get("/v1/roadmap").and_then(|r| {
            r["roadmap"][0]["breakdown"][0]["factor"]
                .as_str()
                .map(String::from)
        })
    };
    std::fs::write(
        dir.path().join("scoring.toml"),
        example.replace("name = \"repeats\"", "name = \"recurrence\""),
    )
    .expect("scoring");
    hangup();
    let mut renamed = None;
    while std::time::Instant::now() < deadline && renamed.as_deref() != Some("recurrence") {
        std::thread::sleep(std::time::Duration::from_millis(100));
        renamed = first_factor();
    }
    std::fs::write(dir.path().join("scoring.toml"), "[[factor]]\nname = 3\n").expect("scoring");
    hangup();
    std::thread::sleep(std::time::Duration::from_millis(500));
    let kept = first_factor();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        renamed.as_deref(),
        Some("recurrence"),
        "SIGHUP reloaded the file"
    );
    assert_eq!(
        kept.as_deref(),
        Some("recurrence"),
        "a bad file is refused, the one in use stays"
    );
    let roadmap = roadmap.expect("the demo server answers /v1/roadmap");
    assert_eq!(
        roadmap["roadmap"].as_array().map(Vec::len),
        Some(1),
        "{roadmap}"
    );
    assert_eq!(
        roadmap["watchlist"].as_array().map(Vec::len),
        Some(2),
        "{roadmap}"
    );
    let groups = groups.expect("groups");
    assert_eq!(
        groups["groups"].as_array().map(Vec::len),
        Some(3),
        "{groups}"
    );
}

/// A receiver that answers every request 200 and counts them.
fn webhook() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            if String::from_utf8_lossy(&body).contains("refrain weekly digest") {
                seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
        }
    });
    (url, count)
}

#[test]
fn the_digest_and_the_exports_from_the_terminal() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = |args: &[&str]| refrain(args, dir.path());
    assert_eq!(
        run(&["ingest", &fixtures(), "--data", "data"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(run(&["recluster", "--data", "data"]).status.code(), Some(0));
    let listed = run(&["clusters", "--data", "data", "--json", "--limit", "1"]);
    let first: Value = serde_json::from_slice(&listed.stdout).expect("a cluster");
    let id = first["id"].as_str().expect("id");
    let ok = run(&[
        "review",
        "--data",
        "data",
        "--json",
        "confirm",
        id,
        "--name",
        "Export times out",
        "--tag",
        "service-outage",
    ]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    let gid = serde_json::from_slice::<Value>(&ok.stdout).expect("JSON")["group"]["id"]
        .as_str()
        .expect("gid")
        .to_string();

    let json = run(&["digest", "--data", "data", "--format", "json"]);
    assert_eq!(json.status.code(), Some(0), "{}", stderr(&json));
    let digest: Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(digest["top"][0]["group"], gid.as_str(), "{digest}");
    let markdown = run(&["digest", "--data", "data"]);
    assert!(String::from_utf8_lossy(&markdown.stdout).starts_with("## refrain weekly digest · "));
    let bad = run(&["digest", "--data", "data", "--week", "2026-48"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("2026-W48"), "{}", stderr(&bad));
    let unsent = run(&["digest", "--data", "data", "--send"]);
    assert_eq!(unsent.status.code(), Some(1));
    assert!(stderr(&unsent).contains("webhook"), "{}", stderr(&unsent));

    // Posted once to a configured webhook; asked again, nothing is sent.
    let (url, posts) = webhook();
    std::fs::write(
        dir.path().join("refrain.toml"),
        format!("[digest]\nwebhook_url = \"{url}\"\n[delivery]\nbackoff_ms = 10\n"),
    )
    .expect("config");
    let sent = run(&[
        "digest",
        "--data",
        "data",
        "--config",
        "refrain.toml",
        "--send",
    ]);
    assert_eq!(sent.status.code(), Some(0), "{}", stderr(&sent));
    assert!(stderr(&sent).contains(": sent"), "{}", stderr(&sent));
    let twice = run(&[
        "digest",
        "--data",
        "data",
        "--config",
        "refrain.toml",
        "--send",
    ]);
    assert!(
        stderr(&twice).contains("posted already"),
        "{}",
        stderr(&twice)
    );
    assert_eq!(posts.load(std::sync::atomic::Ordering::SeqCst), 1);

    let csv = run(&[
        "export",
        "warehouse",
        "--data",
        "data",
        "--format",
        "csv",
        "--out",
        "tickets.csv",
    ]);
    assert_eq!(csv.status.code(), Some(0), "{}", stderr(&csv));
    let text = std::fs::read_to_string(dir.path().join("tickets.csv")).expect("written");
    assert!(
        text.starts_with("ticket_id,source,created_at,ingested_at,title,"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 301, "a header and 300 tickets");
    let groups = run(&["export", "warehouse", "--data", "data", "--table", "groups"]);
    let row: Value = serde_json::from_slice(&groups.stdout).expect("one NDJSON line");
    assert_eq!(row["group_id"], gid.as_str());
    let refused = run(&[
        "export",
        "warehouse",
        "--data",
        "data",
        "--table",
        "groups",
        "--since",
        "2026-01-01T00:00:00Z",
    ]);
    assert_eq!(refused.status.code(), Some(1));

    for _ in 0..2 {
        let yaml = run(&[
            "export",
            "prioritized",
            "--data",
            "data",
            "--out",
            "prioritized.yaml",
        ]);
        assert_eq!(yaml.status.code(), Some(0), "{}", stderr(&yaml));
    }
    let first_yaml = std::fs::read(dir.path().join("prioritized.yaml")).expect("written");
    let printed = run(&["export", "prioritized", "--data", "data"]);
    assert_eq!(printed.stdout, first_yaml, "the same bytes each time");
    let parsed: Value = serde_norway::from_slice(&first_yaml).expect("YAML");
    assert!(parsed["items"].is_array(), "{parsed}");

    let dry = run(&["export", "jira", "--data", "data", "--dry-run"]);
    assert_eq!(dry.status.code(), Some(0), "{}", stderr(&dry));
    let payload: Value = serde_json::from_slice(&dry.stdout).expect("JSON");
    assert!(payload["issueUpdates"].is_array(), "{payload}");
    let generic = run(&["export", "jira", "--data", "data", "--dry-run", "--generic"]);
    assert!(serde_json::from_slice::<Value>(&generic.stdout).expect("JSON")["issues"].is_array());
    let no_tracker = run(&["export", "jira", "--data", "data"]);
    assert_eq!(no_tracker.status.code(), Some(1));
    assert!(
        stderr(&no_tracker).contains("no tracker"),
        "{}",
        stderr(&no_tracker)
    );
    assert_eq!(
        run(&["export", "jira", "--data", "data", "--generic"])
            .status
            .code(),
        Some(2),
        "--generic needs --dry-run"
    );
}

/// `refrain serve` on a free port of this machine, killed when dropped.
struct Served {
    child: std::process::Child,
    addr: String,
}

impl Served {
    fn start(dir: &Path) -> Served {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let addr = format!("127.0.0.1:{port}");
        let child = Command::new(env!("CARGO_BIN_EXE_refrain"))
            .args(["serve", "--data", "data", "--addr", &addr])
            .current_dir(dir)
            .env("REFRAIN_LOG", "error")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("serve starts");
        let served = Served { child, addr };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while served.get("/readyz").is_none() {
            assert!(std::time::Instant::now() < deadline, "the server got ready");
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        served
    }

    fn get(&self, path: &str) -> Option<Value> {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut r = agent
            .get(format!("http://{}{path}", self.addr))
            .call()
            .ok()?;
        (r.status() == 200)
            .then(|| r.body_mut().read_json().ok())
            .flatten()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn ingest_to_a_server_over_several_connections_keeps_each_tickets_versions_in_order() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Ten versions of ticket `a`, one a batch of 20, with three batches in
    // flight; the batches of odd versions are slow to store (long bodies),
    // so without the ordering a later version would land first and an
    // older one last.
    let heavy = "the export job times out again and again ".repeat(1400);
    let mut lines = Vec::new();
    for v in 1..=10 {
        lines.push(format!(r#"{{"id":"a","body":"login loop version {v}"}}"#));
        for i in 1..20 {
            let body = if v % 2 == 1 {
                heavy.as_str()
            } else {
                "invoice blank"
            };
            lines.push(format!(r#"{{"id":"f{v}-{i}","body":"{body} {i}"}}"#));
        }
    }
    lines.insert(7, "not json".into());
    lines.push(r#"{"id":"bad"}"#.into());
    std::fs::write(dir.path().join("load.ndjson"), lines.join("\n")).expect("write");
    let served = Served::start(dir.path());
    let url = format!("http://{}", served.addr);
    let out = refrain(
        &[
            "ingest",
            "load.ndjson",
            "--server",
            &url,
            "--batch",
            "20",
            "--connections",
            "3",
            "--json",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let summary: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("JSON summary ({e}): {}", stderr(&out)));
    assert_eq!(
        (summary["created"].as_u64(), summary["updated"].as_u64()),
        (Some(191), Some(9)),
        "{summary}"
    );
    assert_eq!(summary["invalid"], 2, "{summary}");
    let mut lines_refused: Vec<u64> = summary["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["line"].as_u64())
        .collect();
    lines_refused.sort_unstable();
    assert_eq!(lines_refused, [8, 202], "{summary}");
    let a = served.get("/v1/tickets/a").expect("ticket a");
    assert_eq!(
        a["body"], "login loop version 10",
        "the last line wins: {a}"
    );
}
