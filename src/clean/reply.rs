//! Where the new message of an e-mail-like text ends: at the first quoted
//! reply header, quoted line block or signature delimiter.

/// The byte offset where the text's own message ends, when a reply chain
/// or a signature follows it; `None` when neither does. Never cuts at the
/// start: a text with nothing but quotes before the marker keeps them (it
/// is all there is).
pub fn cut(text: &str) -> Option<usize> {
    let mut offset = 0;
    let mut own_text = false;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_end_matches(['\r', '\n']);
        if own_text && starts_noise(trimmed) {
            return Some(offset);
        }
        let t = trimmed.trim();
        own_text |= !t.is_empty() && !t.starts_with('>');
        offset += line.len();
    }
    None
}

/// Whether this line opens a quoted reply or a signature. Allocation-free:
/// it runs on every line of every ticket.
fn starts_noise(line: &str) -> bool {
    let t = line.trim();
    let Some(first) = t.bytes().next() else {
        return false;
    };
    let starts = |prefix: &str| {
        t.len() >= prefix.len()
            && t.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
    };
    match first {
        // The signature delimiter is "-- " by RFC 3676; clients also write "--".
        b'-' => {
            t == "--"
                || line == "-- "
                || starts("-----original message-----")
                || starts("----- original message -----")
        }
        b'_' => t == "__",
        b'>' => true,
        b's' | b'S' => starts("sent from my "),
        b'g' | b'G' => starts("get outlook for "),
        // "On Mon, 4 Mar 2024 at 10:11, Jane <j@x.io> wrote:" (Gmail, Apple Mail).
        b'o' | b'O' => {
            starts("on ")
                && t.len() >= 6
                && t.as_bytes()[t.len() - 6..].eq_ignore_ascii_case(b"wrote:")
        }
        // Outlook's "From: … " header block of the quoted message.
        b'f' | b'F' => starts("from: ") && t.contains('@'),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_marker_ends_the_message() {
        for (text, kept) in [
            ("broken\n> quoted", "broken\n"),
            ("broken\nOn Tue, 5 Mar 2024, Bob wrote:\nold", "broken\n"),
            (
                "broken\n-----Original Message-----\nFrom: a@b.c",
                "broken\n",
            ),
            ("broken\nFrom: Bob <bob@x.io>\nSent: today", "broken\n"),
            ("broken\n-- \nBob", "broken\n"),
            ("broken\nSent from my iPhone", "broken\n"),
        ] {
            assert_eq!(cut(text).map(|c| &text[..c]), Some(kept), "{text}");
        }
    }

    #[test]
    fn nothing_is_cut_without_a_marker_or_before_any_text() {
        assert_eq!(cut("the export -- as csv -- fails"), None);
        assert_eq!(cut("> only a quote\n> more"), None);
        assert_eq!(cut("from: the settings page, it fails"), None);
    }
}
