//! `spawn_app()` and a small blocking client.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use refrain::config::{Settings, TokenSettings};
use refrain::http::Application;
use refrain::{Config, Engine, EngineOptions};
use serde_json::Value;

pub const INGEST_TOKEN: &str = "ingest-token-0123456789";
pub const REVIEW_TOKEN: &str = "review-token-0123456789";
pub const ADMIN_TOKEN: &str = "admin-token-01234567890";

pub struct TestApp {
    pub address: String,
    pub engine: Arc<Engine>,
    agent: ureq::Agent,
    _dir: tempfile::TempDir,
}

/// An answer: status, content type and the body parsed as JSON (or as a
/// JSON string when it is not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: Value,
    pub text: String,
}

impl Answer {
    /// Asserts this is a problem+json error with the given status and a
    /// human sentence in `detail`.
    pub fn assert_problem(&self, status: u16, why: &str) {
        assert_eq!(self.status, status, "{why}: {}", self.text);
        assert_eq!(
            self.content_type, "application/problem+json",
            "{why}: content type"
        );
        assert_eq!(self.body["status"], status, "{why}: status field");
        let detail = self.body["detail"].as_str().unwrap_or("");
        assert!(
            detail.len() > 20,
            "{why}: detail should explain: {detail:?}"
        );
        assert!(
            self.body["type"].is_string() && self.body["title"].is_string(),
            "{why}"
        );
    }
}

fn settings_with_tokens() -> Settings {
    let token = |token: &str, role: &str| TokenSettings {
        token: token.into(),
        role: serde_json::from_value(Value::String(role.into())).expect("a role"),
        name: None,
    };
    Settings {
        tokens: vec![
            token(INGEST_TOKEN, "ingest"),
            token(REVIEW_TOKEN, "review"),
            token(ADMIN_TOKEN, "admin"),
        ],
        ..Settings::default()
    }
}

/// A server with no tokens (open, loopback only).
pub fn spawn_app() -> TestApp {
    spawn_app_with(Config::default())
}

/// A server with one token per role.
pub fn spawn_app_with_tokens() -> TestApp {
    spawn_app_with(settings_with_tokens().check().expect("valid settings"))
}

pub fn spawn_app_with(config: Config) -> TestApp {
    spawn_app_in(tempfile::tempdir().expect("temp dir"), config.into())
}

/// A server over `dir` (which may hold data already), opened with `options`.
pub fn spawn_app_in(dir: tempfile::TempDir, options: EngineOptions) -> TestApp {
    init_tracing();
    let engine = Arc::new(Engine::open(dir.path(), options).expect("engine opens"));
    let app = Application::build(engine.clone(), "127.0.0.1:0").expect("server binds");
    let address = format!("http://127.0.0.1:{}", app.port());
    std::thread::spawn(move || actix_web::rt::System::new().block_on(app.run_until_stopped()));
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into();
    TestApp {
        address,
        engine,
        agent,
        _dir: dir,
    }
}

fn init_tracing() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            tracing_subscriber::fmt().with_test_writer().init();
        }
    });
}

impl TestApp {
    pub fn request(
        &self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: Option<Vec<u8>>,
        token: Option<&str>,
    ) -> Answer {
        let url = format!("{}{}", self.address, path);
        let mut builder = ureq::http::Request::builder().method(method).uri(&url);
        if let Some(ct) = content_type {
            builder = builder.header("Content-Type", ct);
        }
        if let Some(token) = token {
            builder = builder.header("Authorization", format!("Bearer {token}"));
        }
        let request = builder.body(body.unwrap_or_default()).expect("a request");
        let mut response = self.agent.run(request).expect("the server answers");
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let text = response
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_to_string()
            .expect("a text body");
        let body = serde_json::from_str(&text).unwrap_or_else(|_| Value::String(text.clone()));
        let answer = Answer {
            status,
            content_type,
            body,
            text,
        };
        super::openapi::assert_answer_matches_spec(method, path, &answer);
        answer
    }

    pub fn get(&self, path: &str) -> Answer {
        self.request("GET", path, None, None, None)
    }

    pub fn get_as(&self, path: &str, token: &str) -> Answer {
        self.request("GET", path, None, None, Some(token))
    }

    pub fn post_json(&self, path: &str, body: &Value) -> Answer {
        self.request(
            "POST",
            path,
            Some("application/json"),
            Some(body.to_string().into_bytes()),
            None,
        )
    }

    pub fn post_tickets(&self, body: &Value) -> Answer {
        self.post_json("/v1/tickets?refresh=wait_for", body)
    }

    pub fn stored_tickets(&self) -> u64 {
        self.engine.status().expect("status").tickets
    }
}

/// A valid ticket with this id and body.
pub fn ticket(id: &str, body: &str) -> Value {
    serde_json::json!({"id": id, "source": "support", "created_at": "2026-11-20T10:00:00Z", "body": body})
}

/// Compares `text` with `tests/api/snapshots/{name}`; with
/// `UPDATE_SNAPSHOTS=1` it writes the file instead.
pub fn assert_snapshot(name: &str, text: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/api/snapshots")
        .join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, text).expect("snapshot written");
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}; run with UPDATE_SNAPSHOTS=1 to write it",
            path.display()
        )
    });
    assert_eq!(
        text, want,
        "{name} differs from its snapshot; if the change is meant, run with UPDATE_SNAPSHOTS=1 and review the diff"
    );
}

/// One request a [`FakeReceiver`] got.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub authorization: Option<String>,
    pub body: Value,
}

/// A local HTTP server standing in for a chat webhook or a tracker: it
/// answers each request with the next `(status, delay, body)` of its
/// script (the last one repeats) and records what it got.
pub struct FakeReceiver {
    pub url: String,
    pub received: Arc<std::sync::Mutex<Vec<Received>>>,
}

impl FakeReceiver {
    pub fn start(script: Vec<(u16, Duration, String)>) -> FakeReceiver {
        use std::io::{BufRead, BufReader, Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let received = Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = received.clone();
        std::thread::spawn(move || {
            for (n, stream) in listener.incoming().enumerate() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() {
                    continue;
                }
                let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
                let (mut length, mut authorization) = (0usize, None);
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).is_err() || header.trim().is_empty() {
                        break;
                    }
                    let (name, value) = header.split_once(':').unwrap_or(("", ""));
                    match name.trim().to_ascii_lowercase().as_str() {
                        "content-length" => length = value.trim().parse().unwrap_or(0),
                        "authorization" => authorization = Some(value.trim().to_string()),
                        _ => {}
                    }
                }
                let mut body = vec![0u8; length];
                let _ = reader.read_exact(&mut body);
                log.lock().expect("log").push(Received {
                    path,
                    authorization,
                    body: serde_json::from_slice(&body).unwrap_or(Value::Null),
                });
                let (status, delay, answer) = script[n.min(script.len() - 1)].clone();
                std::thread::sleep(delay);
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                    answer.len()
                );
            }
        });
        FakeReceiver { url, received }
    }

    pub fn count(&self) -> usize {
        self.received.lock().expect("log").len()
    }

    pub fn requests(&self) -> Vec<Received> {
        self.received.lock().expect("log").clone()
    }
}

/// Polls `f` until it is true or `within` passes.
pub fn eventually(within: Duration, mut f: impl FnMut() -> bool) -> bool {
    let until = std::time::Instant::now() + within;
    while std::time::Instant::now() < until {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    f()
}
