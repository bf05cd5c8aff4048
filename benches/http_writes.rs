//! Single-ticket `POST /v1/tickets` as a help desk sends them, against the
//! real server on loopback (release build: `cargo bench --bench http_writes`).
//!
//! Three runs, each printing throughput and latency percentiles:
//! 1. closed loop, 16 clients each sending one ticket after another:
//!    the sustainable rate;
//! 2. open loop at 300 requests/s: latency measured from each request's
//!    scheduled send time, so queueing counts (no coordinated omission);
//! 3. open loop at 5× the sustainable rate: how fast the overflow is
//!    answered 503 instead of queueing.
//!
//! `BENCH_SECONDS` (default 10) sets each run's length.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use refrain::http::Application;
use refrain::{Config, Engine};

static NEXT_ID: AtomicU64 = AtomicU64::new(0);

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

/// Sends one new ticket; returns the status.
fn post_one(agent: &ureq::Agent, url: &str) -> u16 {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let body = format!(
        r#"{{"id":"w-{id}","source":"support","title":"Login loop","body":"SSO sends me back to the login page again, attempt {id}"}}"#
    );
    match agent
        .post(url)
        .header("Content-Type", "application/json")
        .send(body.as_bytes())
    {
        Ok(mut response) => {
            let _ = response.body_mut().read_to_string();
            response.status().as_u16()
        }
        Err(_) => 0,
    }
}

#[derive(Default)]
struct Samples {
    ok: Vec<Duration>,
    unavailable: Vec<Duration>,
    other: usize,
    /// Send to answer (without the time a request waited for a free sender).
    service: Vec<(u16, Duration)>,
}

impl Samples {
    fn add(&mut self, status: u16, latency: Duration) {
        match status {
            200 => self.ok.push(latency),
            503 => self.unavailable.push(latency),
            _ => self.other += 1,
        }
    }

    fn merge(&mut self, other: Samples) {
        self.ok.extend(other.ok);
        self.unavailable.extend(other.unavailable);
        self.other += other.other;
        self.service.extend(other.service);
    }
}

fn percentiles(name: &str, samples: &mut [Duration]) -> String {
    if samples.is_empty() {
        return format!("{name}: none");
    }
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    format!(
        "{name}: {} p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        samples.len(),
        ms(at(0.5)),
        ms(at(0.99)),
        ms(at(1.0))
    )
}

fn closed_loop(url: &str, clients: usize, length: Duration) -> f64 {
    let started = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|_| {
            let url = url.to_string();
            std::thread::spawn(move || {
                let agent = agent();
                let mut samples = Samples::default();
                while started.elapsed() < length {
                    let sent = Instant::now();
                    let status = post_one(&agent, &url);
                    samples.add(status, sent.elapsed());
                }
                samples
            })
        })
        .collect();
    let mut all = Samples::default();
    for t in threads {
        all.merge(t.join().expect("client"));
    }
    let rate = all.ok.len() as f64 / started.elapsed().as_secs_f64();
    println!(
        "closed loop, {clients} clients: {rate:.0} tickets/s; {}; {} 503; {} other",
        percentiles("200", &mut all.ok),
        all.unavailable.len(),
        all.other
    );
    rate
}

fn open_loop(url: &str, rate: f64, length: Duration, workers: usize) {
    let (schedule, slots) = channel::<Instant>();
    let slots: Arc<Mutex<Receiver<Instant>>> = Arc::new(Mutex::new(slots));
    let threads: Vec<_> = (0..workers)
        .map(|_| {
            let url = url.to_string();
            let slots = slots.clone();
            std::thread::spawn(move || {
                let agent = agent();
                let mut samples = Samples::default();
                loop {
                    let due = match slots.lock().expect("slots").recv() {
                        Ok(due) => due,
                        Err(_) => return samples,
                    };
                    if let Some(wait) = due.checked_duration_since(Instant::now()) {
                        std::thread::sleep(wait);
                    }
                    let sent = Instant::now();
                    let status = post_one(&agent, &url);
                    samples.add(status, due.elapsed());
                    samples.service.push((status, sent.elapsed()));
                }
            })
        })
        .collect();
    let begun = Instant::now();
    let start = begun + Duration::from_millis(50);
    let interval = Duration::from_secs_f64(1.0 / rate);
    let count = (length.as_secs_f64() * rate) as u32;
    for i in 0..count {
        let due = start + interval * i;
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            // Hand out slots a little ahead of time, not all at once.
            if wait > Duration::from_millis(20) {
                std::thread::sleep(wait - Duration::from_millis(20));
            }
        }
        schedule.send(due).expect("workers");
    }
    drop(schedule);
    let mut all = Samples::default();
    for t in threads {
        all.merge(t.join().expect("worker"));
    }
    let sent = all.service.len() as f64 / begun.elapsed().as_secs_f64();
    println!(
        "open loop at {rate:.0}/s for {} s (the client sent {sent:.0}/s): from schedule {}; {}; {} other",
        length.as_secs(),
        percentiles("200", &mut all.ok),
        percentiles("503", &mut all.unavailable),
        all.other
    );
    let mut served_ok: Vec<Duration> = all
        .service
        .iter()
        .filter(|(s, _)| *s == 200)
        .map(|(_, d)| *d)
        .collect();
    let mut served_503: Vec<Duration> = all
        .service
        .iter()
        .filter(|(s, _)| *s == 503)
        .map(|(_, d)| *d)
        .collect();
    println!(
        "    from send to answer: {}; {}",
        percentiles("200", &mut served_ok),
        percentiles("503", &mut served_503)
    );
}

fn main() {
    // `cargo bench` passes --bench; nothing else to parse.
    let seconds: u64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let length = Duration::from_secs(seconds);
    let dir = tempfile::tempdir().expect("temp dir");
    let engine = Arc::new(Engine::open(dir.path(), Config::default()).expect("engine"));
    let app = Application::build(engine, "127.0.0.1:0").expect("server binds");
    let url = format!("http://127.0.0.1:{}/v1/tickets", app.port());
    std::thread::spawn(move || actix_web::rt::System::new().block_on(app.run_until_stopped()));
    std::thread::sleep(Duration::from_millis(200));
    let sustainable = closed_loop(&url, 16, length);
    open_loop(&url, 300.0, length, 64);
    // More senders than the server's write limit (256) may hold, so the
    // overflow has to be refused rather than queued.
    open_loop(&url, 5.0 * sustainable, length, 1024);
}
