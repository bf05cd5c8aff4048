//! Settings read from a TOML file, checked into a [`Config`] before any
//! work starts (linfa's `Params` → `ValidParams` habit).

use std::path::Path;

use serde::Deserialize;

use crate::analyze::AnalyzerSettings;
use crate::cluster::{ClusterParams, ParamError, ValidClusterParams};
use crate::deliver::{DeliverySettings, DigestSettings, ExportSettings};
use crate::ingest::import::ImportSettings;
use crate::model::{IdError, Tag};
use crate::roadmap::scoring::{Scoring, ScoringError};
use crate::suggest::SuggestSettings;

/// The tags refrain ships with; a config may replace the list.
pub const DEFAULT_TAGS: &[&str] = &[
    "bad-data",
    "weak-ux",
    "service-outage",
    "permission-issue",
    "third-party-failure",
];

/// What a bearer token may do. `Admin` may do everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The support tool: send tickets, ask for suggestions.
    Ingest,
    /// Reviewers: clusters, groups, decisions.
    Review,
    /// Everything, including re-clustering and configuration.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Ingest => "ingest",
            Role::Review => "review",
            Role::Admin => "admin",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenSettings {
    pub token: String,
    pub role: Role,
    /// Who holds it, for logs.
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Most tickets accepted in one `POST /v1/tickets`.
    pub max_batch: usize,
    /// Most items one list page returns.
    pub max_page: usize,
    /// How deep a search may page (offset + limit): deeper pages cost the
    /// index memory in proportion, so a client narrows the query instead.
    pub max_search_window: usize,
    /// Ticket write requests that may be in progress at once (parsing,
    /// validating, waiting for the group commit); beyond it a write is
    /// answered 503 with `Retry-After` instead of queueing. Keep it below
    /// the server's blocking threads (512 by default), or requests queue
    /// there unseen.
    pub max_pending_writes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 10 * 1024 * 1024,
            max_batch: 5_000,
            max_page: 1_000,
            max_search_window: 10_000,
            max_pending_writes: 256,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IndexSettings {
    /// How long a write may wait before it becomes searchable, in
    /// milliseconds (a `?refresh=wait_for` write does not wait for it).
    pub commit_interval_ms: u64,
    /// Memory for tantivy's indexing buffers, in MiB.
    pub writer_memory_mib: usize,
}

impl Default for IndexSettings {
    fn default() -> Self {
        IndexSettings {
            commit_interval_ms: 1_000,
            writer_memory_mib: 128,
        }
    }
}

/// The file format, as written by a user.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    pub tags: Option<Vec<String>>,
    pub tokens: Vec<TokenSettings>,
    pub limits: Limits,
    pub analyzer: AnalyzerSettings,
    pub index: IndexSettings,
    pub cluster: ClusterParams,
    pub suggest: SuggestSettings,
    pub import: ImportSettings,
    pub roadmap: RoadmapSettings,
    pub digest: DigestSettings,
    pub export: ExportSettings,
    pub delivery: DeliverySettings,
}

/// The `[roadmap]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RoadmapSettings {
    /// The scoring file, relative to the config file; by default
    /// `scoring.toml` beside it when there is one, else the built-in
    /// example (`scoring.example.toml`).
    pub scoring: Option<std::path::PathBuf>,
}

/// The scoring file refrain uses when none is configured.
pub const DEFAULT_SCORING: &str = include_str!("../scoring.example.toml");

/// Checked settings: every value is usable.
#[derive(Debug, Clone)]
pub struct Config {
    pub tags: Vec<Tag>,
    pub tokens: Vec<TokenSettings>,
    pub limits: Limits,
    pub analyzer: AnalyzerSettings,
    pub index: IndexSettings,
    pub cluster: ValidClusterParams,
    pub suggest: SuggestSettings,
    pub import: ImportSettings,
    pub digest: DigestSettings,
    pub export: ExportSettings,
    pub delivery: DeliverySettings,
    pub scoring: Scoring,
    /// Where `scoring` was read from (`None`: the built-in example).
    pub scoring_path: Option<std::path::PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("config file {path} is not valid: {message}")]
    Parse { path: String, message: String },
    #[error("invalid config: {0}")]
    Invalid(&'static str),
    #[error("invalid config: tags: {0}")]
    Tag(#[from] IdError),
    #[error("invalid config: tag '{0}' is listed twice")]
    TagTwice(Tag),
    #[error(
        "invalid config: import.tags maps '{from}' to '{to}', which is not one of the configured tags"
    )]
    ImportTag { from: String, to: String },
    #[error("invalid scoring file: {0}")]
    Scoring(#[from] ScoringError),
    #[error("invalid config: token #{0} is shorter than 16 characters: use a long random string")]
    ShortToken(usize),
    #[error("invalid config: token #{0} is listed twice")]
    TokenTwice(usize),
    #[error("invalid config: {0}")]
    Cluster(#[from] ParamError),
}

impl crate::error::Classify for ConfigError {
    fn class(&self) -> crate::error::ErrorClass {
        crate::error::ErrorClass::Invalid
    }

    fn code(&self) -> &'static str {
        match self {
            ConfigError::Read { .. } => "config-unreadable",
            ConfigError::Parse { .. } => "config-not-valid",
            _ => "config-invalid",
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Settings::default()
            .check()
            .expect("the default settings are valid")
    }
}

impl Config {
    /// Reads and checks a TOML config file.
    ///
    /// # Errors
    /// The file cannot be read, is not valid TOML for these settings, or a
    /// value is out of range.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let settings: Settings = toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        let scoring_path = match &settings.roadmap.scoring {
            Some(p) => Some(path.parent().unwrap_or(Path::new(".")).join(p)),
            None => Some(path.parent().unwrap_or(Path::new(".")).join("scoring.toml"))
                .filter(|p| p.exists()),
        };
        let mut config = settings.check()?;
        if let Some(p) = scoring_path {
            let text = std::fs::read_to_string(&p).map_err(|source| ConfigError::Read {
                path: p.display().to_string(),
                source,
            })?;
            config.scoring = Scoring::parse(&p.display().to_string(), &text)?;
            config.scoring_path = Some(p);
        }
        Ok(config)
    }

    /// The role of a bearer token, if it is one of ours.
    pub fn role_of(&self, token: &str) -> Option<Role> {
        self.token(token).map(|t| t.role)
    }

    /// The configured token equal to `token` (compared in constant time).
    pub fn token(&self, token: &str) -> Option<&TokenSettings> {
        self.tokens
            .iter()
            .find(|t| constant_time_eq(t.token.as_bytes(), token.as_bytes()))
    }

    /// Whether any token is configured; without one the API is open and may
    /// only listen on loopback.
    pub fn auth_enabled(&self) -> bool {
        !self.tokens.is_empty()
    }
}

impl Settings {
    /// # Errors
    /// The first value out of range, said so that it can be fixed.
    pub fn check(self) -> Result<Config, ConfigError> {
        let names = self
            .tags
            .unwrap_or_else(|| DEFAULT_TAGS.iter().map(|t| t.to_string()).collect());
        if names.is_empty() {
            return Err(ConfigError::Invalid("tags must list at least one tag"));
        }
        let mut tags: Vec<Tag> = Vec::with_capacity(names.len());
        for name in names {
            let tag = Tag::parse(name)?;
            if tags.contains(&tag) {
                return Err(ConfigError::TagTwice(tag));
            }
            tags.push(tag);
        }
        for (i, t) in self.tokens.iter().enumerate() {
            if t.token.len() < 16 {
                return Err(ConfigError::ShortToken(i + 1));
            }
            if self.tokens[..i].iter().any(|o| o.token == t.token) {
                return Err(ConfigError::TokenTwice(i + 1));
            }
        }
        let l = &self.limits;
        if l.max_body_bytes < 1024
            || l.max_batch == 0
            || l.max_page == 0
            || l.max_pending_writes == 0
        {
            return Err(ConfigError::Invalid(
                "limits: max_body_bytes must be at least 1024, max_batch, max_page and max_pending_writes at least 1",
            ));
        }
        if l.max_search_window < l.max_page || l.max_search_window > 1_000_000 {
            return Err(ConfigError::Invalid(
                "limits: max_search_window must be between max_page and 1000000",
            ));
        }
        if self.index.writer_memory_mib < 16 {
            return Err(ConfigError::Invalid(
                "index.writer_memory_mib must be at least 16",
            ));
        }
        let cluster = self.cluster.check()?;
        self.suggest.check().map_err(ConfigError::Invalid)?;
        let mut import = self.import;
        let mut tag_map = std::collections::BTreeMap::new();
        for (from, to) in import.tags {
            if !tags.iter().any(|t| t.as_str() == to) {
                return Err(ConfigError::ImportTag { from, to });
            }
            tag_map.insert(from.to_lowercase(), to);
        }
        import.tags = tag_map;
        self.delivery.check().map_err(ConfigError::Invalid)?;
        if let Some(url) = &self.export.jira.base_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(ConfigError::Invalid(
                "export.jira.base_url must start with http:// or https://",
            ));
        }
        if let Some(url) = &self.digest.webhook_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(ConfigError::Invalid(
                "digest.webhook_url must start with http:// or https://",
            ));
        }
        Ok(Config {
            tags,
            tokens: self.tokens,
            limits: self.limits,
            analyzer: self.analyzer,
            index: self.index,
            cluster,
            suggest: self.suggest,
            import,
            digest: self.digest,
            export: self.export,
            delivery: self.delivery,
            scoring: Scoring::parse("scoring.example.toml (built in)", DEFAULT_SCORING)
                .expect("the built-in scoring file is valid"),
            scoring_path: None,
        })
    }
}

/// Compares secrets without leaking their common prefix through timing.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        toml::from_str::<Settings>(text)
            .map_err(|e| ConfigError::Parse {
                path: "test".into(),
                message: e.to_string(),
            })?
            .check()
    }

    #[test]
    fn defaults_have_the_five_tags_and_no_tokens() {
        let c = Config::default();
        assert_eq!(c.tags.len(), 5);
        assert!(!c.auth_enabled());
        assert_eq!(c.limits.max_batch, 5000);
    }

    #[test]
    fn tokens_map_to_roles_and_admin_allows_all() {
        let c = parse(
            r#"
            [[tokens]]
            token = "ingest-token-0123456789"
            role = "ingest"
            [[tokens]]
            token = "admin-token-0123456789"
            role = "admin"
            "#,
        )
        .expect("valid");
        assert_eq!(c.role_of("ingest-token-0123456789"), Some(Role::Ingest));
        assert_eq!(c.role_of("nope"), None);
    }

    #[test]
    fn bad_settings_are_refused_with_a_reason() {
        assert!(parse("tags = []").is_err());
        assert!(parse("tags = [\"Bad Tag\"]").is_err());
        assert!(parse("[[tokens]]\ntoken = \"short\"\nrole = \"admin\"").is_err());
        assert!(parse("[[tokens]]\ntoken = \"0123456789abcdefg\"\nrole = \"root\"").is_err());
        assert!(parse("unknown = 1").is_err());
    }

    #[test]
    fn a_scoring_file_beside_the_config_is_read_and_checked_at_start() {
        let dir = tempfile::tempdir().expect("dir");
        let config = dir.path().join("refrain.toml");
        std::fs::write(&config, "").expect("write");
        assert_eq!(
            Config::from_file(&config)
                .expect("no scoring file: the built-in one")
                .scoring
                .bands[0]
                .0,
            "promote"
        );
        std::fs::write(
            dir.path().join("scoring.toml"),
            "[[factor]]\nname = \"pain\"\ninput = \"loudness\"\npoints = [[1, 1]]\n[bands]\ngo = 1\n",
        )
        .expect("write");
        let e = Config::from_file(&config).expect_err("a bad scoring file");
        assert!(
            e.to_string().contains("scoring.toml:3: input: 'loudness'"),
            "{e}"
        );
        std::fs::write(&config, "[roadmap]\nscoring = \"elsewhere.toml\"\n").expect("write");
        let e = Config::from_file(&config).expect_err("a missing scoring file");
        assert!(e.to_string().contains("elsewhere.toml"), "{e}");
    }
}
