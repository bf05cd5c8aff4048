//! Where deliveries go and how hard refrain tries: the `[digest]`,
//! `[export.jira]` and `[delivery]` tables of the config.

use serde::Deserialize;

/// `[digest]`: the chat channel the weekly digest is posted to.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DigestSettings {
    /// A Slack-compatible incoming-webhook URL. It is a secret: prefer
    /// `webhook_url_env`.
    pub webhook_url: Option<String>,
    /// The environment variable holding the webhook URL.
    pub webhook_url_env: Option<String>,
}

impl DigestSettings {
    /// The webhook URL, if one is configured (and its variable is set).
    pub fn webhook(&self) -> Option<String> {
        self.webhook_url.clone().or_else(|| {
            self.webhook_url_env
                .as_deref()
                .and_then(|v| std::env::var(v).ok())
                .filter(|u| !u.trim().is_empty())
        })
    }
}

/// `[export.jira]`: the project promoted items become issues in.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JiraSettings {
    /// The project key, e.g. `OPS`.
    pub project: String,
    /// The issue type's name.
    pub issue_type: String,
    /// Labels on every issue (refrain adds `refrain` and `refrain-<group>`).
    pub labels: Vec<String>,
    /// Where issues are sent, e.g. `https://example.atlassian.net`;
    /// without it exports are payloads only.
    pub base_url: Option<String>,
    /// The environment variable holding the API token.
    pub token_env: String,
    /// The environment variable holding the account e-mail: with it the
    /// token is sent as Basic auth (Jira Cloud), without it as a Bearer
    /// token (a Data Center personal access token).
    pub user_env: Option<String>,
}

impl Default for JiraSettings {
    fn default() -> Self {
        JiraSettings {
            project: "OPS".into(),
            issue_type: "Task".into(),
            labels: Vec::new(),
            base_url: None,
            token_env: "REFRAIN_JIRA_TOKEN".into(),
            user_env: None,
        }
    }
}

/// `[export]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExportSettings {
    pub jira: JiraSettings,
}

/// `[delivery]`: retries with exponential backoff.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeliverySettings {
    /// Tries per delivery before it is marked failed.
    pub attempts: u32,
    /// The wait before the second try; each next wait doubles.
    pub backoff_ms: u64,
    /// How long one try may take (connect, send, answer).
    pub timeout_ms: u64,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        DeliverySettings {
            attempts: 5,
            backoff_ms: 2_000,
            timeout_ms: 15_000,
        }
    }
}

impl DeliverySettings {
    /// # Errors
    /// Which value is out of range.
    pub fn check(&self) -> Result<(), &'static str> {
        if !(1..=20).contains(&self.attempts) {
            return Err("delivery.attempts must be between 1 and 20");
        }
        if self.timeout_ms < 100 || self.backoff_ms > 3_600_000 {
            return Err(
                "delivery.timeout_ms must be at least 100 and delivery.backoff_ms at most 3600000",
            );
        }
        Ok(())
    }

    /// The wait after failed try `n` (1-based): doubling, at most an hour.
    pub fn backoff(&self, n: u32) -> std::time::Duration {
        let ms = self.backoff_ms.saturating_mul(1 << (n.max(1) - 1).min(16));
        std::time::Duration::from_millis(ms.min(3_600_000))
    }
}
