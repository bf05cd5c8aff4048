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
    assert!(stderr(&out).contains("--server"), "{}", stderr(&out));
    drop(engine);
}
