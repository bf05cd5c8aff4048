//! `refrain gen`: synthetic support / ops ticket dumps with ground-truth family labels, so
//! clustering quality and throughput can be measured without real customer data.
//!
//! Design:
//! - The family catalogue (which component × failure combinations exist in this run, which
//!   are look-alikes, their tags and popularity, the outage bursts) is built once in
//!   [`Generator::new`] from `(families, seed)`; see `families.rs` for the vocabulary.
//! - Every ticket is a pure function of `(params, index)`: it has its own RNG seeded from
//!   `seed ^ splitmix(index)`. That makes output byte-for-byte reproducible and lets
//!   [`Generator::write_ndjson`] render chunks in parallel while writing them in order.
//! - Per-ticket work is string assembly from static lists (no regex, no per-ticket
//!   catalogue), so a million tickets take seconds.
//!
//! What a ticket looks like, and why (measured with `refrain eval`: TF-IDF → kNN graph →
//! Leiden must find the families, look-alikes included):
//! - Family sizes are flat-ish (lognormal, σ = 0.35) plus outage bursts: with a steep Zipf
//!   the big families split into sub-clusters and dominate ARI.
//! - The symptom comes first, as real reporters write it: the title and the body's first
//!   sentence both carry one component phrase and one failure phrase of the family (and its
//!   context), and a second sentence usually repeats the failure. Most tickets also say where
//!   and when it happens (the family's specifics, see `families.rs`).
//! - Boilerplate (greetings, filler, mitigations, details) comes from large pools and only
//!   a sentence or two of it per ticket, so no boilerplate word links many tickets.

mod families;
mod helpdesk;
mod noise;

use std::io::{self, Write};

use rand::seq::SliceRandom;
use rand::{Rng, RngCore, SeedableRng};
use rayon::prelude::*;
use serde::Serialize;
use time::OffsetDateTime;

use families::{COMPONENTS, Component, FAILURES, Failure, Family, Kind, VARIANTS, Variant};
use noise::{
    Company, Rng64, pick, push_clock, push_date, push_hex, push_num, push_padded, push_rfc3339,
};

/// Upper bound on `families`: beyond this the catalogue's combinations get thin.
const MAX_FAMILIES: usize = 2000;
/// Share of tickets written by operators rather than customers.
const OPS_SHARE: f64 = 0.35;
/// Share of tickets that belong to an outage burst.
const BURST_SHARE: f64 = 0.10;
/// Average number of tickets per burst (less in small runs: at most half the average
/// family, so that a burst does not make its family tower over the others).
const BURST_MEAN_SIZE: f64 = 40.0;
/// Spread (σ of the log-weights) of family popularity.
const POPULARITY_SIGMA: f64 = 0.35;
/// Typo rate per word in the sentences that state the symptom (title, first sentence,
/// restatement): with 4–8 words in the core phrase, ~3 % of cores carry a typo.
const CORE_TYPOS: f64 = 0.005;
/// Typo rate per word in everything else a customer writes.
const SUPPORT_TYPOS: f64 = 0.015;
/// Typo rate per word in everything else an operator writes.
const OPS_TYPOS: f64 = 0.008;
/// Share of ops tickets that carry incident fields (service, severity,
/// detection and resolution times, impact).
const INCIDENT_SHARE: f64 = 0.5;
/// Seeds the incident fields' own random stream.
const INCIDENT_STREAM: u64 = 0x1c1d_e471;
/// Share of ops tickets carrying log lines or a stack trace.
const LOG_SHARE: f64 = 0.15;
/// Share of note-carrying tickets that are ops tickets (when `note_share` allows).
const NOTE_OPS_FRACTION: f64 = 0.8;
/// Tickets rendered per parallel chunk, and per rayon task within a chunk.
const CHUNK: usize = 8192;
const BLOCK: usize = 256;
/// Separates the catalogue's RNG stream from the per-ticket streams.
const CATALOGUE_STREAM: u64 = 0x6361_7461_6c6f_6775;
/// 9999-12-31T23:59:59Z: ids and timestamps are formatted with four-digit years.
const MAX_UNIX: i64 = 253_402_300_799;
/// Base of the product URLs customers paste.
const APP_URL: &str = "https://app.tallyflow.com/";

/// Tags a generated ticket may carry: refrain's default list.
pub use crate::config::DEFAULT_TAGS as ALLOWED_TAGS;

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenParams {
    pub tickets: usize,
    pub seed: u64,
    /// Number of symptom families (default 300).
    pub families: usize,
    /// Timestamps spread over this many days before `end` (default 365).
    pub span_days: u32,
    /// Latest timestamp (default 2026-11-01T00:00:00Z so output is reproducible).
    pub end: OffsetDateTime,
    /// Share of tickets with incident-note fields filled (default 0.25).
    pub note_share: f64,
    /// Share of customer tickets wrapped in help-desk noise (HTML, a
    /// quoted reply chain, a signature, macros; default 0).
    pub helpdesk_noise: f64,
}

impl Default for GenParams {
    fn default() -> Self {
        Self {
            tickets: 10_000,
            seed: 42,
            families: 300,
            span_days: 365,
            end: time::macros::datetime!(2026-11-01 00:00:00 UTC),
            note_share: 0.25,
            helpdesk_noise: 0.0,
        }
    }
}

impl GenParams {
    /// Checks the parameters; the error says how to fix them.
    pub fn validate(&self) -> Result<(), GenError> {
        if self.tickets == 0 {
            return Err(GenError::InvalidParams(
                "tickets is 0; ask for at least 1 ticket".into(),
            ));
        }
        if !(1..=MAX_FAMILIES).contains(&self.families) {
            return Err(GenError::InvalidParams(format!(
                "families is {}; use a number from 1 to {MAX_FAMILIES}",
                self.families
            )));
        }
        if self.span_days == 0 {
            return Err(GenError::InvalidParams(
                "span_days is 0; use at least 1 day".into(),
            ));
        }
        if !(0.0..=1.0).contains(&self.helpdesk_noise) {
            return Err(GenError::InvalidParams(format!(
                "helpdesk_noise is {}; use a fraction from 0 to 1 (e.g. 0.5)",
                self.helpdesk_noise
            )));
        }
        if !(0.0..=1.0).contains(&self.note_share) {
            return Err(GenError::InvalidParams(format!(
                "note_share is {}; use a fraction from 0 to 1 (e.g. 0.25)",
                self.note_share
            )));
        }
        let end = self.end.unix_timestamp();
        let start = end - i64::from(self.span_days) * 86_400;
        if start < 0 || end > MAX_UNIX {
            return Err(GenError::InvalidParams(format!(
                "end minus span_days ({} days) must fall between 1970-01-01 and 9999-12-31; \
                 choose a later end or a shorter span",
                self.span_days
            )));
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GenError {
    #[error("invalid generator parameters: {0}")]
    InvalidParams(String),
}

/// One generated ticket, serialised as one NDJSON line in refrain's ticket format.
#[derive(Debug, Clone, Serialize)]
pub struct GenTicket {
    /// `g-000000042` style, unique, zero-padded by index.
    pub id: String,
    /// `support` or `ops`.
    pub source: &'static str,
    /// RFC 3339 UTC with whole seconds, e.g. `2026-03-04T10:11:12Z`.
    pub created_at: String,
    pub title: String,
    pub body: String,
    /// Only values from [`ALLOWED_TAGS`].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_saw: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_task: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_failure: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manual_work: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manual_minutes: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes_that_day: Option<String>,
    /// Incident fields, on a share of ops notes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detected_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impact: Option<crate::model::Impact>,
    /// Ground truth: the family's label, e.g. `checkout-times-out`. Not serialised.
    #[serde(skip)]
    pub label: String,
}

/// What a family is, for tests that check look-alikes are kept apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FamilyInfo {
    pub label: String,
    /// Label of the family it was built to resemble.
    pub lookalike_of: Option<String>,
}

/// An outage: one family's tickets packed into a few hours.
struct Burst {
    family: usize,
    start: i64,
    len: i64,
}

/// Generates tickets; holds the catalogue built once for `(families, seed)`.
pub struct Generator {
    params: GenParams,
    families: Vec<Family>,
    info: Vec<FamilyInfo>,
    /// Cumulative lognormal weights by rank, and the family at each rank.
    popularity: Vec<f64>,
    by_rank: Vec<usize>,
    bursts: Vec<Burst>,
    /// Every `stride`-th ticket, up to `guaranteed` of them, goes round-robin over the
    /// families so that rare families still get a few tickets.
    guaranteed: usize,
    stride: usize,
    start_ts: i64,
    end_ts: i64,
    /// Probability of note fields for ops and for support tickets.
    note_ops: f64,
    note_support: f64,
}

/// A standard normal draw (Box–Muller).
fn standard_normal(rng: &mut Rng64) -> f64 {
    let u: f64 = rng.gen_range(f64::EPSILON..1.0);
    let v: f64 = rng.gen_range(0.0..1.0);
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// SplitMix64 finaliser: turns consecutive indices into unrelated seeds.
pub(crate) fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Generator {
    pub fn new(params: GenParams) -> Result<Self, GenError> {
        params.validate()?;
        let mut rng = Rng64::seed_from_u64(splitmix(params.seed ^ CATALOGUE_STREAM));
        let families = families::build_catalogue(params.families, &mut rng);
        let info = families
            .iter()
            .map(|f| FamilyInfo {
                label: f.label.clone(),
                lookalike_of: f
                    .lookalike
                    .map(|(anchor, _)| families[anchor].label.clone()),
            })
            .collect();

        // Popularity: lognormal weights with a small spread (σ = 0.45, clamped at ±2.5σ), so
        // the most common family gets at most ~3× the median's share and the rarest at least
        // ~1/3 of it, as in a real queue where no single symptom swamps the rest. Bursts
        // (below) still pile extra tickets on a few families.
        let n = families.len();
        let mut by_rank: Vec<usize> = (0..n).collect();
        by_rank.shuffle(&mut rng);
        let mut acc = 0.0;
        let popularity: Vec<f64> = (0..n)
            .map(|_| {
                acc += (POPULARITY_SIGMA * standard_normal(&mut rng).clamp(-2.5, 2.5)).exp();
                acc
            })
            .collect();

        let end_ts = params.end.unix_timestamp();
        let span = i64::from(params.span_days) * 86_400;
        let start_ts = end_ts - span;

        // Up to 3 guaranteed tickets per family once tickets >= 5 × families.
        let per_family = (params.tickets / (5 * n)).min(3);
        let guaranteed = per_family * n;
        let stride = params.tickets.checked_div(guaranteed).unwrap_or(1);

        let note_ops = (NOTE_OPS_FRACTION * params.note_share / OPS_SHARE).min(1.0);
        let note_support =
            ((params.note_share - OPS_SHARE * note_ops) / (1.0 - OPS_SHARE)).clamp(0.0, 1.0);

        let mut this = Self {
            params,
            families,
            info,
            popularity,
            by_rank,
            bursts: Vec::new(),
            guaranteed,
            stride,
            start_ts,
            end_ts,
            note_ops,
            note_support,
        };

        // Bursts favour failures that look like outages, as real incident spikes do.
        let burst_size = BURST_MEAN_SIZE
            .min(this.params.tickets as f64 / n as f64 / 2.0)
            .max(5.0);
        let burst_count =
            ((this.params.tickets as f64 * BURST_SHARE / burst_size).round() as usize).max(1);
        let mut bursts = Vec::with_capacity(burst_count);
        for _ in 0..burst_count {
            let mut family = this.popular_family(&mut rng);
            for _ in 0..6 {
                let kind = FAILURES[this.families[family].fail].kind;
                if matches!(kind, Kind::Outage | Kind::Degraded | Kind::Delivery) {
                    break;
                }
                family = this.popular_family(&mut rng);
            }
            let len = (rng.gen_range(1..=6i64) * 3600).min(span);
            let start = start_ts + rng.gen_range(0..=span - len);
            bursts.push(Burst { family, start, len });
        }
        this.bursts = bursts;
        Ok(this)
    }

    pub fn params(&self) -> &GenParams {
        &self.params
    }

    pub fn families(&self) -> &[FamilyInfo] {
        &self.info
    }

    /// Ticket number `index` (0-based). Pure function of (params, index): same seed → same
    /// ticket, so chunks can be generated in parallel with rayon and written in order.
    pub fn ticket(&self, index: usize) -> GenTicket {
        let mut rng = Rng64::seed_from_u64(self.params.seed ^ splitmix(index as u64));
        let (family_index, ts) = self.place(index, &mut rng);
        let family = &self.families[family_index];
        let is_ops = rng.gen_bool(OPS_SHARE);
        let company: &'static Company = &noise::COMPANIES[rng.gen_range(0..noise::COMPANIES.len())];
        let mut cx = Cx::new(rng, family, company, ts);

        let (title, mut body) = if is_ops {
            cx.ops_text()
        } else {
            cx.support_text()
        };
        // Drawn from their own stream, so a dump with noise has the same
        // tickets underneath as one without.
        let mut noise_rng = Rng64::seed_from_u64(self.params.seed ^ splitmix(!(index as u64)));
        if !is_ops && noise_rng.gen_bool(self.params.helpdesk_noise) {
            let other = &self.families[noise_rng.gen_range(0..self.families.len())];
            let mut older = Cx::new(noise_rng.clone(), other, company, ts);
            let (_, older_body) = older.support_text();
            body = helpdesk::wrap(&mut noise_rng, &body, &older_body, company);
        }
        let customer = cx
            .rng
            .gen_bool(if is_ops { 0.3 } else { 0.92 })
            .then(|| company.name.to_string());
        // Agents forget to tag some customer tickets; the tag set itself is per family.
        let tags = if !is_ops && cx.rng.gen_bool(0.2) {
            Vec::new()
        } else {
            family.tags.clone()
        };

        let mut id = String::with_capacity(12);
        id.push_str("g-");
        push_padded(&mut id, index as u64, 9);
        let mut created_at = String::with_capacity(20);
        push_rfc3339(&mut created_at, ts);

        let mut ticket = GenTicket {
            id,
            source: if is_ops { "ops" } else { "support" },
            created_at,
            title,
            body,
            tags,
            customer,
            user_saw: None,
            user_task: None,
            first_failure: None,
            manual_work: None,
            manual_minutes: None,
            changes_that_day: None,
            service: None,
            severity: None,
            detected_at: None,
            resolved_at: None,
            impact: None,
            label: family.label.clone(),
        };
        let note_p = if is_ops {
            self.note_ops
        } else {
            self.note_support
        };
        if cx.rng.gen_bool(note_p) {
            cx.fill_notes(&mut ticket);
        }
        if is_ops {
            // Their own stream: the tickets stay what they were without them.
            let mut rng =
                Rng64::seed_from_u64(self.params.seed ^ splitmix(index as u64 ^ INCIDENT_STREAM));
            if rng.gen_bool(INCIDENT_SHARE) {
                cx.fill_incident(&mut rng, &mut ticket);
            }
        }
        ticket
    }

    /// Writes all tickets as NDJSON to `out` and "id,label\n" CSV rows (with header) to
    /// `labels`, rendering chunks of [`CHUNK`] tickets in parallel and writing them in
    /// order. `progress` gets the number written so far after each chunk. Both writers are
    /// flushed. Returns the number written.
    pub fn write_ndjson<W: Write, L: Write>(
        &self,
        mut out: W,
        mut labels: L,
        mut progress: impl FnMut(usize),
    ) -> io::Result<usize> {
        labels.write_all(b"id,label\n")?;
        let total = self.params.tickets;
        let mut done = 0;
        while done < total {
            let start = done;
            let end = (start + CHUNK).min(total);
            let blocks: Vec<(Vec<u8>, Vec<u8>)> = (0..(end - start).div_ceil(BLOCK))
                .into_par_iter()
                .map(|b| self.render_block(start + b * BLOCK, (start + (b + 1) * BLOCK).min(end)))
                .collect();
            for (json, csv) in &blocks {
                out.write_all(json)?;
                labels.write_all(csv)?;
            }
            done = end;
            progress(done);
        }
        out.flush()?;
        labels.flush()?;
        Ok(total)
    }

    /// NDJSON lines and label rows for tickets `lo..hi`.
    fn render_block(&self, lo: usize, hi: usize) -> (Vec<u8>, Vec<u8>) {
        let mut json = Vec::with_capacity((hi - lo) * 768);
        let mut csv = Vec::with_capacity((hi - lo) * 48);
        for index in lo..hi {
            let ticket = self.ticket(index);
            serde_json::to_writer(&mut json, &ticket)
                .expect("serialising a GenTicket into memory cannot fail");
            json.push(b'\n');
            csv.extend_from_slice(ticket.id.as_bytes());
            csv.push(b',');
            csv.extend_from_slice(ticket.label.as_bytes());
            csv.push(b'\n');
        }
        (json, csv)
    }

    /// Family and timestamp of ticket `index`: a guaranteed slot, a burst, or a popular pick.
    fn place(&self, index: usize, rng: &mut Rng64) -> (usize, i64) {
        if self.guaranteed > 0
            && index.is_multiple_of(self.stride)
            && index / self.stride < self.guaranteed
        {
            return (
                (index / self.stride) % self.families.len(),
                self.random_time(rng),
            );
        }
        if rng.gen_bool(BURST_SHARE) {
            let burst = &self.bursts[rng.gen_range(0..self.bursts.len())];
            return (burst.family, burst.start + rng.gen_range(0..burst.len));
        }
        (self.popular_family(rng), self.random_time(rng))
    }

    fn popular_family(&self, rng: &mut Rng64) -> usize {
        let total = *self
            .popularity
            .last()
            .expect("validate() guarantees at least one family");
        let u = rng.gen_range(0.0..total);
        let rank = self
            .popularity
            .partition_point(|&c| c <= u)
            .min(self.by_rank.len() - 1);
        self.by_rank[rank]
    }

    /// A time in `[start, end)`, thinned at night and at weekends the way ticket volume is.
    fn random_time(&self, rng: &mut Rng64) -> i64 {
        let mut t = self.start_ts;
        for _ in 0..3 {
            t = rng.gen_range(self.start_ts..self.end_ts);
            let hour = t.rem_euclid(86_400) / 3600;
            let weekday = (t.div_euclid(86_400) + 3).rem_euclid(7); // 0 = Monday
            let quiet = !(7..19).contains(&hour) || weekday >= 5;
            if !quiet || rng.gen_bool(0.35) {
                break;
            }
        }
        t
    }
}

/// Per-ticket writing context: the family's vocabulary, the ticket's RNG and the facts
/// (customer, times) that volatile tokens must agree on within one ticket.
struct Cx {
    rng: Rng64,
    comp: &'static Component,
    fail: &'static Failure,
    variant: Option<&'static Variant>,
    /// The family's specifics: where and when the problem shows up.
    locus: &'static str,
    trigger: &'static str,
    company: &'static Company,
    ts: i64,
    /// Incident start and end as mentioned in the text (before the ticket was filed).
    clock_a: i64,
    clock_b: i64,
}

impl Cx {
    fn new(mut rng: Rng64, family: &Family, company: &'static Company, ts: i64) -> Self {
        let clock_a = ts - rng.gen_range(600..7200);
        let clock_b = (clock_a + rng.gen_range(300..5400)).min(ts);
        Self {
            rng,
            comp: &COMPONENTS[family.comp],
            fail: &FAILURES[family.fail],
            variant: family.variant.map(|v| &VARIANTS[v]),
            locus: families::LOCI[family.locus].phrase,
            trigger: families::TRIGGERS[family.trigger].phrase,
            company,
            ts,
            clock_a,
            clock_b,
        }
    }

    /// Appends `tpl` with its `{placeholders}` filled in.
    fn expand(&mut self, out: &mut String, tpl: &str) {
        let mut rest = tpl;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let Some(close) = after.find('}') else {
                debug_assert!(false, "unclosed placeholder in template {tpl:?}");
                out.push_str(&rest[open..]);
                return;
            };
            self.put(out, &after[..close]);
            rest = &after[close + 1..];
        }
        out.push_str(rest);
    }

    fn put(&mut self, out: &mut String, name: &str) {
        match name {
            "n" => out.push_str(pick(&mut self.rng, self.comp.nouns)),
            "t" => out.push_str(pick(&mut self.rng, self.comp.tasks)),
            "i" => out.push_str(pick(&mut self.rng, self.comp.items)),
            "s" => out.push_str(self.comp.service),
            "f" => {
                let phrase = pick(&mut self.rng, self.fail.phrases);
                self.expand(out, phrase);
            }
            "fs" => {
                let phrase = pick(
                    &mut self.rng,
                    &self.fail.phrases[..2usize.min(self.fail.phrases.len())],
                );
                self.expand(out, phrase);
            }
            "o" => {
                let phrase = pick(&mut self.rng, self.fail.ops);
                self.expand(out, phrase);
            }
            "v" => {
                if let Some(variant) = self.variant {
                    out.push(' ');
                    out.push_str(pick(&mut self.rng, variant.phrases));
                }
            }
            "w" => out.push_str(self.locus),
            "x" => out.push_str(self.trigger),
            "when" => out.push_str(pick(&mut self.rng, noise::WHEN)),
            "order" => {
                out.push('#');
                push_num(out, self.rng.gen_range(10_000..1_000_000));
            }
            "ref" => {
                out.push_str("TCK-");
                push_num(out, self.rng.gen_range(100_000..1_000_000));
            }
            "inc" => {
                out.push_str("INC-");
                push_num(out, self.rng.gen_range(1000..10_000));
            }
            "email" => {
                for c in pick(&mut self.rng, noise::FIRST_NAMES).chars() {
                    out.push(c.to_ascii_lowercase());
                }
                out.push('.');
                out.push_str(pick(&mut self.rng, noise::LAST_NAMES));
                out.push('@');
                out.push_str(self.company.domain);
            }
            "url" => {
                out.push_str(APP_URL);
                out.push_str(self.comp.path);
                out.push('/');
                push_num(out, self.rng.gen_range(1000..10_000_000));
            }
            "gurl" => {
                out.push_str("https://grafana.internal/d/");
                push_hex(out, self.rng.next_u64(), 8);
                out.push('/');
                out.push_str(self.comp.service);
            }
            "uuid" => noise::push_uuid(out, &mut self.rng),
            "ip" => noise::push_ipv4(out, &mut self.rng),
            "ver" => noise::push_version(out, &mut self.rng),
            "date" => push_date(out, self.ts),
            "clock" => push_clock(out, self.clock_a),
            "clock2" => push_clock(out, self.clock_b),
            "dur" => noise::push_duration(out, &mut self.rng),
            "users" => {
                let u: f64 = self.rng.gen_range(0.0..1.0);
                push_num(out, 3 + (u * u * u * 5000.0) as u64);
            }
            "n2" => push_num(out, self.rng.gen_range(2..=40)),
            "co" => out.push_str(self.company.name),
            "host" => {
                if self.rng.gen_bool(0.5) {
                    out.push_str(self.comp.service);
                    out.push('-');
                    push_hex(out, self.rng.next_u64(), 5);
                    out.push('-');
                    push_hex(out, self.rng.next_u64(), 5);
                } else {
                    out.push_str("ip-10-");
                    push_num(out, self.rng.gen_range(0..=255));
                    out.push('-');
                    push_num(out, self.rng.gen_range(0..=255));
                    out.push('-');
                    push_num(out, self.rng.gen_range(1..=254));
                }
            }
            "action" => {
                let action = pick(&mut self.rng, noise::ACTIONS);
                self.expand(out, action);
            }
            "first" => out.push_str(pick(&mut self.rng, noise::FIRST_NAMES)),
            "flag" => {
                out.push_str("new-");
                out.push_str(self.comp.key);
                out.push_str("-flow");
            }
            _ => {
                debug_assert!(false, "unknown placeholder {{{name}}}");
                out.push_str(name);
            }
        }
    }

    /// A random template from `list`, expanded, as written (no capitalisation).
    fn text_from(&mut self, list: &'static [&'static str]) -> String {
        let tpl = pick(&mut self.rng, list);
        let mut s = String::with_capacity(tpl.len() + 64);
        self.expand(&mut s, tpl);
        s
    }

    /// `tpl` expanded with the first letter capitalised, unless it starts with a service
    /// name: operators write `checkout-svc` in lower case even at the start of a line.
    fn sentence(&mut self, tpl: &str) -> String {
        let mut s = String::with_capacity(tpl.len() + 64);
        self.expand(&mut s, tpl);
        if !tpl.starts_with("{s}")
            && let Some(first) = s.get_mut(0..1)
        {
            first.make_ascii_uppercase();
        }
        s
    }

    /// A random template from `list` as a sentence (see [`Cx::sentence`]).
    fn sentence_from(&mut self, list: &'static [&'static str]) -> String {
        let tpl = pick(&mut self.rng, list);
        self.sentence(tpl)
    }

    /// A random template from `list` as a sentence, with typos at `rate` per word.
    fn sentence_typos(&mut self, list: &'static [&'static str], rate: f64) -> String {
        let s = self.sentence_from(list);
        noise::add_typos(&s, rate, &mut self.rng)
    }

    /// A random template from `list` as written (no capitalisation), with typos.
    fn text_typos(&mut self, list: &'static [&'static str], rate: f64) -> String {
        let s = self.text_from(list);
        noise::add_typos(&s, rate, &mut self.rng)
    }

    /// `k` distinct random templates from `list` (k ≤ len), each as a sentence with typos.
    fn distinct_sentences(
        &mut self,
        list: &'static [&'static str],
        k: usize,
        rate: f64,
        out: &mut Vec<String>,
    ) {
        let first = self.rng.gen_range(0..list.len());
        let step = self.rng.gen_range(1..list.len().max(2));
        for j in 0..k.min(list.len()) {
            let s = self.sentence(list[(first + j * step) % list.len()]);
            out.push(noise::add_typos(&s, rate, &mut self.rng));
        }
    }

    /// Customer voice. The symptom comes first, as reporters state it: the title (85 %)
    /// and the body's first sentence each name the component and the failure (and the
    /// context); a second sentence usually repeats the failure, and most tickets say where
    /// or when it happens (the family's specifics). Then 0–2 volatile details and 0–2
    /// filler sentences in random order, an optional greeting and closing. Typos are rare
    /// in the symptom sentences and common elsewhere; sometimes all lower case.
    fn support_text(&mut self) -> (String, String) {
        let core = self.sentence_typos(families::SUPPORT_CORE, CORE_TYPOS);
        let restate = self
            .rng
            .gen_bool(0.75)
            .then(|| self.sentence_typos(families::SUPPORT_RESTATE, CORE_TYPOS));
        let specific = self
            .rng
            .gen_bool(0.95)
            .then(|| self.sentence_typos(families::SUPPORT_SPECIFIC, CORE_TYPOS));
        let mut rest: Vec<String> = Vec::with_capacity(5);
        if self.rng.gen_bool(0.35) {
            rest.push(self.sentence_typos(families::SUPPORT_BLOCKED, SUPPORT_TYPOS));
        }
        let details = match self.rng.gen_range(0..20) {
            0..=6 => 0,
            7..=15 => 1,
            _ => 2,
        };
        self.distinct_sentences(families::SUPPORT_DETAIL, details, SUPPORT_TYPOS, &mut rest);
        let fillers = match self.rng.gen_range(0..20) {
            0..=8 => 0,
            9..=16 => 1,
            _ => 2,
        };
        self.distinct_sentences(noise::SUPPORT_FILLER, fillers, SUPPORT_TYPOS, &mut rest);
        rest.shuffle(&mut self.rng);
        let greeting = self
            .rng
            .gen_bool(0.55)
            .then(|| self.text_typos(noise::GREETINGS, SUPPORT_TYPOS));
        let closing = self
            .rng
            .gen_bool(0.6)
            .then(|| self.text_typos(noise::CLOSINGS, SUPPORT_TYPOS));

        let gap = if self.rng.gen_bool(0.3) { "\n\n" } else { " " };
        let mut body = String::with_capacity(512);
        if let Some(g) = &greeting {
            body.push_str(g);
            body.push_str(gap);
        }
        body.push_str(&core);
        for s in restate.iter().chain(&specific).chain(&rest) {
            body.push(' ');
            body.push_str(s);
        }
        if let Some(c) = &closing {
            body.push_str(gap);
            body.push_str(c);
        }
        let mut title = if self.rng.gen_bool(0.15) {
            String::new()
        } else {
            self.sentence_typos(families::SUPPORT_TITLE, CORE_TYPOS)
        };
        if self.rng.gen_bool(0.1) {
            body.make_ascii_lowercase();
            title.make_ascii_lowercase();
        }
        (title, body)
    }

    /// Operator voice. Title and first sentence name the service or component and the
    /// failure (ops and customer wording); a summary in customer words often follows, and
    /// usually where / when it happens; then 1–2 mitigation / detail lines and rarely a
    /// filler line; sometimes bulleted; 15 % carry log lines or a stack trace of the
    /// component.
    fn ops_text(&mut self) -> (String, String) {
        let title = self.sentence_typos(families::OPS_TITLE, CORE_TYPOS);
        let core = self.sentence_typos(families::OPS_CORE, CORE_TYPOS);
        let mut rest: Vec<String> = Vec::with_capacity(5);
        if self.rng.gen_bool(0.65) {
            rest.push(self.sentence_typos(families::OPS_IMPACT, CORE_TYPOS));
        }
        if self.rng.gen_bool(0.95) {
            rest.push(self.sentence_typos(families::OPS_SPECIFIC, CORE_TYPOS));
        }
        let lines = if self.rng.gen_bool(0.6) { 1 } else { 2 };
        let actions = (0..lines).filter(|_| self.rng.gen_bool(0.5)).count();
        self.distinct_sentences(families::OPS_ACTION, actions, OPS_TYPOS, &mut rest);
        self.distinct_sentences(families::OPS_DETAIL, lines - actions, OPS_TYPOS, &mut rest);
        if self.rng.gen_bool(0.25) {
            rest.push(self.sentence_typos(noise::OPS_FILLER, OPS_TYPOS));
        }
        rest.shuffle(&mut self.rng);

        let bullets = self.rng.gen_bool(0.25);
        let mut body = String::with_capacity(512);
        for (k, s) in std::iter::once(&core).chain(&rest).enumerate() {
            if bullets {
                if k > 0 {
                    body.push('\n');
                }
                body.push_str("- ");
            } else if k > 0 {
                body.push(' ');
            }
            body.push_str(s);
        }
        if self.rng.gen_bool(LOG_SHARE) {
            body.push('\n');
            noise::push_log_block(
                &mut body,
                &mut self.rng,
                self.comp,
                self.fail,
                self.variant,
                self.clock_a,
            );
        }
        (title, body)
    }

    /// Incident-note fields, worded from the same family vocabulary as the body. At least
    /// one field is always set.
    /// Incident fields as an on-call tool records them: the component's
    /// service, a severity, detection a few minutes into the incident the
    /// text mentions, resolution at its end, and sometimes the impact.
    fn fill_incident(&self, rng: &mut Rng64, ticket: &mut GenTicket) {
        ticket.service = Some(self.comp.service.to_string());
        ticket.severity = Some(match rng.gen_range(0..100) {
            0..10 => "P1",
            10..35 => "P2",
            35..75 => "P3",
            _ => "P4",
        });
        let detected = self.clock_a + rng.gen_range(60..1200);
        let resolved = self.clock_b.max(detected + 300);
        let mut at = String::with_capacity(20);
        push_rfc3339(&mut at, detected);
        ticket.detected_at = Some(at);
        let mut at = String::with_capacity(20);
        push_rfc3339(&mut at, resolved);
        ticket.resolved_at = Some(at);
        if rng.gen_bool(0.6) {
            let u: f64 = rng.gen_range(0.0..1.0);
            ticket.impact = Some(crate::model::Impact {
                users_pct: Some((0.5 + u * u * 39.5).round()),
                revenue: rng
                    .gen_bool(0.4)
                    .then(|| (rng.gen_range(1..200) * 50) as f64),
            });
        }
    }

    fn fill_notes(&mut self, ticket: &mut GenTicket) {
        let saw = self.fail.saw;
        if self.rng.gen_bool(0.9) {
            ticket.user_saw = Some(self.sentence_from(saw));
        }
        if self.rng.gen_bool(0.85) {
            ticket.user_task = Some(self.sentence_from(families::NOTE_TASK));
        }
        if self.rng.gen_bool(0.8) {
            ticket.first_failure = Some(self.sentence_from(families::NOTE_FIRST));
        }
        if self.rng.gen_bool(0.6) {
            ticket.manual_work = Some(self.sentence_from(families::manual_work(self.fail.kind)));
            if self.rng.gen_bool(0.9) {
                let u: f64 = self.rng.gen_range(0.0..1.0);
                let minutes = 5.0 + u * u * 235.0;
                ticket.manual_minutes = Some((minutes / 5.0).round() as u32 * 5);
            }
        }
        if self.rng.gen_bool(0.7) {
            ticket.changes_that_day = Some(self.sentence_from(families::NOTE_CHANGES));
        }
        let any = ticket.user_saw.is_some()
            || ticket.user_task.is_some()
            || ticket.first_failure.is_some()
            || ticket.manual_work.is_some()
            || ticket.changes_that_day.is_some();
        if !any {
            ticket.user_saw = Some(self.sentence_from(saw));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use time::format_description::well_known::Rfc3339;

    use super::families::{LookalikeKind, all_template_lists};
    use super::*;

    fn params(tickets: usize, seed: u64) -> GenParams {
        GenParams {
            tickets,
            seed,
            ..GenParams::default()
        }
    }

    fn dump(p: GenParams) -> (Vec<u8>, Vec<u8>) {
        let generator = Generator::new(p).expect("valid params");
        let mut out = Vec::new();
        let mut labels = Vec::new();
        generator
            .write_ndjson(&mut out, &mut labels, |_| {})
            .expect("writing to memory");
        (out, labels)
    }

    /// Lower-case words of a phrase, without placeholders and function words.
    fn content_words(phrase: &str) -> HashSet<String> {
        const STOP: &[&str] = &[
            "a", "an", "the", "and", "or", "of", "to", "in", "on", "for", "it", "is", "my", "me",
            "our", "us", "i", "i'm", "that", "with", "when", "then", "just", "all", "some",
            "every", "s", "t", "isn", "doesn", "won", "n",
        ];
        phrase
            .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '{' || c == '}'))
            .map(str::to_lowercase)
            .filter(|w| !w.is_empty() && !w.starts_with('{') && !STOP.contains(&w.as_str()))
            .collect()
    }

    #[test]
    fn same_seed_same_bytes_other_seed_differs() {
        let a = dump(params(3000, 7));
        let b = dump(params(3000, 7));
        assert_eq!(a, b);
        let c = dump(params(3000, 8));
        assert_ne!(a.0, c.0);

        // `ticket` is pure: line i of the dump is ticket(i).
        let generator = Generator::new(params(3000, 7)).expect("valid params");
        let line = a.0.split(|&b| b == b'\n').nth(1234).expect("line 1234");
        let again = serde_json::to_vec(&generator.ticket(1234)).expect("serialise");
        assert_eq!(line, &again[..]);
    }

    #[test]
    fn every_family_appears_and_a_third_are_lookalikes() {
        let p = GenParams {
            tickets: 20_000,
            families: 300,
            seed: 3,
            ..GenParams::default()
        };
        let generator = Generator::new(p).expect("valid params");
        assert_eq!(generator.families().len(), 300);
        let catalogue: HashSet<&str> = generator
            .families()
            .iter()
            .map(|f| f.label.as_str())
            .collect();
        assert_eq!(catalogue.len(), 300, "labels are unique");

        let labels: Vec<String> = (0..20_000)
            .into_par_iter()
            .map(|i| generator.ticket(i).label)
            .collect();
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for l in &labels {
            *counts.entry(l.as_str()).or_default() += 1;
        }
        assert_eq!(counts.len(), 300);
        assert!(counts.keys().all(|l| catalogue.contains(l)));

        let lookalikes = generator
            .families()
            .iter()
            .filter(|f| f.lookalike_of.is_some())
            .count();
        assert!(lookalikes >= 75, "only {lookalikes} look-alikes");
        for f in generator.families() {
            if let Some(anchor) = &f.lookalike_of {
                assert!(catalogue.contains(anchor.as_str()));
                assert_ne!(anchor, &f.label);
            }
        }

        // Uneven but flat sizes: no family swamps the rest and none is starved.
        let mut sizes: Vec<usize> = counts.values().copied().collect();
        sizes.sort_unstable();
        let median = sizes[sizes.len() / 2];
        let (min, max) = (sizes[0], sizes[sizes.len() - 1]);
        assert!(
            max * 2 >= median * 3 && max <= 5 * median,
            "max {max}, median {median}"
        );
        assert!(min * 5 >= median, "min {min}, median {median}");
    }

    #[test]
    fn tickets_are_well_formed() {
        let p = params(5000, 11);
        let end = p.end;
        let start = end - time::Duration::days(i64::from(p.span_days));
        let generator = Generator::new(p).expect("valid params");
        let mut ids = HashSet::new();
        let (mut ops, mut noted, mut noted_ops) = (0usize, 0usize, 0usize);
        for i in 0..5000 {
            let t = generator.ticket(i);
            assert_eq!(t.id, format!("g-{i:09}"));
            assert!(ids.insert(t.id.clone()), "duplicate id {}", t.id);
            assert!(
                !t.title.is_empty() || !t.body.is_empty(),
                "{} is empty",
                t.id
            );
            assert!(!t.body.is_empty(), "{} has no body", t.id);
            assert!(t.tags.len() <= 2);
            assert!(
                t.tags.iter().all(|tag| ALLOWED_TAGS.contains(tag)),
                "{:?}",
                t.tags
            );
            let at = OffsetDateTime::parse(&t.created_at, &Rfc3339).expect("RFC 3339 created_at");
            assert!(at >= start && at <= end, "{} outside span", t.created_at);
            assert!(
                t.created_at.ends_with('Z') && t.created_at.len() == 20,
                "{}",
                t.created_at
            );
            assert!(
                t.title.split_whitespace().count() <= 16,
                "long title {:?}",
                t.title
            );
            assert!(matches!(t.source, "support" | "ops"));
            if t.source == "ops" {
                ops += 1;
                assert!(!t.title.is_empty(), "ops titles are never empty");
            } else {
                // Support text never contains log lines, so no braces may survive expansion.
                assert!(
                    !t.body.contains('{') && !t.title.contains('{'),
                    "{:?}",
                    t.body
                );
            }
            let has_note = t.user_saw.is_some()
                || t.user_task.is_some()
                || t.first_failure.is_some()
                || t.manual_work.is_some()
                || t.changes_that_day.is_some();
            if has_note {
                noted += 1;
                noted_ops += usize::from(t.source == "ops");
            }
            if let Some(m) = t.manual_minutes {
                assert!((5..=240).contains(&m));
                assert!(t.manual_work.is_some());
            }
        }
        let ops_share = ops as f64 / 5000.0;
        assert!((0.30..=0.40).contains(&ops_share), "ops share {ops_share}");
        let note_share = noted as f64 / 5000.0;
        assert!(
            (0.20..=0.30).contains(&note_share),
            "note share {note_share}"
        );
        assert!(
            noted_ops * 10 >= noted * 7,
            "notes should be mostly ops: {noted_ops}/{noted}"
        );
    }

    /// Whether `text` (lower case) names the family's component and its failure.
    fn states_symptom(text: &str, family: &Family) -> bool {
        let (comp, fail) = (&COMPONENTS[family.comp], &FAILURES[family.fail]);
        let has_comp = comp
            .nouns
            .iter()
            .chain(std::iter::once(&comp.service))
            .any(|n| text.contains(&n.to_lowercase()));
        let has_fail = fail.phrases.iter().chain(fail.ops).any(|p| {
            if p.contains("{i}") {
                comp.items
                    .iter()
                    .any(|i| text.contains(&p.replace("{i}", i).to_lowercase()))
            } else {
                text.contains(&p.to_lowercase())
            }
        });
        has_comp && has_fail
    }

    #[test]
    fn every_ticket_states_its_symptom_up_front() {
        let generator = Generator::new(params(4000, 17)).expect("valid params");
        let by_label: HashMap<&str, &Family> = generator
            .families
            .iter()
            .map(|f| (f.label.as_str(), f))
            .collect();
        let (mut titles, mut titled, mut firsts, mut specific) = (0, 0, 0, 0);
        let total = 4000;
        for i in 0..total {
            let t = generator.ticket(i);
            let family = by_label[t.label.as_str()];
            if !t.title.is_empty() {
                titled += 1;
                titles += usize::from(states_symptom(&t.title.to_lowercase(), family));
            }
            // The first sentence, or the second when the first is a greeting.
            let body = t.body.to_lowercase();
            let mut sentences = body
                .split(['.', '?', '!', '\n'])
                .map(|s| s.trim().trim_start_matches("- "))
                .filter(|s| s.len() > 3);
            let first: Vec<&str> = sentences.by_ref().take(2).collect();
            firsts += usize::from(first.iter().any(|s| states_symptom(s, family)));
            let (locus, trigger) = (
                families::LOCI[family.locus].phrase.to_lowercase(),
                families::TRIGGERS[family.trigger].phrase.to_lowercase(),
            );
            let text = format!("{} {}", t.title.to_lowercase(), body);
            specific += usize::from(text.contains(&locus) || text.contains(&trigger));
        }
        // Typos may hit a core phrase now and then, never often.
        assert!(titles * 100 >= titled * 97, "{titles} of {titled} titles");
        assert!(
            firsts * 100 >= total * 97,
            "{firsts} of {total} first sentences"
        );
        assert!(
            specific * 100 >= total * 85,
            "{specific} of {total} with specifics"
        );
    }

    #[test]
    fn lookalikes_share_one_half_and_differ_in_the_other() {
        for (count, seed) in [(300, 1), (30, 2), (2000, 3), (7, 4)] {
            let mut rng = Rng64::seed_from_u64(seed);
            let fams = families::build_catalogue(count, &mut rng);
            assert_eq!(fams.len(), count);
            let labels: HashSet<&str> = fams.iter().map(|f| f.label.as_str()).collect();
            assert_eq!(labels.len(), count, "labels unique for {count} families");
            for f in &fams {
                assert!(f.tags.len() <= 2 && f.tags.iter().all(|t| ALLOWED_TAGS.contains(t)));
                let (c, fail) = (&COMPONENTS[f.comp], &FAILURES[f.fail]);
                assert!(
                    families::compatible(c, fail),
                    "{} is not a valid pair",
                    f.label
                );
                if let Some(v) = f.variant {
                    assert!(families::variant_fits(c, &VARIANTS[v]), "{}", f.label);
                }
                for specific in [&families::LOCI[f.locus], &families::TRIGGERS[f.trigger]] {
                    assert!(
                        specific.needs == 0 || c.traits & specific.needs != 0,
                        "{}: {:?} does not fit",
                        f.label,
                        specific.phrase
                    );
                }
                let Some((a, kind)) = f.lookalike else {
                    continue;
                };
                let anchor = &fams[a];
                if count <= 300 {
                    // Look-alikes also differ in where and when the problem shows up.
                    assert_ne!(f.locus, anchor.locus, "{} / {}", f.label, anchor.label);
                    assert_ne!(f.trigger, anchor.trigger, "{} / {}", f.label, anchor.label);
                }
                assert!(anchor.lookalike.is_none(), "anchors are original families");
                match kind {
                    LookalikeKind::SameComponent => {
                        assert_eq!(f.comp, anchor.comp);
                        assert_eq!(COMPONENTS[f.comp].nouns, COMPONENTS[anchor.comp].nouns);
                        assert_ne!(f.fail, anchor.fail);
                        let (p, q) = (FAILURES[f.fail].phrases, FAILURES[anchor.fail].phrases);
                        assert!(
                            p.iter().all(|x| !q.contains(x)),
                            "{} vs {}",
                            f.label,
                            anchor.label
                        );
                        let wp: HashSet<String> = p.iter().flat_map(|x| content_words(x)).collect();
                        let wq: HashSet<String> = q.iter().flat_map(|x| content_words(x)).collect();
                        assert!(
                            wp.difference(&wq).next().is_some()
                                && wq.difference(&wp).next().is_some()
                        );
                    }
                    LookalikeKind::SiblingComponent => {
                        assert_eq!(f.fail, anchor.fail);
                        assert_ne!(f.comp, anchor.comp);
                        assert_eq!(COMPONENTS[f.comp].group, COMPONENTS[anchor.comp].group);
                        let (p, q) = (COMPONENTS[f.comp].nouns, COMPONENTS[anchor.comp].nouns);
                        assert!(
                            p.iter().all(|x| !q.contains(x)),
                            "{} vs {}",
                            f.label,
                            anchor.label
                        );
                    }
                    LookalikeKind::Context => {
                        assert_eq!((f.comp, f.fail), (anchor.comp, anchor.fail));
                        assert_ne!(f.variant, anchor.variant);
                        assert!(f.variant.is_some());
                    }
                }
            }
            let lookalikes = fams.iter().filter(|f| f.lookalike.is_some()).count();
            assert!(
                lookalikes * 4 >= count.saturating_sub(3),
                "{lookalikes} of {count}"
            );
        }
    }

    #[test]
    fn catalogue_vocabularies_are_distinct() {
        // Different failure modes never share a phrase, and each has words the other lacks.
        for (i, a) in FAILURES.iter().enumerate() {
            let wa: HashSet<String> = a.phrases.iter().flat_map(|x| content_words(x)).collect();
            for b in &FAILURES[i + 1..] {
                assert_ne!(a.key, b.key);
                assert!(
                    a.phrases.iter().all(|x| !b.phrases.contains(x)),
                    "{} / {}",
                    a.key,
                    b.key
                );
                let wb: HashSet<String> = b.phrases.iter().flat_map(|x| content_words(x)).collect();
                assert!(wa.difference(&wb).next().is_some() && wb.difference(&wa).next().is_some());
            }
            assert!(
                !a.log_msg.contains('"'),
                "log_msg goes into quoted log fields"
            );
            assert!(!a.status.is_empty() && a.status.bytes().all(|b| b.is_ascii_digit()));
            assert!(a.tags.iter().all(|t| ALLOWED_TAGS.contains(t)));
        }
        for (i, a) in COMPONENTS.iter().enumerate() {
            for b in &COMPONENTS[i + 1..] {
                assert_ne!(a.key, b.key);
                assert!(
                    a.nouns.iter().all(|x| !b.nouns.contains(x)),
                    "{} / {}",
                    a.key,
                    b.key
                );
            }
            assert!(!a.nouns.is_empty() && !a.tasks.is_empty() && !a.items.is_empty());
            assert!(
                FAILURES
                    .iter()
                    .filter(|f| families::compatible(a, f))
                    .count()
                    >= 6,
                "{}",
                a.key
            );
        }
        for v in VARIANTS {
            assert!(!v.phrases.is_empty());
        }
        for pool in [families::LOCI, families::TRIGGERS] {
            let phrases: HashSet<&str> = pool.iter().map(|p| p.phrase).collect();
            assert_eq!(phrases.len(), pool.len(), "specifics are unique");
            assert!(pool.len() >= 100, "enough specifics to keep families apart");
        }
        assert!(
            families::LOCI
                .iter()
                .chain(families::TRIGGERS)
                .all(|p| !p.phrase.contains('{'))
        );
        for list in all_template_lists() {
            assert!(!list.is_empty());
        }
        // The sentences that state the problem carry both halves of the vocabulary and the
        // context, so every family stays separable from its look-alikes.
        let has = |tpl: &str, keys: &[&str]| keys.iter().any(|k| tpl.contains(k));
        for tpl in families::SUPPORT_TITLE.iter().chain(families::SUPPORT_CORE) {
            assert!(
                tpl.contains("{n}") && has(tpl, &["{f}", "{fs}"]) && tpl.contains("{v}"),
                "{tpl}"
            );
        }
        for tpl in families::OPS_TITLE.iter().chain(families::OPS_CORE) {
            assert!(
                has(tpl, &["{n}", "{s}"])
                    && has(tpl, &["{o}", "{f}", "{fs}"])
                    && tpl.contains("{v}"),
                "{tpl}"
            );
        }
        for tpl in families::OPS_IMPACT {
            assert!(
                tpl.contains("{f}") && tpl.contains("{n}") && tpl.contains("{v}"),
                "{tpl}"
            );
        }
        for tpl in families::SUPPORT_RESTATE {
            assert!(tpl.contains("{f}"), "{tpl}");
        }
        for tpl in families::SUPPORT_SPECIFIC
            .iter()
            .chain(families::OPS_SPECIFIC)
        {
            assert!(tpl.contains("{w}") || tpl.contains("{x}"), "{tpl}");
        }
    }

    #[test]
    fn every_template_expands_fully() {
        let mut cx_rng = Rng64::seed_from_u64(5);
        for (ci, comp) in COMPONENTS.iter().enumerate() {
            for (fi, _) in FAILURES
                .iter()
                .enumerate()
                .filter(|(_, f)| families::compatible(comp, f))
            {
                let variant = (fi % 2 == 0).then_some(fi % VARIANTS.len());
                let family = Family {
                    label: String::new(),
                    comp: ci,
                    fail: fi,
                    variant,
                    lookalike: None,
                    tags: vec![],
                    locus: fi % families::LOCI.len(),
                    trigger: ci % families::TRIGGERS.len(),
                };
                let company = &noise::COMPANIES[ci % noise::COMPANIES.len()];
                let mut cx = Cx::new(cx_rng.clone(), &family, company, 1_780_000_000);
                for list in all_template_lists() {
                    for tpl in list {
                        let mut out = String::new();
                        cx.expand(&mut out, tpl);
                        assert!(
                            !out.contains('{') && !out.contains('}'),
                            "{tpl:?} -> {out:?}"
                        );
                    }
                }
                cx_rng = cx.rng;
            }
        }
    }

    #[test]
    fn write_ndjson_writes_json_lines_and_matching_labels() {
        let p = params(9000, 21);
        let generator = Generator::new(p).expect("valid params");
        let mut out = Vec::new();
        let mut labels = Vec::new();
        let mut seen = Vec::new();
        let written = generator
            .write_ndjson(&mut out, &mut labels, |n| seen.push(n))
            .expect("writing to memory");
        assert_eq!(written, 9000);
        assert_eq!(seen, vec![8192, 9000]);

        let text = String::from_utf8(out).expect("UTF-8 output");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 9000);
        let csv = String::from_utf8(labels).expect("UTF-8 labels");
        let mut rows = csv.lines();
        assert_eq!(rows.next(), Some("id,label"));
        let known: HashSet<&str> = generator
            .families()
            .iter()
            .map(|f| f.label.as_str())
            .collect();
        for line in &lines {
            let value: serde_json::Value = serde_json::from_str(line).expect("valid JSON line");
            let row = rows.next().expect("a label row per ticket");
            let (id, label) = row.split_once(',').expect("id,label");
            assert_eq!(value["id"].as_str(), Some(id));
            assert!(known.contains(label));
            assert!(
                value.get("label").is_none(),
                "ground truth must not leak into tickets"
            );
            assert!(value["source"].as_str().is_some() && value["created_at"].as_str().is_some());
        }
        assert_eq!(rows.next(), None);
    }

    #[test]
    fn validate_rejects_bad_params() {
        assert!(GenParams::default().validate().is_ok());
        let bad = [
            GenParams {
                tickets: 0,
                ..GenParams::default()
            },
            GenParams {
                families: 0,
                ..GenParams::default()
            },
            GenParams {
                families: 2001,
                ..GenParams::default()
            },
            GenParams {
                span_days: 0,
                ..GenParams::default()
            },
            GenParams {
                note_share: 1.5,
                ..GenParams::default()
            },
            GenParams {
                note_share: f64::NAN,
                ..GenParams::default()
            },
            GenParams {
                span_days: 30_000,
                ..GenParams::default()
            },
        ];
        for p in bad {
            let err = Generator::new(p.clone())
                .err()
                .expect("invalid params are rejected");
            assert!(
                err.to_string().contains("invalid generator parameters"),
                "{err}"
            );
        }
        // Tiny runs work too.
        let g = Generator::new(GenParams {
            tickets: 1,
            families: 1,
            span_days: 1,
            ..GenParams::default()
        })
        .expect("valid params");
        assert_eq!(g.ticket(0).label, g.families()[0].label);
    }

    #[test]
    fn timestamps_match_the_time_crate() {
        let mut ts = 0i64;
        while ts < 4_200_000_000 {
            let mut ours = String::new();
            push_rfc3339(&mut ours, ts);
            let theirs = OffsetDateTime::from_unix_timestamp(ts)
                .expect("in range")
                .format(&Rfc3339)
                .expect("format");
            assert_eq!(ours, theirs);
            ts += 86_400 * 13 + 3_607;
        }
    }

    #[test]
    fn typos_touch_only_plain_words() {
        let mut rng = Rng64::seed_from_u64(9);
        let text =
            "Checkout keeps failing, order #48213 v3.2.11 maria.smith@acme.com https://x.io/a";
        assert_eq!(noise::add_typos(text, 0.0, &mut rng), text);
        let typo = noise::add_typos(text, 1.0, &mut rng);
        assert_ne!(typo, text);
        for token in [
            "#48213",
            "v3.2.11",
            "maria.smith@acme.com",
            "https://x.io/a",
        ] {
            assert!(typo.contains(token), "{typo}");
        }
    }

    #[test]
    fn a_share_of_ops_notes_carry_valid_incident_fields() {
        let g = Generator::new(params(2000, 3)).expect("valid");
        let (mut ops, mut with) = (0, 0);
        for i in 0..2000 {
            let t = g.ticket(i);
            if t.source != "ops" {
                assert!(
                    t.service.is_none() && t.detected_at.is_none(),
                    "support tickets carry none"
                );
                continue;
            }
            ops += 1;
            if let (Some(d), Some(r)) = (&t.detected_at, &t.resolved_at) {
                with += 1;
                let d = OffsetDateTime::parse(d, &Rfc3339).expect("rfc3339");
                let r = OffsetDateTime::parse(r, &Rfc3339).expect("rfc3339");
                assert!(r >= d, "{t:?}");
                assert!(t.service.is_some() && t.severity.is_some());
                if let Some(impact) = &t.impact {
                    impact.check().expect("valid impact");
                }
            }
        }
        let share = with as f64 / ops as f64;
        assert!((0.4..0.6).contains(&share), "{with} of {ops}");
    }
}
