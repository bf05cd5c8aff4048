//! Sends what refrain produces to where teams read it — the digest to a
//! chat webhook, promoted items to an issue tracker — through the store's
//! outbox: each delivery is recorded before it is sent, tried with
//! exponential backoff, and keyed so that once a receiver has accepted it,
//! it is never sent again. (A crash, or a timeout, between the receiver's
//! acceptance and its record sends it once more: at least once.)
//!
//! Only this module knows how to reach those services; the engine decides
//! what to send and what an answer means for its groups.

pub mod settings;
pub mod worker;

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::Value;

pub use settings::{DeliverySettings, DigestSettings, ExportSettings, JiraSettings};

use crate::config::Config;
use crate::store::{DeliveryState, OutboxEntry, Store, StoreError};

/// Where an outbox entry goes.
pub const WEBHOOK: &str = "webhook";
pub const JIRA: &str = "jira";

/// How one try ended.
#[derive(Debug, Clone, PartialEq)]
enum Try {
    /// Accepted; what the receiver answered (JSON, or its text).
    Sent(Value),
    /// Worth another try: no answer, a timeout, 429 or 5xx.
    Again(String),
    /// Another try would fail the same way: a 4xx, no destination.
    Fail(String),
}

/// How a delivery ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Sent(Value),
    Failed(String),
    /// Stopped between tries (shutting down); still queued.
    Interrupted,
}

/// Sends outbox entries.
pub struct Courier {
    agent: ureq::Agent,
    settings: DeliverySettings,
    digest: DigestSettings,
    jira: JiraSettings,
}

impl Courier {
    pub fn new(config: &Config) -> Courier {
        Courier {
            agent: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .timeout_global(Some(Duration::from_millis(config.delivery.timeout_ms)))
                .user_agent(concat!("refrain/", env!("CARGO_PKG_VERSION")))
                .build()
                .into(),
            settings: config.delivery,
            digest: config.digest.clone(),
            jira: config.export.jira.clone(),
        }
    }

    /// Sends `entry`, trying again after failures that may pass, and
    /// records every try in `store`. `wait` sleeps between tries and says
    /// whether to go on.
    ///
    /// # Errors
    /// Store errors (the entry then stays queued).
    pub fn deliver(
        &self,
        store: &Store,
        entry: &OutboxEntry,
        wait: &mut dyn FnMut(Duration) -> bool,
    ) -> Result<Outcome, StoreError> {
        let now = time::OffsetDateTime::now_utc;
        let first = entry.attempts + 1;
        for n in first..=self.settings.attempts.max(first) {
            let failed = match self.try_once(entry) {
                Try::Sent(answer) => {
                    store.delivery_attempted(
                        &entry.key,
                        DeliveryState::Sent,
                        None,
                        Some(&answer),
                        now(),
                    )?;
                    tracing::info!(key = %entry.key, attempt = n, "delivered");
                    return Ok(Outcome::Sent(answer));
                }
                Try::Fail(why) => why,
                Try::Again(why) if n >= self.settings.attempts => {
                    format!("{why} (after {n} tries)")
                }
                Try::Again(why) => {
                    store.delivery_attempted(
                        &entry.key,
                        DeliveryState::Queued,
                        Some(&why),
                        None,
                        now(),
                    )?;
                    let pause = self.settings.backoff(n);
                    tracing::info!(key = %entry.key, attempt = n, error = %why, retry_in_ms = pause.as_millis() as u64, "delivery will be tried again");
                    if !wait(pause) {
                        return Ok(Outcome::Interrupted);
                    }
                    continue;
                }
            };
            store.delivery_attempted(
                &entry.key,
                DeliveryState::Failed,
                Some(&failed),
                None,
                now(),
            )?;
            tracing::warn!(key = %entry.key, error = %failed, "delivery failed for good");
            return Ok(Outcome::Failed(failed));
        }
        Ok(Outcome::Interrupted)
    }

    fn try_once(&self, entry: &OutboxEntry) -> Try {
        let (url, auth) = match entry.target.as_str() {
            WEBHOOK => match self.digest.webhook() {
                Some(url) => (url, None),
                None => {
                    return Try::Fail(
                        "no webhook is configured: set [digest] webhook_url or webhook_url_env"
                            .into(),
                    );
                }
            },
            JIRA => match self.jira_target() {
                Ok(target) => target,
                Err(why) => return Try::Fail(why),
            },
            other => return Try::Fail(format!("unknown delivery target '{other}'")),
        };
        let mut request = self
            .agent
            .post(&url)
            .header("Content-Type", "application/json");
        if let Some(auth) = &auth {
            request = request.header("Authorization", auth);
        }
        let mut response = match request.send(entry.body.to_string().as_bytes()) {
            Ok(r) => r,
            Err(e) => return Try::Again(format!("no answer from {}: {e}", host_of(&url))),
        };
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .with_config()
            .limit(1 << 20)
            .read_to_string()
            .unwrap_or_default();
        let said = crate::model::truncate(text.trim(), 300);
        match status {
            200..=299 => {
                let answer = serde_json::from_str(&text).unwrap_or(Value::String(said.clone()));
                if entry.target == JIRA && answer["issues"][0]["key"].as_str().is_none() {
                    return Try::Fail(format!("the tracker created no issue: {said}"));
                }
                Try::Sent(answer)
            }
            429 | 500..=599 => Try::Again(format!("{} answered {status}: {said}", host_of(&url))),
            _ => Try::Fail(format!("{} answered {status}: {said}", host_of(&url))),
        }
    }

    /// The bulk-create URL and the Authorization header.
    fn jira_target(&self) -> Result<(String, Option<String>), String> {
        let base = self.jira.base_url.as_deref().ok_or(
            "no tracker is configured: set [export.jira] base_url (and the token's variable, token_env)",
        )?;
        let token = std::env::var(&self.jira.token_env)
            .ok()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                format!(
                    "the tracker token is missing: set the environment variable {}",
                    self.jira.token_env
                )
            })?;
        let auth = match &self.jira.user_env {
            None => format!("Bearer {token}"),
            Some(var) => {
                let user = std::env::var(var).map_err(|_| {
                    format!("the tracker user is missing: set the environment variable {var}")
                })?;
                format!("Basic {}", BASE64.encode(format!("{user}:{token}")))
            }
        };
        Ok((
            format!("{}/rest/api/2/issue/bulk", base.trim_end_matches('/')),
            Some(auth),
        ))
    }
}

/// The host of a URL, so that a log line never carries a webhook's secret
/// path.
fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?']).next().unwrap_or(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_name_the_host_only() {
        assert_eq!(
            host_of("https://hooks.slack.com/services/T0/B0/secret"),
            "hooks.slack.com"
        );
        assert_eq!(host_of("http://127.0.0.1:9/x?y"), "127.0.0.1:9");
    }

    #[test]
    fn backoff_doubles() {
        let s = DeliverySettings {
            attempts: 4,
            backoff_ms: 100,
            timeout_ms: 1000,
        };
        assert_eq!(
            (1..=3)
                .map(|n| s.backoff(n).as_millis())
                .collect::<Vec<_>>(),
            [100, 200, 400]
        );
    }
}
