//! Fault injection: the real binary is `kill -9`ed at random moments while
//! it ingests; every ticket it acknowledged must be there after a restart,
//! by id and by search.

use std::collections::BTreeSet;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

const ROUNDS: usize = 20;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

struct Server {
    child: Child,
    base: String,
}

fn start(data: &std::path::Path) -> Server {
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_refrain"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}"), "--data"])
        .arg(data)
        .env("REFRAIN_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    let agent = agent();
    while Instant::now() < deadline {
        if agent
            .get(format!("{base}/healthz"))
            .call()
            .is_ok_and(|r| r.status() == 200)
        {
            return Server { child, base };
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("server did not start");
}

fn get(agent: &ureq::Agent, url: &str) -> (u16, Value) {
    let mut response = agent.get(url).call().expect("the server answers");
    let status = response.status().as_u16();
    let body = response.body_mut().read_json().unwrap_or(Value::Null);
    (status, body)
}

/// A word per round that the analyzer keeps whole: letters only (digits
/// would be masked as volatile).
fn round_word(round: usize) -> String {
    let letters: String = format!("{round:03}")
        .bytes()
        .map(|b| char::from(b'a' + (b - b'0')))
        .collect();
    format!("crashround{letters}")
}

#[test]
fn acknowledged_tickets_survive_kill_9_at_random_moments() {
    let seed: u64 = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            now.as_nanos() as u64 ^ u64::from(std::process::id())
        });
    eprintln!("crash test seed {seed} (set CRASH_SEED to replay)");
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
    let dir = tempfile::tempdir().expect("temp dir");
    let mut acknowledged: Vec<BTreeSet<String>> = Vec::new();
    for round in 0..ROUNDS {
        let mut server = start(dir.path());
        let acked = Arc::new(Mutex::new(BTreeSet::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let writer = {
            let (acked, stop, base) = (acked.clone(), stop.clone(), server.base.clone());
            let word = round_word(round);
            std::thread::spawn(move || {
                let agent = agent();
                let mut batch_no = 0;
                while !stop.load(Ordering::Relaxed) {
                    let ids: Vec<String> = (0..25)
                        .map(|i| format!("r{round}-b{batch_no}-{i}"))
                        .collect();
                    let batch: Vec<Value> = ids
                        .iter()
                        .map(|id| json!({"id": id, "source": "ops", "body": format!("{word} disk full on the primary database")}))
                        .collect();
                    batch_no += 1;
                    match agent.post(format!("{base}/v1/tickets")).send_json(&batch) {
                        Ok(response) if response.status() == 200 => {
                            acked.lock().expect("lock").extend(ids);
                        }
                        _ => return, // killed mid-request: not acknowledged
                    }
                }
            })
        };
        std::thread::sleep(Duration::from_millis(rng.gen_range(30..400)));
        server.child.kill().expect("kill -9");
        server.child.wait().expect("reaped");
        stop.store(true, Ordering::Relaxed);
        writer.join().expect("writer thread");
        let acked = Arc::try_unwrap(acked)
            .expect("one owner")
            .into_inner()
            .expect("lock");
        assert!(
            !acked.is_empty() || round > 0,
            "round {round}: nothing was acknowledged before the kill"
        );
        acknowledged.push(acked);
    }

    let server = start(dir.path());
    let agent = agent();
    let deadline = Instant::now() + Duration::from_secs(60);
    while get(&agent, &format!("{}/readyz", server.base)).0 != 200 {
        assert!(
            Instant::now() < deadline,
            "the index never caught up after the crashes"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let total: usize = acknowledged.iter().map(BTreeSet::len).sum();
    eprintln!("{total} tickets acknowledged over {ROUNDS} kill -9 rounds");
    for (round, acked) in acknowledged.iter().enumerate() {
        // Every acknowledged ticket is found by search…
        let mut found = BTreeSet::new();
        let mut url = format!(
            "{}/v1/tickets?q={}&limit=1000",
            server.base,
            round_word(round)
        );
        loop {
            // A 503 says "try again shortly" (documented, with
            // Retry-After); anything else but 200 is a failure.
            let (mut status, mut page) = get(&agent, &url);
            while status == 503 && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(100));
                (status, page) = get(&agent, &url);
            }
            assert_eq!(status, 200, "search after the crashes: {page}");
            for t in page["tickets"].as_array().expect("tickets") {
                found.insert(t["id"].as_str().expect("id").to_string());
            }
            match page["next_cursor"].as_str() {
                Some(c) => {
                    url = format!(
                        "{}/v1/tickets?q={}&limit=1000&cursor={c}",
                        server.base,
                        round_word(round)
                    )
                }
                None => break,
            }
        }
        let missing: Vec<_> = acked.difference(&found).take(5).collect();
        assert!(
            missing.is_empty(),
            "round {round}: acknowledged but not searchable: {missing:?}"
        );
        // …and by id (a sample per round keeps the test quick).
        for id in acked.iter().step_by(7) {
            let (status, ticket) = get(&agent, &format!("{}/v1/tickets/{id}", server.base));
            assert_eq!(status, 200, "round {round}: acknowledged ticket {id} lost");
            assert_eq!(ticket["id"], id.as_str());
        }
    }
    let mut server = server;
    server.child.kill().expect("kill");
    let _ = server.child.wait();
}

fn post(agent: &ureq::Agent, url: &str) -> (u16, Value) {
    let mut response = agent
        .post(url)
        .header("Content-Type", "application/json")
        .send("{}")
        .expect("the server answers");
    let status = response.status().as_u16();
    (
        status,
        response.body_mut().read_json().unwrap_or(Value::Null),
    )
}

fn wait_job(agent: &ureq::Agent, base: &str, id: &str, until: &[&str]) -> Value {
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let (status, job) = get(agent, &format!("{base}/v1/jobs/{id}"));
        assert_eq!(status, 200);
        if until.contains(&job["state"].as_str().unwrap_or("")) {
            return job;
        }
        assert!(Instant::now() < deadline, "job {id} stuck: {job}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn cluster_ids(agent: &ureq::Agent, base: &str) -> Vec<(String, u64)> {
    let (_, list) = get(agent, &format!("{base}/v1/clusters?limit=1000"));
    list["clusters"]
        .as_array()
        .expect("clusters")
        .iter()
        .map(|c| {
            (
                c["id"].as_str().expect("id").to_string(),
                c["size"].as_u64().expect("size"),
            )
        })
        .collect()
}

#[test]
fn a_recluster_killed_midway_leaves_the_previous_clusters_and_a_failed_job() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dump = dir.path().join("dump.ndjson");
    let bin = env!("CARGO_BIN_EXE_refrain");
    let status = Command::new(bin)
        .args(["gen", "--tickets", "40000", "--seed", "3", "--out"])
        .arg(&dump)
        .status()
        .expect("gen runs");
    assert!(status.success());
    let data = dir.path().join("data");
    let status = Command::new(bin)
        .arg("ingest")
        .arg(&dump)
        .arg("--data")
        .arg(&data)
        .stderr(Stdio::null())
        .status()
        .expect("ingest runs");
    assert!(status.success());

    let mut server = start(&data);
    let agent = agent();
    let (status, first) = post(&agent, &format!("{}/v1/recluster", server.base));
    assert_eq!(status, 202, "{first}");
    wait_job(
        &agent,
        &server.base,
        first["job"]["id"].as_str().expect("id"),
        &["succeeded"],
    );
    let before = cluster_ids(&agent, &server.base);
    assert!(!before.is_empty());

    let (status, second) = post(&agent, &format!("{}/v1/recluster", server.base));
    assert_eq!(status, 202, "{second}");
    let second_id = second["job"]["id"].as_str().expect("id").to_string();
    let running = wait_job(
        &agent,
        &server.base,
        &second_id,
        &["running", "succeeded", "failed"],
    );
    assert_eq!(
        running["state"], "running",
        "the job must still run when it is killed"
    );
    server.child.kill().expect("kill -9");
    server.child.wait().expect("reaped");

    let mut server = start(&data);
    let (_, job) = get(&agent, &format!("{}/v1/jobs/{second_id}", server.base));
    assert_eq!(job["state"], "failed", "{job}");
    assert!(
        job["error"].as_str().unwrap_or("").contains("interrupted"),
        "{job}"
    );
    assert_eq!(
        cluster_ids(&agent, &server.base),
        before,
        "the previous clusters are still served"
    );
    server.child.kill().expect("kill");
    let _ = server.child.wait();
}

fn send_json(agent: &ureq::Agent, method: &str, url: &str, body: &Value) -> Option<(u16, Value)> {
    let request = ureq::http::Request::builder()
        .method(method)
        .uri(url)
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .expect("a request");
    // A killed server answers nothing: the decision was not acknowledged.
    let mut response = agent.run(request).ok()?;
    let status = response.status().as_u16();
    Some((
        status,
        response.body_mut().read_json().unwrap_or(Value::Null),
    ))
}

#[test]
fn acknowledged_decisions_survive_kill_9_with_their_audit_entries() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let client = agent();
    // Setup: the demo tickets, clustered, and one group to edit.
    let server = start(&data);
    let fixtures = include_str!("../fixtures/tickets.ndjson");
    let mut response = client
        .post(format!("{}/v1/tickets", server.base))
        .header("Content-Type", "application/x-ndjson")
        .send(fixtures)
        .expect("ingest");
    assert_eq!(
        response.status().as_u16(),
        200,
        "{:?}",
        response.body_mut().read_to_string()
    );
    let (_, job) = post(&client, &format!("{}/v1/recluster", server.base));
    let id = job["job"]["id"].as_str().expect("job id").to_string();
    wait_job(&client, &server.base, &id, &["succeeded"]);
    let first = cluster_ids(&client, &server.base)[0].0.clone();
    let (status, confirmed) = send_json(
        &client,
        "POST",
        &format!("{}/v1/clusters/{first}/confirm", server.base),
        &json!({"name": "Edited under fire", "tag": "weak-ux"}),
    )
    .expect("answered");
    assert_eq!(status, 200, "{confirmed}");
    let group = confirmed["group"]["id"].as_str().expect("gid").to_string();
    let mut acknowledged: Vec<String> = vec![
        confirmed["decision"]["id"]
            .as_str()
            .expect("did")
            .to_string(),
    ];
    let mut last_name = String::new();
    let mut server = server;
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    for round in 0..ROUNDS {
        // A stream of decisions: renames of the group, and confirms or
        // rejects of open clusters while there are any.
        let base = server.base.clone();
        let acked = Arc::new(Mutex::new(Vec::<(String, Option<String>)>::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let writer = {
            let (acked, stop, group) = (acked.clone(), stop.clone(), group.clone());
            std::thread::spawn(move || {
                let agent = agent();
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    let name = format!("round {round} rename {i}");
                    let answer = send_json(
                        &agent,
                        "PATCH",
                        &format!("{base}/v1/groups/{group}"),
                        &json!({"name": name}),
                    );
                    let Some((200, _)) = answer else { break };
                    let (_, log) = match send_json(
                        &agent,
                        "GET",
                        &format!("{base}/v1/decisions?limit=1&kind=edit"),
                        &json!({}),
                    ) {
                        Some(answer) => answer,
                        None => break,
                    };
                    if let Some(d) = log["decisions"][0]["id"].as_str() {
                        acked
                            .lock()
                            .expect("acked")
                            .push((d.to_string(), Some(name)));
                    }
                    if i % 3 == 0 {
                        let clusters = match send_json(
                            &agent,
                            "GET",
                            &format!("{base}/v1/clusters?limit=1"),
                            &json!({}),
                        ) {
                            Some((200, list)) => list,
                            _ => break,
                        };
                        if let Some(c) = clusters["clusters"][0]["id"].as_str() {
                            let answer = send_json(
                                &agent,
                                "POST",
                                &format!("{base}/v1/clusters/{c}/reject"),
                                &json!({}),
                            );
                            if let Some((200, body)) = answer {
                                let d = body["decision"]["id"].as_str().expect("did").to_string();
                                acked.lock().expect("acked").push((d, None));
                            }
                        }
                    }
                }
            })
        };
        std::thread::sleep(Duration::from_millis(rng.gen_range(50..400)));
        let _ = server.child.kill();
        let _ = server.child.wait();
        stop.store(true, Ordering::Relaxed);
        writer.join().expect("the writer ends");
        for (d, name) in acked.lock().expect("acked").drain(..) {
            if let Some(name) = name {
                last_name = name;
            }
            acknowledged.push(d);
        }
        server = start(&data);
        let mut logged: BTreeSet<String> = BTreeSet::new();
        let mut cursor = String::new();
        loop {
            let (_, page) = get(
                &client,
                &format!("{}/v1/decisions?limit=1000&cursor={cursor}", server.base),
            );
            logged.extend(
                page["decisions"]
                    .as_array()
                    .expect("log")
                    .iter()
                    .filter_map(|d| d["id"].as_str().map(str::to_string)),
            );
            match page["next_cursor"].as_str() {
                Some(next) => cursor = next.to_string(),
                None => break,
            }
        }
        for d in &acknowledged {
            assert!(
                logged.contains(d),
                "round {round}: acknowledged decision {d} is gone; the log holds {} decisions: {:?}",
                logged.len(),
                logged.iter().take(5).collect::<Vec<_>>()
            );
        }
        let (status, g) = get(&client, &format!("{}/v1/groups/{group}", server.base));
        assert_eq!(status, 200, "round {round}: the group is gone");
        if !last_name.is_empty() {
            let name = g["name"].as_str().unwrap_or("");
            let acked_or_later = name == last_name || name.starts_with(&format!("round {round} "));
            assert!(
                acked_or_later,
                "round {round}: group name {name:?} is older than the acknowledged {last_name:?}"
            );
        }
    }
    let _ = server.child.kill();
    let _ = server.child.wait();
}
