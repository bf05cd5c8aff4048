//! Noise shared by every family: politeness filler, volatile tokens (order numbers, e-mail
//! addresses, URLs, UUIDs, versions, timestamps), typos and log / stack-trace lines.
//!
//! Clustering has to learn to ignore all of this, so nothing here may carry a family's key
//! words: the lists are the same for every family and the tokens are random per ticket.
//! Everything pushes into a caller-owned `String` so a ticket costs a handful of allocations.

use rand::{Rng, RngCore};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::families::{Component, Failure};

/// The one RNG type used everywhere, so every ticket is a pure function of its seed.
pub(crate) type Rng64 = Xoshiro256PlusPlus;

/// A fictional customer: its display name, and the domain used for its e-mail addresses.
pub(crate) struct Company {
    pub name: &'static str,
    pub domain: &'static str,
}

pub(crate) static COMPANIES: &[Company] = &[
    Company {
        name: "Acme Logistics",
        domain: "acmelogistics.com",
    },
    Company {
        name: "Nimbus Freight",
        domain: "nimbusfreight.io",
    },
    Company {
        name: "Bluefin Health",
        domain: "bluefinhealth.org",
    },
    Company {
        name: "Copperleaf Bank",
        domain: "copperleafbank.com",
    },
    Company {
        name: "Driftwood Media",
        domain: "driftwood.media",
    },
    Company {
        name: "Evergreen Dental",
        domain: "evergreendental.com",
    },
    Company {
        name: "Foxglove Retail",
        domain: "foxglove-retail.com",
    },
    Company {
        name: "Granite Insurance",
        domain: "graniteins.com",
    },
    Company {
        name: "Harborview Hotels",
        domain: "harborviewhotels.com",
    },
    Company {
        name: "Ironbark Mining",
        domain: "ironbark.au",
    },
    Company {
        name: "Juniper Legal",
        domain: "juniperlegal.co.uk",
    },
    Company {
        name: "Kestrel Aviation",
        domain: "kestrel-aviation.com",
    },
    Company {
        name: "Lumen Studios",
        domain: "lumenstudios.tv",
    },
    Company {
        name: "Maple & Finch",
        domain: "mapleandfinch.ca",
    },
    Company {
        name: "Northwind Traders",
        domain: "northwind.example",
    },
    Company {
        name: "Orchid Pharma",
        domain: "orchidpharma.de",
    },
    Company {
        name: "Pinecrest Schools",
        domain: "pinecrest.edu",
    },
    Company {
        name: "Quartz Analytics",
        domain: "quartz-analytics.io",
    },
    Company {
        name: "Redwood Realty",
        domain: "redwoodrealty.com",
    },
    Company {
        name: "Saffron Foods",
        domain: "saffronfoods.in",
    },
    Company {
        name: "Tidewater Energy",
        domain: "tidewater.energy",
    },
    Company {
        name: "Umbra Security",
        domain: "umbrasec.com",
    },
    Company {
        name: "Vantage Motors",
        domain: "vantagemotors.com",
    },
    Company {
        name: "Willow Care",
        domain: "willowcare.nl",
    },
    Company {
        name: "Xylo Games",
        domain: "xylogames.gg",
    },
    Company {
        name: "Yarrow Farms",
        domain: "yarrowfarms.com",
    },
    Company {
        name: "Zephyr Travel",
        domain: "zephyrtravel.es",
    },
    Company {
        name: "Alder & Co",
        domain: "alderco.com",
    },
    Company {
        name: "Beacon Nonprofit",
        domain: "beacon-np.org",
    },
    Company {
        name: "Cobalt Robotics",
        domain: "cobaltrobotics.ai",
    },
];

pub(crate) static FIRST_NAMES: &[&str] = &[
    "Maria", "John", "Aiko", "Lars", "Fatima", "Diego", "Chen", "Olga", "Sam", "Priya", "Tom",
    "Nina", "Ahmed", "Lucia", "Kofi", "Emma", "Raj", "Ingrid", "Mateo", "Zoe",
];

pub(crate) static LAST_NAMES: &[&str] = &[
    "garcia", "smith", "tanaka", "berg", "khan", "lopez", "wei", "ivanova", "okafor", "patel",
    "novak", "rossi", "mensah", "dubois", "schmidt", "oconnor",
];

/// Opening lines of customer messages.
pub(crate) static GREETINGS: &[&str] = &[
    "Hi team,",
    "Hello,",
    "Hi there,",
    "Hey,",
    "Good morning,",
    "Hi support,",
    "Dear support team,",
    "Hi all,",
    "Hello again,",
];

/// Closing lines of customer messages; may name the writer.
pub(crate) static CLOSINGS: &[&str] = &[
    "Thanks in advance.",
    "Please help.",
    "pls help",
    "Thanks!",
    "Thank you.",
    "Any update would be appreciated.",
    "Let me know if you need more info.",
    "Cheers, {first}",
    "Thanks, {first} from {co}",
    "Regards, {first}",
    "Thanks in advance, {first}",
];

/// Customer sentences that say nothing about the problem itself.
pub(crate) static SUPPORT_FILLER: &[&str] = &[
    "This is urgent.",
    "This is blocking our whole team.",
    "We already cleared the cache and tried again.",
    "Nothing changed on our side as far as I know.",
    "This worked fine last week.",
    "Our manager is asking about this.",
    "We have a deadline on Friday.",
    "See screenshot.",
    "See attached screenshot.",
    "Restarting didn't help.",
    "Please advise.",
    "I've attached a screen recording.",
    "Can someone look at this today?",
];

/// Operator sentences that say nothing about the problem itself.
pub(crate) static OPS_FILLER: &[&str] = &[
    "Root cause unknown, investigating.",
    "Postmortem to follow.",
    "Paged on-call.",
    "Monitoring.",
    "Follow-up ticket created.",
    "Handing over to the next shift.",
    "Status page updated.",
    "No customer comms sent yet.",
    "Will update in 30 min.",
];

/// When the customer noticed; never tied to a family.
pub(crate) static WHEN: &[&str] = &[
    "since this morning",
    "since yesterday",
    "since Monday",
    "for two days now",
    "since your last update",
    "since the weekend",
    "all day today",
    "for about an hour",
    "for a week now",
    "today",
];

/// Mitigations an operator writes down; shared by all families.
pub(crate) static ACTIONS: &[&str] = &[
    "rolled back to {ver}",
    "restarted the pods",
    "failed over to the replica",
    "scaled out the workers",
    "flushed the cache",
    "opened a case with the vendor",
    "disabled the feature flag",
    "no action yet, monitoring",
    "deployed hotfix {ver}",
    "drained the bad node",
    "raised the connection pool limit",
    "reverted the config change",
];

/// Frames that follow the component's own frame in a Java stack trace.
static GENERIC_FRAMES: &[&str] = &[
    "\tat com.acme.http.RetryingClient.execute(RetryingClient.java:88)",
    "\tat com.acme.web.RequestDispatcher.dispatch(RequestDispatcher.java:141)",
    "\tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:885)",
    "\tat java.base/java.util.concurrent.ThreadPoolExecutor.runWorker(ThreadPoolExecutor.java:1136)",
    "\tat java.base/java.lang.Thread.run(Thread.java:1583)",
];

/// A uniformly chosen element. Callers only pass the non-empty static lists of the
/// catalogue (a unit test checks that none is empty).
pub(crate) fn pick<T: Copy>(rng: &mut Rng64, items: &[T]) -> T {
    items[rng.gen_range(0..items.len())]
}

/// Decimal digits without going through `fmt` (this runs several times per ticket).
pub(crate) fn push_num(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &b in &buf[i..] {
        out.push(char::from(b));
    }
}

/// Decimal digits, left-padded with zeros to `width`.
pub(crate) fn push_padded(out: &mut String, n: u64, width: usize) {
    let mut digits = 1;
    let mut rest = n / 10;
    while rest > 0 {
        digits += 1;
        rest /= 10;
    }
    for _ in digits..width {
        out.push('0');
    }
    push_num(out, n);
}

/// The low `digits` (at most 16) nibbles of `v` as lowercase hex.
pub(crate) fn push_hex(out: &mut String, v: u64, digits: u32) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for shift in (0..digits.min(16)).rev() {
        out.push(char::from(HEX[((v >> (4 * shift)) & 0xf) as usize]));
    }
}

pub(crate) fn push_uuid(out: &mut String, rng: &mut Rng64) {
    let a = rng.next_u64();
    let b = rng.next_u64();
    push_hex(out, a >> 32, 8);
    out.push('-');
    push_hex(out, a >> 16, 4);
    out.push_str("-4");
    push_hex(out, a, 3);
    out.push('-');
    push_hex(out, 0x8 | (b >> 62), 1);
    push_hex(out, b >> 48, 3);
    out.push('-');
    push_hex(out, b, 12);
}

pub(crate) fn push_ipv4(out: &mut String, rng: &mut Rng64) {
    let first: u64 = if rng.gen_bool(0.5) {
        10
    } else {
        rng.gen_range(23..=223)
    };
    push_num(out, first);
    for last in [false, false, true] {
        out.push('.');
        push_num(
            out,
            if last {
                rng.gen_range(1..=254)
            } else {
                rng.gen_range(0..=255)
            },
        );
    }
}

/// A release version such as `v3.2.11`.
pub(crate) fn push_version(out: &mut String, rng: &mut Rng64) {
    out.push('v');
    push_num(out, rng.gen_range(1..=5));
    out.push('.');
    push_num(out, rng.gen_range(0..=24));
    out.push('.');
    push_num(out, rng.gen_range(0..=40));
}

/// A human-written duration: `45s`, `3 minutes`, `1200ms`, `2h`.
pub(crate) fn push_duration(out: &mut String, rng: &mut Rng64) {
    match rng.gen_range(0..4) {
        0 => {
            push_num(out, rng.gen_range(5..=120));
            out.push('s');
        }
        1 => {
            push_num(out, rng.gen_range(2..=45));
            out.push_str(" minutes");
        }
        2 => {
            push_num(out, rng.gen_range(800..=30_000));
            out.push_str("ms");
        }
        _ => {
            push_num(out, rng.gen_range(1..=6));
            out.push('h');
        }
    }
}

/// Proleptic Gregorian (year, month, day) of a day count since 1970-01-01
/// (H. Hinnant's `civil_from_days`): cheaper than building an `OffsetDateTime` per ticket.
fn civil_from_days(days: i64) -> (i64, u64, u64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month as u64, day as u64)
}

/// `YYYY-MM-DD` of a Unix timestamp (UTC). Years are in 1970..=9999 (checked by `validate`).
pub(crate) fn push_date(out: &mut String, ts: i64) {
    let (y, m, d) = civil_from_days(ts.div_euclid(86_400));
    push_padded(out, y.max(0) as u64, 4);
    out.push('-');
    push_padded(out, m, 2);
    out.push('-');
    push_padded(out, d, 2);
}

/// `HH:MM` of a Unix timestamp (UTC).
pub(crate) fn push_clock(out: &mut String, ts: i64) {
    let sod = ts.rem_euclid(86_400) as u64;
    push_padded(out, sod / 3600, 2);
    out.push(':');
    push_padded(out, sod % 3600 / 60, 2);
}

/// RFC 3339 in UTC with whole seconds, e.g. `2026-03-04T10:11:12Z`.
pub(crate) fn push_rfc3339(out: &mut String, ts: i64) {
    push_date(out, ts);
    out.push('T');
    push_clock(out, ts);
    out.push(':');
    push_padded(out, ts.rem_euclid(60) as u64, 2);
    out.push('Z');
}

/// Copies `text`, misspelling (swap, drop or double one inner letter) each plain word of
/// four or more letters with probability `rate`. Tokens with digits or symbols (ids, URLs,
/// e-mails, versions, service names) are never touched, so volatile tokens stay parseable.
pub(crate) fn add_typos(text: &str, rate: f64, rng: &mut Rng64) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for piece in text.split_inclusive(|c: char| c.is_ascii_whitespace()) {
        let word = piece.trim_end_matches(|c: char| {
            c.is_ascii_whitespace() || matches!(c, '.' | ',' | '!' | '?' | ':' | ';')
        });
        let bytes = word.as_bytes();
        let eligible = bytes.len() >= 4 && bytes.iter().all(u8::is_ascii_alphabetic);
        if !eligible || !rng.gen_bool(rate) {
            out.push_str(piece);
            continue;
        }
        // Keep the first letter: typos rarely hit it, and it keeps capitalisation intact.
        let pos = rng.gen_range(1..bytes.len() - 1);
        let kind = rng.gen_range(0..3);
        for (k, &b) in bytes.iter().enumerate() {
            let c = char::from(b);
            match kind {
                0 if k == pos => out.push(char::from(bytes[pos + 1])),
                0 if k == pos + 1 => out.push(char::from(bytes[pos])),
                1 if k == pos => {}
                2 if k == pos => {
                    out.push(c);
                    out.push(c);
                }
                _ => out.push(c),
            }
        }
        out.push_str(&piece[word.len()..]);
    }
    out
}

/// One to three log lines or a short stack trace for an ops note, in one of three common
/// shapes (logfmt line, Java stack trace, JSON log). `ts` is when the failure was logged.
pub(crate) fn push_log_block(
    out: &mut String,
    rng: &mut Rng64,
    comp: &Component,
    fail: &Failure,
    ts: i64,
) {
    match rng.gen_range(0..3) {
        0 => {
            let lines = rng.gen_range(1..=3);
            let mut at = ts;
            for k in 0..lines {
                if k > 0 {
                    out.push('\n');
                    at += rng.gen_range(1..30);
                }
                out.push_str(fail.level);
                out.push(' ');
                push_rfc3339(out, at);
                out.push_str(" req=");
                push_hex(out, rng.next_u64(), 12);
                out.push_str(" svc=");
                out.push_str(comp.service);
                out.push_str(" status=");
                out.push_str(fail.status);
                out.push_str(" msg=\"");
                out.push_str(fail.log_msg);
                out.push('"');
            }
        }
        1 => {
            let short = comp.class.rsplit('.').next().unwrap_or(comp.class);
            out.push_str(fail.exception);
            out.push_str("\n\tat com.acme.");
            out.push_str(comp.class);
            out.push('.');
            out.push_str(comp.method);
            out.push('(');
            out.push_str(short);
            out.push_str(".java:");
            push_num(out, rng.gen_range(40..=900));
            out.push(')');
            let frames = rng.gen_range(1..=3);
            let first = rng.gen_range(0..GENERIC_FRAMES.len() - frames + 1);
            for frame in &GENERIC_FRAMES[first..first + frames] {
                out.push('\n');
                out.push_str(frame);
            }
        }
        _ => {
            out.push_str("{\"level\":\"");
            out.push_str(if fail.level == "ERROR" {
                "error"
            } else {
                "warn"
            });
            out.push_str("\",\"ts\":\"");
            push_rfc3339(out, ts);
            out.push_str("\",\"svc\":\"");
            out.push_str(comp.service);
            out.push_str("\",\"status\":");
            out.push_str(fail.status);
            out.push_str(",\"msg\":\"");
            out.push_str(fail.log_msg);
            out.push_str("\",\"trace_id\":\"");
            push_hex(out, rng.next_u64(), 16);
            out.push_str("\"}");
        }
    }
}
