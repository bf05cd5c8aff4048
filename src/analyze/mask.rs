//! Recognises volatile tokens — numbers, ids, UUIDs, e-mail addresses, URLs,
//! IPs, versions, dates — so that "order 1234 failed" and "order 9876 failed"
//! read alike.
//!
//! Classification works on whole whitespace-separated tokens: a token such as
//! `job_20261101_0042` or `10.0.3.7:8443` is masked as one unit rather than
//! split into pieces first (prototypes grouped machine text better that way,
//! see EVIDENCE.md).

/// The placeholder a volatile token is replaced with. Placeholders start and
/// end with `_`, which no analysed word does, so they never collide with text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mask {
    Url,
    Email,
    Uuid,
    Ip,
    Version,
    Date,
    Time,
    Number,
    Hex,
    /// Any other token that holds a digit: order refs, job names, hashes.
    Id,
}

impl Mask {
    /// The token emitted in place of the volatile text.
    pub fn placeholder(self) -> &'static str {
        match self {
            Mask::Url => "_url_",
            Mask::Email => "_email_",
            Mask::Uuid => "_uuid_",
            Mask::Ip => "_ip_",
            Mask::Version => "_version_",
            Mask::Date => "_date_",
            Mask::Time => "_time_",
            Mask::Number => "_num_",
            Mask::Hex => "_hex_",
            Mask::Id => "_id_",
        }
    }
}

/// Whether `token` is a placeholder produced by [`classify`].
pub fn is_placeholder(token: &str) -> bool {
    token.len() > 2 && token.starts_with('_') && token.ends_with('_')
}

/// Classifies one whitespace token (already trimmed of surrounding
/// punctuation). `None` means it is ordinary text.
pub fn classify(token: &str) -> Option<Mask> {
    if token.is_empty() {
        return None;
    }
    if looks_like_url(token) {
        return Some(Mask::Url);
    }
    if looks_like_email(token) {
        return Some(Mask::Email);
    }
    if !token.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(if is_uuid(token) {
        Mask::Uuid
    } else if is_ip(token) {
        Mask::Ip
    } else if is_date(token) {
        Mask::Date
    } else if is_time(token) {
        Mask::Time
    } else if is_version(token) {
        Mask::Version
    } else if is_number(token) {
        Mask::Number
    } else if is_hex(token) {
        Mask::Hex
    } else {
        Mask::Id
    })
}

fn looks_like_url(t: &str) -> bool {
    let lower =
        |p: &str| t.len() > p.len() && t.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p));
    lower("http://") || lower("https://") || lower("www.") || lower("ftp://")
}

fn looks_like_email(t: &str) -> bool {
    match t.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
        }
        None => false,
    }
}

fn is_uuid(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// IPv4 with an optional `:port`, or IPv6 in its colon form.
fn is_ip(t: &str) -> bool {
    let host = match t.rsplit_once(':') {
        Some((h, port)) if h.contains('.') && port.bytes().all(|c| c.is_ascii_digit()) => h,
        _ => t,
    };
    let parts: Vec<&str> = host.split('.').collect();
    if parts.len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|c| c.is_ascii_digit()))
    {
        return true;
    }
    t.matches(':').count() >= 2 && t.bytes().all(|c| c.is_ascii_hexdigit() || c == b':')
}

/// `2026-11-23`, `2026/11/23`, `23.11.2026`, and ISO date-times.
fn is_date(t: &str) -> bool {
    let b = t.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() >= 10
        && digits(0..4)
        && (b[4] == b'-' || b[4] == b'/')
        && digits(5..7)
        && b[7] == b[4]
        && digits(8..10)
    {
        return true;
    }
    b.len() == 10
        && digits(0..2)
        && matches!(b[2], b'.' | b'/' | b'-')
        && digits(3..5)
        && b[5] == b[2]
        && digits(6..10)
}

/// `09:10`, `09:10:11`, optionally with a zone letter or am/pm suffix.
fn is_time(t: &str) -> bool {
    let core = t.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let parts: Vec<&str> = core.split(':').collect();
    (2..=3).contains(&parts.len())
        && parts
            .iter()
            .all(|p| (1..=2).contains(&p.len()) && p.bytes().all(|c| c.is_ascii_digit()))
}

/// `v2.14.1`, `2.14.1`, `1.2.3-rc1`.
fn is_version(t: &str) -> bool {
    let core = t.strip_prefix(['v', 'V']).unwrap_or(t);
    let head = core.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = head.split('.').collect();
    parts.len() >= 2
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()))
        && (parts.len() >= 3 || t.starts_with(['v', 'V']))
}

/// Plain numbers, with separators, signs, units of currency or percent.
fn is_number(t: &str) -> bool {
    let core = t
        .trim_start_matches(['#', '+', '-', '$', '€', '£', '~'])
        .trim_end_matches(['%', '€', '$', '£']);
    !core.is_empty()
        && core.bytes().any(|c| c.is_ascii_digit())
        && core
            .bytes()
            .all(|c| c.is_ascii_digit() || c == b'.' || c == b',')
}

fn is_hex(t: &str) -> bool {
    let core = t.strip_prefix("0x").unwrap_or(t);
    core.len() >= 6 && core.bytes().all(|c| c.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volatile_tokens_get_their_placeholder() {
        let cases = [
            ("https://app.example.com/login?x=1", Mask::Url),
            ("www.example.com", Mask::Url),
            ("ana@example.com", Mask::Email),
            ("123e4567-e89b-12d3-a456-426614174000", Mask::Uuid),
            ("10.0.3.7", Mask::Ip),
            ("10.0.3.7:8443", Mask::Ip),
            ("fe80::1ff:fe23:4567:890a", Mask::Ip),
            ("2026-11-23", Mask::Date),
            ("2026-11-23T10:11:12Z", Mask::Date),
            ("23.11.2026", Mask::Date),
            ("09:10", Mask::Time),
            ("09:10:11Z", Mask::Time),
            ("v2.14.1", Mask::Version),
            ("2.14.1", Mask::Version),
            ("v3", Mask::Id),
            ("1234", Mask::Number),
            ("#1234", Mask::Number),
            ("1,234.50", Mask::Number),
            ("35%", Mask::Number),
            ("deadbeef42", Mask::Hex),
            ("0x7ffe1234", Mask::Hex),
            ("job_20261101_0042", Mask::Id),
            ("ord-48213", Mask::Id),
        ];
        for (token, want) in cases {
            assert_eq!(classify(token), Some(want), "{token}");
        }
    }

    #[test]
    fn ordinary_words_are_not_masked() {
        for token in [
            "login", "sign", "deadbeef", "café", "e-mail", "@here", "can't",
        ] {
            assert_eq!(classify(token), None, "{token}");
        }
    }
}
