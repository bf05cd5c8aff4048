//! Help-desk noise around a customer's ticket, as exports carry it: the
//! ticket as HTML, an agent macro pasted in, the reply chain it answers
//! (quoting an older, unrelated request), an e-mail signature and a legal
//! footer. `refrain gen --helpdesk-noise SHARE` wraps that share of the
//! customer tickets, so that cleaning ([`crate::clean`]) can be measured:
//! the same dump's grouping quality with and without it.

use rand::Rng;

use super::noise::{Company, FIRST_NAMES, LAST_NAMES, Rng64, pick};

/// Agent macros: the same sentences in thousands of tickets.
static MACROS: &[&str] = &[
    "Thank you for contacting our support team, we have received your request and will get back to you within one business day.",
    "We are sorry for the inconvenience caused and appreciate your patience while our engineers look into this matter.",
    "Please make sure you are using the latest version of the app and that your browser cache has been cleared before trying again.",
    "Your satisfaction is important to us, please rate your support experience using the link at the bottom of this message.",
    "If you have any further questions or concerns please do not hesitate to reply to this message and we will be happy to help.",
    "For faster help next time you can visit our help centre where you will find answers to the most common questions.",
];

/// Legal footers, each in many tickets.
static FOOTERS: &[&str] = &[
    "CONFIDENTIALITY NOTICE: This e-mail and any attachments are confidential and intended solely for the use of the addressee.",
    "This message may contain privileged information; if you are not the intended recipient please delete it and notify the sender.",
];

/// `body` as a help desk would export it; `older` is the text of an
/// earlier, unrelated request the reply chain quotes.
pub(super) fn wrap(rng: &mut Rng64, body: &str, older: &str, company: &Company) -> String {
    let mut out = String::with_capacity(body.len() * 3);
    if rng.gen_bool(0.3) {
        out.push_str(pick(rng, MACROS));
        out.push_str("\n\n");
    }
    out.push_str(body);
    let first = pick(rng, FIRST_NAMES);
    let last = pick(rng, LAST_NAMES);
    if rng.gen_bool(0.7) {
        out.push_str(&format!(
            "\n\nThanks,\n--\n{first} {last}\n{} | +1 555 {:04}",
            company.name,
            rng.gen_range(0..10_000)
        ));
    }
    if rng.gen_bool(0.4) {
        out.push_str("\n\n");
        out.push_str(pick(rng, FOOTERS));
    }
    if rng.gen_bool(0.8) {
        out.push_str(&format!(
            "\n\nOn Mon, {} Mar 2026 at 10:{:02}, {} Support <support@{}> wrote:\n",
            rng.gen_range(1..29),
            rng.gen_range(0..60),
            company.name,
            company.domain
        ));
        for line in pick(rng, MACROS).lines().chain(older.lines()) {
            out.push_str("> ");
            out.push_str(line);
            out.push('\n');
        }
    }
    if rng.gen_bool(0.5) {
        let paragraphs: Vec<String> = out
            .split("\n\n")
            .map(|p| {
                format!(
                    "<p>{}</p>",
                    p.replace('\n', "<br>\n").replace("  ", "&nbsp; ")
                )
            })
            .collect();
        out = format!("<div dir=\"ltr\">{}</div>", paragraphs.join("\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;
    use crate::clean::clean;

    #[test]
    fn cleaning_takes_the_noise_back_off() {
        let company = &super::super::noise::COMPANIES[0];
        for seed in 0..50 {
            let mut rng = Rng64::seed_from_u64(seed);
            let wrapped = wrap(
                &mut rng,
                "Checkout times out at payment",
                "Invoice PDF blank",
                company,
            );
            let cleaned = clean(&wrapped);
            assert!(
                cleaned.contains("Checkout times out at payment"),
                "{wrapped}\n=> {cleaned}"
            );
            assert!(!cleaned.contains("Invoice"), "{wrapped}\n=> {cleaned}");
            assert!(!cleaned.contains('<'), "{cleaned}");
        }
    }
}
