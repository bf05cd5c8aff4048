//! Help-desk noise removed before analysis: HTML, quoted reply chains,
//! e-mail signatures, and boilerplate lines that a large share of tickets
//! carry (agent macros, legal footers).
//!
//! The stored ticket keeps its text as it came; only what clustering and
//! suggest analyse is cleaned ([`crate::vectors`] calls [`clean`] on every
//! title and body, and strips the corpus's [`Boilerplate`]). Exports from
//! Zendesk, Intercom or an e-mail channel carry whole reply chains and the
//! same macro in thousands of tickets: left in, the chain's older messages
//! and the macro's words pull unrelated tickets together.
//!
//! The rules are deliberately conservative: each removes text only after a
//! marker that rarely starts a symptom's own description (a `>` quote, an
//! "On … wrote:" header, a `-- ` signature delimiter, an Outlook
//! "-----Original Message-----"), so a ticket without noise comes out as it
//! went in, byte for byte.

mod boilerplate;
mod reply;

use std::borrow::Cow;

pub use boilerplate::Boilerplate;

/// `text` without HTML markup, quoted replies and signatures. Borrowed when
/// there was nothing to remove.
pub fn clean(text: &str) -> Cow<'_, str> {
    let text: Cow<'_, str> = if looks_like_html(text) {
        // Entities such as `&nbsp;` come out as their characters; a no-break
        // space is a space to every reader of this text.
        Cow::Owned(nanohtml2text::html2text(text).replace('\u{a0}', " "))
    } else {
        Cow::Borrowed(text)
    };
    match reply::cut(&text) {
        Some(end) => Cow::Owned(text[..end].trim_end().to_string()),
        None => text,
    }
}

/// Whether `text` carries HTML markup worth converting: a known block or
/// inline tag, or an entity. Plain text that merely mentions `a < b` is
/// left alone.
fn looks_like_html(text: &str) -> bool {
    if !text.contains('<') && !text.contains('&') {
        return false;
    }
    const MARKERS: [&str; 14] = [
        "<p>",
        "<p ",
        "<br",
        "<div",
        "</p>",
        "</div>",
        "<span",
        "<a href",
        "<li",
        "<ul",
        "<table",
        "&nbsp;",
        "&amp;",
        "<blockquote",
    ];
    let lower = text.to_ascii_lowercase();
    MARKERS.iter().any(|m| lower.contains(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_comes_out_unchanged_and_borrowed() {
        for text in [
            "Checkout times out after 30 s",
            "a < b and c > d in the report",
            "Login loop\nsince the update\n\nsteps: open, sign in",
        ] {
            assert!(
                matches!(clean(text), Cow::Borrowed(t) if t == text),
                "{text}"
            );
        }
    }

    #[test]
    fn html_becomes_text() {
        let out =
            clean("<p>The invoice&nbsp;PDF is <b>blank</b>.</p><p>Since Monday &amp; today.</p>");
        assert!(out.contains("The invoice PDF is blank."), "{out}");
        assert!(out.contains("Since Monday & today."), "{out}");
        assert!(!out.contains('<'), "{out}");
    }

    #[test]
    fn replies_and_signatures_are_cut() {
        let text = "Webhooks fail with 500 since 9am.\n\nThanks,\n--\nJane Doe\nAcme | +1 555 0100\n\nOn Mon, 4 Mar 2024 at 10:11, Support <help@x.io> wrote:\n> Could you send the logs?";
        assert_eq!(clean(text), "Webhooks fail with 500 since 9am.\n\nThanks,");
    }
}
