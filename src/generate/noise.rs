//! Noise shared by every family: politeness filler, volatile tokens (order numbers, e-mail
//! addresses, URLs, UUIDs, versions, timestamps), typos and log / stack-trace lines.
//!
//! Clustering has to learn to ignore all of this, so nothing here may carry a family's key
//! words: the lists are the same for every family and the tokens are random per ticket. The
//! pools are large and a ticket takes only a sentence or two from them. Log lines are the
//! exception: like real logs they name the failing component's service, class and method.
//! Everything pushes into a caller-owned `String` so a ticket costs a handful of allocations.

use rand::{Rng, RngCore};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::families::{Component, Failure, Variant};

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
    "Good afternoon,",
    "Hi folks,",
    "Hey there,",
    "Hello team,",
    "Dear Sir or Madam,",
    "Hi {first},",
    "Morning,",
    "Hi guys,",
    "Greetings,",
    "Hello support,",
    "Hey team,",
    "Hi, hope you're well.",
    "Hello, hope all is good.",
    "Dear team,",
    "Hiya,",
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
    "Best, {first}",
    "Kind regards, {first}",
    "Many thanks.",
    "Appreciate the help.",
    "Talk soon.",
    "Thx",
    "Best regards.",
    "Thanks a lot, {first}",
    "Looking forward to hearing from you.",
    "Ty!",
    "Warm regards, {first}",
    "Speak soon, {first}",
    "Cheers.",
    "Thanks for looking into it.",
    "Hope to hear back soon.",
];

/// Customer sentences that say nothing about the problem itself. A large pool, and at most
/// two per ticket, so no filler word is shared by many tickets.
pub(crate) static SUPPORT_FILLER: &[&str] = &[
    "This is urgent.",
    "This is blocking our whole team.",
    "We already cleared the cache and tried again.",
    "Nothing is different on our side as far as I know.",
    "This worked fine last week.",
    "Our manager is asking about this.",
    "We have a deadline on Friday.",
    "See screenshot.",
    "See attached screenshot.",
    "Restarting didn't help.",
    "Please advise.",
    "I've attached a screen recording.",
    "Can someone look at this today?",
    "We are a paying customer and this hurts.",
    "I tried another browser, no luck.",
    "Cleared cookies too.",
    "My colleague sees the same.",
    "We rely on this every day.",
    "Our CEO noticed it first.",
    "Happy to jump on a call.",
    "I can share my screen if useful.",
    "Not sure if this is on our end.",
    "Apologies if this was reported already.",
    "Second ticket about this, by the way.",
    "Could you escalate this?",
    "This is costing us hours.",
    "Our customers are noticing.",
    "We had to pause our rollout.",
    "I read your docs first but found nothing.",
    "Is there a workaround?",
    "Any workaround would help for now.",
    "We can't wait much longer.",
    "No rush, just flagging it.",
    "Low priority for us, but annoying.",
    "Happened on two different laptops.",
    "Incognito mode makes no difference.",
    "Our IT folks checked the firewall.",
    "We haven't touched anything.",
    "Thanks for the quick reply last time.",
    "Board meeting is tomorrow, so this matters.",
    "We're evaluating alternatives if this continues.",
    "Our auditors are waiting on this.",
    "It's month-end for us.",
    "We onboarded a new client this week.",
    "I'm not very technical, sorry.",
    "Sorry for the long message.",
    "Keeping this short.",
    "Hope this makes sense.",
    "We use Chrome on Windows 11.",
    "We use Macs mostly.",
    "Three of us tried it.",
    "It started out of nowhere.",
    "Seems intermittent, but frequent.",
    "A reboot changed nothing.",
    "My boss wants an ETA.",
    "Please call me back.",
    "Phone works best for me.",
    "I'm out tomorrow, so please reply to my colleague.",
    "Our contract renewal is coming up.",
    "Same thing happened a few months ago.",
    "Was this fixed before?",
    "Is there a known incident?",
    "Your status site says all green.",
    "Customer success suggested I write in.",
    "We'd love a fix this week.",
    "Appreciate any pointers.",
    "We followed the help article step by step.",
    "Our setup hasn't moved in months.",
    "Tried on Wi-Fi and on 4G.",
    "Logs are available on request.",
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
    "RCA pending.",
    "Bridge call open.",
    "Looping in the owning squad.",
    "Not reproducible in preprod yet.",
    "Canary looks healthy.",
    "SLO burn alert also fired.",
    "Customer comms drafted.",
    "Waiting on vendor reply.",
    "Need a second pair of eyes.",
    "Incident commander: {first}.",
    "Comms lead: {first}.",
    "Runbook followed.",
    "Runbook was out of date.",
    "Similar to an older incident.",
    "Tagging for the weekly review.",
    "No data loss expected.",
    "Backlog should drain on its own.",
    "Error budget hit.",
    "Escalated to the platform team.",
    "War room in the usual channel.",
    "Next update at the top of the hour.",
    "Probably related to the traffic spike.",
    "Suspect a noisy neighbour.",
    "Metrics look flat otherwise.",
    "Heap usage normal.",
    "CPU normal, memory normal.",
    "Database looks fine.",
    "Queue depth normal elsewhere.",
    "One region only, it seems.",
    "All regions affected.",
    "Owner: {first}.",
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
    "since last night",
    "since Tuesday",
    "this afternoon",
    "since the release on Thursday",
    "for the past few days",
    "on and off all week",
    "since around lunch",
    "intermittently since Friday",
    "over the last couple of hours",
    "since early today",
    "again this morning",
    "repeatedly today",
    "since Wednesday",
    "since the holidays",
];

/// Mitigations an operator writes down (past tense); shared by all families.
pub(crate) static ACTIONS: &[&str] = &[
    "rolled back to {ver}",
    "restarted the pods",
    "failed over to the replica",
    "scaled out the workers",
    "flushed the cache",
    "opened a case with the vendor",
    "disabled the feature flag",
    "deployed hotfix {ver}",
    "drained the bad node",
    "raised the connection pool limit",
    "reverted the config",
    "bounced the service",
    "cordoned {host}",
    "killed the stuck worker",
    "bumped memory limits",
    "recycled the app servers",
    "paused the batch cron",
    "shifted traffic to the other region",
    "purged the CDN",
    "rotated the credentials",
    "added a circuit breaker",
    "increased the replica count",
    "cleared the dead-letter queue",
    "patched the ingress config",
    "reindexed the table",
    "vacuumed the database",
    "restarted {host}",
    "throttled the batch importer",
    "toggled maintenance mode",
    "pinned the previous image",
    "blocked the abusive client",
    "reran the migration",
    "warmed the cache",
    "rebuilt the container",
    "redeployed {ver}",
    "took a heap dump",
    "enabled debug tracing",
    "tuned the GC settings",
    "extended the lease timeout",
    "split the hot partition",
];

/// Caller frames below the component's own frame in a Java stack trace, as
/// `(class suffix, method)`: the class is the component's package plus its own short name
/// plus the suffix, so every frame names the component (as a real trace of it would).
static CALLER_FRAMES: &[(&str, &str)] = &[
    ("Impl", "invoke"),
    ("Controller", "handle"),
    ("Facade", "execute"),
    ("Endpoint", "dispatch"),
    ("Module", "run"),
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

/// One or two log lines or a short stack trace for an ops note, in one of three common
/// shapes (logfmt line, Java stack trace, JSON log). Like real logs of the failing
/// component, they name its service, class and method, the failure's message and status,
/// and the context's field (`platform=android`) when the family has one. `ts` is when the
/// failure was logged.
pub(crate) fn push_log_block(
    out: &mut String,
    rng: &mut Rng64,
    comp: &Component,
    fail: &Failure,
    variant: Option<&Variant>,
    ts: i64,
) {
    let short = comp.class.rsplit('.').next().unwrap_or(comp.class);
    match rng.gen_range(0..3) {
        0 => {
            let lines = rng.gen_range(1..=2);
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
                if let Some(v) = variant {
                    out.push(' ');
                    out.push_str(v.log);
                }
                out.push_str(" msg=\"");
                out.push_str(short);
                out.push('.');
                out.push_str(comp.method);
                out.push_str(": ");
                out.push_str(fail.log_msg);
                out.push('"');
            }
        }
        1 => {
            out.push_str("Exception in thread \"");
            out.push_str(comp.service);
            out.push_str("-exec\" ");
            out.push_str(fail.exception);
            if let Some(v) = variant {
                out.push_str(" [");
                out.push_str(v.log);
                out.push(']');
            }
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
            let first = rng.gen_range(0..CALLER_FRAMES.len() - frames + 1);
            let package = comp.class.rsplit_once('.').map_or("", |(p, _)| p);
            for (suffix, method) in &CALLER_FRAMES[first..first + frames] {
                out.push_str("\n\tat com.acme.");
                if !package.is_empty() {
                    out.push_str(package);
                    out.push('.');
                }
                out.push_str(short);
                out.push_str(suffix);
                out.push('.');
                out.push_str(method);
                out.push('(');
                out.push_str(short);
                out.push_str(suffix);
                out.push_str(".java:");
                push_num(out, rng.gen_range(20..=400));
                out.push(')');
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
            out.push_str("\",\"logger\":\"com.acme.");
            out.push_str(comp.class);
            out.push_str("\",\"status\":");
            out.push_str(fail.status);
            if let Some(v) = variant {
                let (key, value) = v.log.split_once('=').unwrap_or(("context", v.log));
                out.push_str(",\"");
                out.push_str(key);
                out.push_str("\":\"");
                out.push_str(value);
                out.push('"');
            }
            out.push_str(",\"msg\":\"");
            out.push_str(fail.log_msg);
            out.push_str("\",\"trace_id\":\"");
            push_hex(out, rng.next_u64(), 16);
            out.push_str("\"}");
        }
    }
}
