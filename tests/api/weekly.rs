//! The weekly loop through the API: two consecutive reviews with fixed
//! timestamps, the digest they feed (checked against hand-computed values
//! and a Markdown snapshot), and every export parsed back.

use serde_json::{Value, json};

use refrain::Config;
use refrain::roadmap::Scoring;

use crate::clusters::recluster;
use crate::helpers::{TestApp, spawn_app_with};

/// Points equal repeats in the last 90 days; promote at 6, bundle at 3.
pub const SCORING: &str = r#"
[[factor]]
name = "repeats"
input = "repeats_90d"
points = [[1, 1], [2, 2], [3, 3], [4, 4], [5, 5], [6, 6], [7, 7], [8, 8], [9, 9], [10, 10]]

[bands]
promote = 6
bundle = 3
"#;

/// One symptom per family, in words no other family uses.
pub const FAMILIES: &[(&str, &str, &str)] = &[
    (
        "qa",
        "Quokka widget flickers purple",
        "the quokka widget flickers purple and freezes the ledger",
    ),
    (
        "nb",
        "Narwhal invoice PDF is blank",
        "every narwhal invoice pdf downloads blank with zero pages",
    ),
    (
        "pc",
        "Pangolin reset e-mail never arrives",
        "the pangolin password reset email never arrives in the inbox",
    ),
    (
        "wd",
        "Wombat calendar sync duplicates events",
        "wombat calendar sync duplicates every recurring event twice",
    ),
    (
        "ae",
        "Axolotl SSO login loops",
        "axolotl sso login loops back to the sign in page forever",
    ),
];

const VARIANTS: &[&str] = &[
    "again",
    "today",
    "for finance",
    "on monday",
    "every time",
    "since the update",
    "in chrome",
];

/// `(family, created_at, source)` of every ticket.
pub const TIMELINE: &[(&str, &str, &str)] = &[
    ("qa", "2026-11-10T10:00:00Z", "support"),
    ("qa", "2026-11-12T10:00:00Z", "support"),
    ("qa", "2026-11-14T10:00:00Z", "support"),
    ("qa", "2026-11-18T10:00:00Z", "support"),
    ("qa", "2026-11-23T10:00:00Z", "support"), // W48 from here
    ("qa", "2026-11-24T10:00:00Z", "support"),
    ("qa", "2026-11-25T10:00:00Z", "support"),
    ("nb", "2026-11-05T10:00:00Z", "support"),
    ("nb", "2026-11-11T10:00:00Z", "support"),
    ("nb", "2026-11-17T10:00:00Z", "support"),
    ("pc", "2026-11-03T10:00:00Z", "support"),
    ("pc", "2026-11-15T10:00:00Z", "support"),
    ("wd", "2026-10-06T10:00:00Z", "ops"), // before the fix on 11-01
    ("wd", "2026-10-10T10:00:00Z", "ops"),
    ("wd", "2026-10-14T10:00:00Z", "ops"),
    ("wd", "2026-10-18T10:00:00Z", "ops"),
    ("wd", "2026-10-22T10:00:00Z", "ops"),
    ("wd", "2026-10-26T10:00:00Z", "ops"),
    ("wd", "2026-11-25T10:00:00Z", "ops"), // after the fix: a regression
    ("ae", "2026-11-24T10:00:00Z", "support"),
    ("ae", "2026-11-25T10:00:00Z", "support"),
    ("ae", "2026-11-26T10:00:00Z", "support"),
    ("ae", "2026-11-26T15:00:00Z", "ops"),
];

/// Tickets in the store after [`load_timeline`]: the families and the
/// demo tickets.
pub fn stored() -> usize {
    TIMELINE.len()
        + include_str!("../../fixtures/tickets.ndjson")
            .lines()
            .filter(|l| !l.trim().is_empty())
            .count()
}

pub fn family_ids(family: &str) -> Vec<String> {
    TIMELINE
        .iter()
        .filter(|(f, _, _)| *f == family)
        .enumerate()
        .map(|(i, _)| format!("{family}-{i}"))
        .collect()
}

pub fn weekly_app() -> TestApp {
    app_scoring_with(SCORING)
}

/// A server whose scoring file is `scoring`.
pub fn app_scoring_with(scoring: &str) -> TestApp {
    spawn_app_with(Config {
        scoring: Scoring::parse("test scoring", scoring).expect("valid scoring"),
        ..Config::default()
    })
}

pub fn load_timeline(app: &TestApp) {
    let mut seen: std::collections::HashMap<&str, usize> = Default::default();
    let batch: Vec<Value> = TIMELINE
        .iter()
        .map(|(family, at, source)| {
            let i = seen.entry(family).or_default();
            let (_, title, body) = FAMILIES.iter().find(|f| f.0 == *family).expect("family");
            let ticket = json!({"id": format!("{family}-{i}"), "source": source, "created_at": at,
                   "title": title, "body": format!("{body} {}", VARIANTS[*i % VARIANTS.len()]),
                   "manual_minutes": 5});
            *i += 1;
            ticket
        })
        .collect();
    assert_eq!(app.post_tickets(&json!(batch)).status, 200);
    // Among the demo tickets (none of them in weeks 47 to 49), so the
    // re-cluster has the candidates a real store would.
    let demo = app.request(
        "POST",
        "/v1/tickets",
        Some("application/x-ndjson"),
        Some(
            include_str!("../../fixtures/tickets.ndjson")
                .as_bytes()
                .to_vec(),
        ),
        None,
    );
    assert_eq!(demo.status, 200, "{}", demo.text);
}

pub fn send(app: &TestApp, method: &str, path: &str, body: &Value) -> crate::helpers::Answer {
    app.request(
        method,
        path,
        Some("application/json"),
        Some(body.to_string().into_bytes()),
        None,
    )
}

/// Confirms the cluster holding the family's first ticket (else the
/// largest open one) as a group named after the family; returns the group
/// id. [`make_exact`] then gives it exactly the family's tickets.
pub fn confirm_family(app: &TestApp, family: &str) -> String {
    let first = format!("{family}-0");
    let clusters = app.get("/v1/clusters?limit=1000");
    let open = clusters.body["clusters"].as_array().expect("clusters");
    let cluster = open
        .iter()
        .find(|c| {
            let id = c["id"].as_str().expect("id");
            app.get(&format!("/v1/clusters/{id}?limit=1000")).body["members"]
                .as_array()
                .expect("members")
                .iter()
                .any(|m| m["id"] == first.as_str())
        })
        .or_else(|| open.first())
        .unwrap_or_else(|| panic!("an open cluster is left: {}", clusters.text))
        .clone();
    let (_, name, _) = FAMILIES.iter().find(|f| f.0 == family).expect("family");
    let confirmed = send(
        app,
        "POST",
        &format!(
            "/v1/clusters/{}/confirm",
            cluster["id"].as_str().expect("id")
        ),
        &json!({"name": name, "tag": "weak-ux"}),
    );
    assert_eq!(confirmed.status, 200, "{}", confirmed.text);
    confirmed.body["group"]["id"]
        .as_str()
        .expect("gid")
        .to_string()
}

/// Makes group `gid` hold exactly the family's tickets.
pub fn make_exact(app: &TestApp, gid: &str, family: &str) {
    let want = family_ids(family);
    let attached = send(
        app,
        "POST",
        &format!("/v1/groups/{gid}/tickets"),
        &json!({"ids": want}),
    );
    assert_eq!(attached.status, 200, "{}", attached.text);
    let group = app.get(&format!("/v1/groups/{gid}?limit=1000"));
    for m in group.body["members"].as_array().expect("members") {
        let id = m["id"].as_str().expect("id");
        if !want.iter().any(|w| w == id) {
            let gone = app.request(
                "DELETE",
                &format!("/v1/groups/{gid}/tickets/{id}"),
                None,
                None,
                None,
            );
            assert_eq!(gone.status, 200, "{}", gone.text);
        }
    }
    assert_eq!(
        app.get(&format!("/v1/groups/{gid}")).body["counts"]["total"],
        want.len(),
        "{gid} holds the {family} tickets only"
    );
}

/// The groups of the loop: four before the first review (the wombat one
/// fixed on 11-01), the axolotl one confirmed after it.
pub struct Loop {
    pub quokka: String,
    pub narwhal: String,
    pub pangolin: String,
    pub wombat: String,
}

pub fn before_first_review(app: &TestApp) -> Loop {
    load_timeline(app);
    recluster(app, None);
    let l = Loop {
        quokka: confirm_family(app, "qa"),
        narwhal: confirm_family(app, "nb"),
        pangolin: confirm_family(app, "pc"),
        wombat: confirm_family(app, "wd"),
    };
    for (gid, family) in [
        (&l.quokka, "qa"),
        (&l.narwhal, "nb"),
        (&l.pangolin, "pc"),
        (&l.wombat, "wd"),
    ] {
        make_exact(app, gid, family);
    }
    let fixed = send(
        app,
        "PATCH",
        &format!("/v1/groups/{}", l.wombat),
        &json!({"fixed_at": "2026-11-01T00:00:00Z", "status": "fixed", "owner": "wen"}),
    );
    assert_eq!(fixed.status, 200, "{}", fixed.text);
    let due = send(
        app,
        "PATCH",
        &format!("/v1/groups/{}", l.narwhal),
        &json!({"owner": "bo", "review_by": "2026-11-26"}),
    );
    assert_eq!(due.status, 200, "{}", due.text);
    l
}

fn reasons(review: &Value, gid: &str) -> Vec<String> {
    review["agenda"]
        .as_array()
        .expect("agenda")
        .iter()
        .find(|i| i["group"] == gid)
        .map(|i| {
            i["reasons"]
                .as_array()
                .expect("reasons")
                .iter()
                .map(|r| r.as_str().expect("reason").to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn item<'a>(review: &'a Value, gid: &str) -> &'a Value {
    review["agenda"]
        .as_array()
        .expect("agenda")
        .iter()
        .find(|i| i["group"] == gid)
        .unwrap_or_else(|| panic!("{gid} on the agenda: {review}"))
}

fn call(app: &TestApp, review: &str, gid: &str, decision: &str) {
    let taken = send(
        app,
        "POST",
        &format!("/v1/reviews/{review}/decisions"),
        &json!({"group": gid, "decision": decision}),
    );
    assert_eq!(taken.status, 201, "{}", taken.text);
    assert_eq!(taken.body["decision"]["decision"], decision);
}

#[test]
fn two_weekly_reviews_feed_the_digest_with_deltas_stale_items_and_a_regression() {
    let app = weekly_app();
    let l = before_first_review(&app);

    // Week 47: everything is new; the fix of 11-01 is due for a verdict.
    let r1 = send(
        &app,
        "POST",
        "/v1/reviews",
        &json!({"at": "2026-11-20T09:00:00Z"}),
    );
    assert_eq!(r1.status, 201, "{}", r1.text);
    assert_eq!(r1.body["week"], "2026-W47");
    let r1_id = r1.body["id"].as_str().expect("id").to_string();
    assert_eq!(reasons(&r1.body, &l.quokka), ["new"]);
    assert_eq!(
        item(&r1.body, &l.quokka)["score"],
        4.0,
        "4 repeats by 11-20"
    );
    assert_eq!(item(&r1.body, &l.quokka)["band"], "bundle");
    assert_eq!(reasons(&r1.body, &l.wombat), ["verification_due"]);
    assert_eq!(r1.body["agenda"].as_array().expect("agenda").len(), 4);
    call(&app, &r1_id, &l.quokka, "watch");
    call(&app, &r1_id, &l.pangolin, "hygiene");
    call(&app, &r1_id, &l.wombat, "watch");
    // The narwhal group gets no call.
    send(
        &app,
        "POST",
        "/v1/reviews",
        &json!({"at": "2026-11-21T09:00:00Z"}),
    )
    .assert_problem(409, "one review per week");

    // Confirmed between the reviews.
    let axolotl = confirm_family(&app, "ae");
    for (gid, family) in [
        (&l.quokka, "qa"),
        (&l.narwhal, "nb"),
        (&l.pangolin, "pc"),
        (&l.wombat, "wd"),
        (&axolotl, "ae"),
    ] {
        make_exact(&app, gid, family);
    }

    // Week 48.
    let r2 = send(
        &app,
        "POST",
        "/v1/reviews",
        &json!({"at": "2026-11-27T09:00:00Z"}),
    );
    assert_eq!(r2.status, 201, "{}", r2.text);
    let r2_id = r2.body["id"].as_str().expect("id").to_string();
    assert_eq!(reasons(&r2.body, &l.quokka), ["band_changed"]);
    let q = item(&r2.body, &l.quokka);
    assert_eq!(
        (
            q["score"].clone(),
            q["score_delta"].clone(),
            q["previous_band"].clone()
        ),
        (json!(7.0), json!(3.0), json!("bundle"))
    );
    assert_eq!(reasons(&r2.body, &l.narwhal), ["undecided", "overdue"]);
    let n = item(&r2.body, &l.narwhal);
    assert_eq!(
        (n["reviews_without_decision"].clone(), n["stale"].clone()),
        (json!(2), json!(true))
    );
    assert_eq!(reasons(&r2.body, &l.wombat), ["regression"]);
    assert_eq!(reasons(&r2.body, &axolotl), ["new"]);
    assert!(
        reasons(&r2.body, &l.pangolin).is_empty(),
        "decided, unchanged: {}",
        r2.text
    );
    assert_eq!(r2.body["undecided"].as_array().expect("undecided").len(), 4);

    // The roadmap carries the deltas and the stale flag.
    let road = app.get("/v1/roadmap?as_of=2026-11-28T00:00:00Z");
    let all: Vec<&Value> = road.body["roadmap"]
        .as_array()
        .expect("roadmap")
        .iter()
        .chain(road.body["watchlist"].as_array().expect("watchlist"))
        .collect();
    let of = |gid: &str| *all.iter().find(|i| i["group"] == gid).expect("listed");
    assert_eq!(of(&l.narwhal)["stale"], true);
    assert_eq!(of(&l.quokka)["stale"], false);
    assert_eq!(
        of(&l.quokka)["score_delta"],
        0.0,
        "unchanged since r2 opened"
    );

    // The digest of week 48, as of its end.
    let d = app.get("/v1/digest?week=2026-W48");
    assert_eq!(d.status, 200, "{}", d.text);
    let d = d.body;
    assert_eq!(d["as_of"], "2026-11-29T23:59:59.999999999Z");
    assert_eq!(d["compared_with"], r1_id.as_str());
    let top: Vec<(String, f64, Value, u64)> = d["top"]
        .as_array()
        .expect("top")
        .iter()
        .map(|t| {
            (
                t["group"].as_str().expect("g").to_string(),
                t["score"].as_f64().expect("score"),
                t["score_delta"].clone(),
                t["tickets_this_week"].as_u64().expect("n"),
            )
        })
        .collect();
    assert_eq!(
        top,
        vec![
            (l.quokka.clone(), 7.0, json!(3.0), 3),
            (axolotl.clone(), 4.0, Value::Null, 4),
            (l.narwhal.clone(), 3.0, json!(0.0), 0),
            (l.pangolin.clone(), 2.0, json!(0.0), 0),
        ],
        "{d}"
    );
    assert_eq!(d["top"][0]["band"], "promote");
    assert_eq!(
        d["new_groups"],
        json!([]),
        "the groups were confirmed today, not in week 48"
    );
    assert_eq!(d["regressions"].as_array().expect("regressions").len(), 1);
    assert_eq!(d["regressions"][0]["group"], l.wombat.as_str());
    assert_eq!(d["regressions"][0]["repeats_after_fix"], 1);
    // Six tickets in the 4 weeks before the fix, one in the 4 weeks after.
    assert_eq!(d["fixes"][0]["before_per_week"], 1.5);
    assert_eq!(d["fixes"][0]["after_per_week"], 0.25);
    assert_eq!(d["fixes"][0]["verdict"], "worked");
    assert_eq!(
        d["stale"],
        json!([{"group": l.narwhal, "name": "Narwhal invoice PDF is blank", "owner": "bo", "review_by": "2026-11-26", "reviews_without_decision": 2}])
    );
    assert_eq!(
        d["overdue"],
        json!([{"group": l.narwhal, "name": "Narwhal invoice PDF is blank", "owner": "bo", "review_by": "2026-11-26"}])
    );
    assert_eq!(
        d["counts"],
        json!([
            {"source": "ops", "tickets": 2, "grouped": 2},
            {"source": "support", "tickets": 6, "grouped": 6},
        ])
    );

    // The Markdown, against its snapshot.
    let md = app.get("/v1/digest?week=2026-W48&format=markdown");
    assert_eq!(md.status, 200);
    assert!(
        md.content_type.starts_with("text/markdown"),
        "{}",
        md.content_type
    );
    let text = md
        .text
        .replace(&l.quokka, "G-QUOKKA")
        .replace(&l.narwhal, "G-NARWHAL")
        .replace(&l.pangolin, "G-PANGOLIN")
        .replace(&l.wombat, "G-WOMBAT")
        .replace(&axolotl, "G-AXOLOTL")
        .replace(&r1_id, "R-1");
    crate::helpers::assert_snapshot("digest_w48.md", &text);

    // A call in week 48 promotes the quokka group: it is the one
    // promoted item (the band alone no longer decides: r1 said watch).
    let before = app.get("/v1/export/prioritized.yaml?as_of=2026-11-29T23:59:59Z");
    let items: Value = serde_norway::from_str(&before.text).expect("YAML");
    assert_eq!(
        items["items"],
        json!([]),
        "watched in r1, not promoted: {}",
        before.text
    );
    call(&app, &r2_id, &l.quokka, "promote");
    let at = "as_of=2026-11-29T23:59:59Z";
    let yaml = app.get(&format!("/v1/export/prioritized.yaml?{at}"));
    assert_eq!(yaml.status, 200);
    assert!(
        yaml.content_type.starts_with("application/yaml"),
        "{}",
        yaml.content_type
    );
    let parsed: Value = serde_norway::from_str(&yaml.text).expect("YAML");
    assert_eq!(
        parsed["items"],
        json!([{
            "id": l.quokka, "problem": "Quokka widget flickers purple", "owner": null,
            "score": 7.0, "band": "promote", "breakdown": [{"factor": "repeats", "points": 7.0}],
            "review_by": null, "tracker_key": null,
        }]),
        "{}",
        yaml.text
    );
    assert_eq!(
        app.get(&format!("/v1/export/prioritized.yaml?{at}")).text,
        yaml.text,
        "regenerated from the same data: the same bytes"
    );

    // The tracker payload in Jira's bulk-create shape, and the generic one.
    let jira = app.get(&format!("/v1/export/jira?{at}"));
    assert_eq!(jira.status, 200, "{}", jira.text);
    let updates = jira.body["issueUpdates"].as_array().expect("issueUpdates");
    assert_eq!(updates.len(), 1, "{}", jira.text);
    let fields = &updates[0]["fields"];
    assert_eq!(fields["project"], json!({"key": "OPS"}));
    assert_eq!(fields["issuetype"], json!({"name": "Task"}));
    assert_eq!(fields["summary"], "Quokka widget flickers purple");
    assert_eq!(
        fields["labels"],
        json!(["refrain", format!("refrain-{}", l.quokka)])
    );
    let description = fields["description"].as_str().expect("description");
    assert!(
        description.contains("7 tickets, 7 in the last 90 days"),
        "{description}"
    );
    assert!(
        description.contains("Score: 7 (promote): repeats 7"),
        "{description}"
    );
    let generic = app.get(&format!("/v1/export/jira?shape=generic&{at}"));
    assert_eq!(generic.body["issues"][0]["group"], l.quokka.as_str());
    assert_eq!(
        generic.body["issues"][0]["title"],
        "Quokka widget flickers purple"
    );
    app.get("/v1/export/jira?shape=xml")
        .assert_problem(400, "unknown shape");

    // Calls that cannot be taken.
    for (body, status, why) in [
        (
            json!({"group": axolotl, "decision": "bundle"}),
            422,
            "bundle without into",
        ),
        (
            json!({"group": axolotl, "decision": "bundle", "into": axolotl}),
            422,
            "bundle into itself",
        ),
        (
            json!({"group": axolotl, "decision": "watch", "into": l.quokka}),
            422,
            "into on a watch",
        ),
        (
            json!({"group": axolotl, "decision": "ship-it"}),
            422,
            "unknown decision",
        ),
        (
            json!({"group": "g999", "decision": "watch"}),
            404,
            "unknown group",
        ),
        (
            json!({"group": "nope", "decision": "watch"}),
            422,
            "not a group id",
        ),
        (json!({"decision": "watch"}), 400, "no group"),
    ] {
        send(
            &app,
            "POST",
            &format!("/v1/reviews/{r2_id}/decisions"),
            &body,
        )
        .assert_problem(status, why);
    }
    send(
        &app,
        "POST",
        "/v1/reviews/r999/decisions",
        &json!({"group": axolotl, "decision": "watch"}),
    )
    .assert_problem(404, "unknown review");
    app.get("/v1/reviews/x1")
        .assert_problem(404, "not a review id");
    send(&app, "POST", "/v1/reviews", &json!({"at": "friday"}))
        .assert_problem(400, "at not a time");
    send(
        &app,
        "POST",
        "/v1/reviews",
        &json!({"at": "2099-01-05T09:00:00Z"}),
    )
    .assert_problem(422, "a review held in the future");
    let list = app.get("/v1/reviews");
    assert_eq!(
        list.body["reviews"][0]["id"],
        r2_id.as_str(),
        "the newest first"
    );
    let again = app.get(&format!("/v1/reviews/{r2_id}"));
    assert_eq!(again.body["decisions"][0]["group"], l.quokka.as_str());
    assert_eq!(
        again.body["undecided"].as_array().expect("undecided").len(),
        3
    );

    // The trend: tickets per ISO week, the 12 weeks up to as_of.
    let trend = app.get(&format!("/v1/groups/{}/weekly?{at}", l.quokka));
    assert_eq!(trend.status, 200, "{}", trend.text);
    let weeks = trend.body["weeks"].as_array().expect("weeks");
    assert_eq!(weeks.len(), 12);
    let counts: Vec<(String, u64)> = weeks[9..]
        .iter()
        .map(|w| {
            (
                w["week"].as_str().expect("week").to_string(),
                w["tickets"].as_u64().expect("n"),
            )
        })
        .collect();
    assert_eq!(
        counts,
        [
            ("2026-W46".to_string(), 3),
            ("2026-W47".to_string(), 1),
            ("2026-W48".to_string(), 3)
        ]
    );
    assert_eq!(
        app.get(&format!("/v1/groups/{}/weekly?weeks=2&{at}", l.quokka))
            .body["weeks"]
            .as_array()
            .expect("weeks")
            .len(),
        2
    );
    app.get(&format!("/v1/groups/{}/weekly?weeks=0", l.quokka))
        .assert_problem(400, "weeks 0");
    app.get("/v1/groups/g999/weekly")
        .assert_problem(404, "unknown group");
    app.get("/v1/digest?week=2026-48")
        .assert_problem(400, "not a week");
    app.get("/v1/digest?format=pdf")
        .assert_problem(400, "unknown format");
    app.get("/v1/digest?week=2099-W01")
        .assert_problem(400, "a week to come");
    app.get("/v1/digest?week=-9999-W05")
        .assert_problem(400, "a week out of range");
}

#[test]
fn warehouse_tables_parse_back_and_load_incrementally() {
    let app = weekly_app();
    let l = before_first_review(&app);
    let ndjson = app.get("/v1/export/warehouse");
    assert_eq!(ndjson.status, 200, "{}", ndjson.text);
    assert!(ndjson.content_type.starts_with("application/x-ndjson"));
    let rows: Vec<Value> = ndjson
        .text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(rows.len(), stored());
    let qa0 = rows
        .iter()
        .find(|r| r["ticket_id"] == "qa-0")
        .expect("qa-0");
    assert_eq!(qa0["group_id"], l.quokka.as_str());
    assert_eq!(qa0["created_at"], "2026-11-10T10:00:00Z");
    assert_eq!(qa0["title"], "Quokka widget flickers purple");
    assert_eq!(qa0["group_origin"], "reviewer");

    let csv_text = app.get("/v1/export/warehouse?format=csv").text;
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    assert_eq!(header, refrain::export::warehouse::TICKET_COLUMNS);
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a record")).collect();
    assert_eq!(records.len(), stored());
    let wd = records.iter().find(|r| &r[0] == "wd-0").expect("wd-0");
    assert_eq!((&wd[1], &wd[9]), ("ops", l.wombat.as_str()));

    // Incremental: nothing stored since a later moment; all since an earlier one.
    let later = app.get("/v1/export/warehouse?format=csv&since=2999-01-01T00:00:00Z");
    assert_eq!(
        later.text.lines().count(),
        1,
        "the header only: {}",
        later.text
    );
    let earlier = app.get("/v1/export/warehouse?since=2000-01-01T00:00:00Z");
    assert_eq!(earlier.text.lines().count(), stored());

    let groups = app.get("/v1/export/warehouse?table=groups&format=csv&as_of=2026-11-29T23:59:59Z");
    assert_eq!(groups.status, 200, "{}", groups.text);
    let mut reader = csv::Reader::from_reader(groups.text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    assert_eq!(header, refrain::export::warehouse::GROUP_COLUMNS);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a record")).collect();
    assert_eq!(rows.len(), 4);
    let q = rows.iter().find(|r| r[0] == *l.quokka).expect("quokka row");
    let col = |name: &str| header.iter().position(|h| h == name).expect("column");
    assert_eq!(
        (&q[col("tickets")], &q[col("score")], &q[col("band")]),
        ("7", "7.0", "promote")
    );
    assert_eq!(&q[col("last_7d")], "3");
    let g_json = app.get("/v1/export/warehouse?table=groups&as_of=2026-11-29T23:59:59Z");
    let first: Value =
        serde_json::from_str(g_json.text.lines().next().expect("a line")).expect("JSON");
    assert!(
        first["score"].is_number() && first["group_id"].is_string(),
        "{first}"
    );

    // A ticket moved to another group since counts as changed.
    let mark = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .expect("a time");
    let moved = send(
        &app,
        "POST",
        &format!("/v1/groups/{}/tickets", l.quokka),
        &json!({"ids": ["pc-0"]}),
    );
    assert_eq!(moved.status, 200, "{}", moved.text);
    let changed = app.get(&format!("/v1/export/warehouse?since={mark}"));
    let rows: Vec<Value> = changed
        .text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(rows.len(), 1, "{}", changed.text);
    assert_eq!(
        (rows[0]["ticket_id"].clone(), rows[0]["group_id"].clone()),
        (json!("pc-0"), json!(l.quokka))
    );
    app.get("/v1/export/warehouse?table=users")
        .assert_problem(400, "unknown table");
    app.get("/v1/export/warehouse?format=parquet")
        .assert_problem(400, "unknown format");
    app.get("/v1/export/warehouse?since=yesterday")
        .assert_problem(400, "since not a time");
    app.get("/v1/export/warehouse?table=groups&since=2026-01-01T00:00:00Z")
        .assert_problem(400, "since on the groups table");
}
