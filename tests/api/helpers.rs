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
