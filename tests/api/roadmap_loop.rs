//! The whole roadmap loop through the API, in the order a team walks it,
//! with fixed timestamps and the test's own scoring file.

use serde_json::{Value, json};

use crate::clusters::recluster;
use crate::weekly::{app_scoring_with, confirm_family, load_timeline, make_exact, send};

/// Repeats in the last 90 days (1 point each, up to 10) and effort (the
/// reviewer's days: 1 → 1, 5 → 2, 10 → 3) weighed −1.
const SCORING: &str = r#"
[[factor]]
name = "repeats"
input = "repeats_90d"
points = [[1, 1], [2, 2], [3, 3], [4, 4], [5, 5], [6, 6], [7, 7], [8, 8], [9, 9], [10, 10]]

[[factor]]
name = "effort"
input = "effort_days"
weight = -1
points = [[0, 0], [1, 1], [5, 2], [10, 3]]

[bands]
promote = 6
bundle = 3
"#;

fn ranked(road: &Value) -> Vec<(String, f64, Vec<f64>)> {
    road["roadmap"]
        .as_array()
        .expect("roadmap")
        .iter()
        .chain(road["watchlist"].as_array().expect("watchlist"))
        .map(|i| {
            (
                i["group"].as_str().expect("group").to_string(),
                i["score"].as_f64().expect("score"),
                i["breakdown"]
                    .as_array()
                    .expect("breakdown")
                    .iter()
                    .map(|p| p["points"].as_f64().expect("points"))
                    .collect(),
            )
        })
        .collect()
}

#[test]
fn notes_become_ranked_planned_fixed_and_verified_work() {
    let app = app_scoring_with(SCORING);
    // Ingest notes, confirm groups.
    load_timeline(&app);
    recluster(&app, None);
    let quokka = confirm_family(&app, "qa");
    let narwhal = confirm_family(&app, "nb");
    let pangolin = confirm_family(&app, "pc");
    for (gid, family) in [(&quokka, "qa"), (&narwhal, "nb"), (&pangolin, "pc")] {
        make_exact(&app, gid, family);
    }
    // Set effort (and no owner yet).
    for (gid, days) in [(&quokka, 3), (&narwhal, 12)] {
        let set = send(
            &app,
            "PATCH",
            &format!("/v1/groups/{gid}"),
            &json!({"effort_days": days}),
        );
        assert_eq!(set.status, 200, "{}", set.text);
    }
    // The roadmap: 7 repeats − 1 (3 days), 2 repeats with effort unknown,
    // 3 repeats − 3 (12 days); nothing is ready yet.
    let at = "as_of=2026-11-29T23:59:59Z";
    let road = app.get(&format!("/v1/roadmap?{at}"));
    assert_eq!(road.status, 200, "{}", road.text);
    assert_eq!(road.body["roadmap"], json!([]));
    assert_eq!(
        ranked(&road.body),
        vec![
            (quokka.clone(), 6.0, vec![7.0, -1.0]),
            (pangolin.clone(), 2.0, vec![2.0, 0.0]),
            (narwhal.clone(), 0.0, vec![3.0, -3.0]),
        ]
    );
    assert_eq!(road.body["watchlist"][1]["missing"], json!(["effort"]));
    assert_eq!(road.body["watchlist"][0]["band"], "promote");
    assert_eq!(road.body["watchlist"][0]["readiness"]["owner"], false);

    // Planned is refused without an owner, and says so.
    let path = format!("/v1/groups/{quokka}");
    let plan = json!({"problem": "Finance cannot read the ledger: the quokka widget freezes it",
                      "measure": "ledger freezes per week", "expected_result": "no freezes",
                      "review_by": "2026-12-20", "status": "planned"});
    let refused = send(&app, "PATCH", &path, &plan);
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert!(refused.text.contains("an owner"), "{}", refused.text);
    let mut with_owner = plan.clone();
    with_owner["owner"] = json!("ana");
    let planned = send(&app, "PATCH", &path, &with_owner);
    assert_eq!(planned.status, 200, "{}", planned.text);
    assert_eq!(planned.body["status"], "planned");
    let road = app.get(&format!("/v1/roadmap?{at}"));
    assert_eq!(
        road.body["roadmap"][0]["group"],
        quokka.as_str(),
        "ready now: {}",
        road.text
    );
    assert_eq!(road.body["roadmap"][0]["owner"], "ana");
    assert_eq!(road.body["roadmap"][0]["readiness"]["missing"], json!([]));

    // Fixed on 11-26; a later ticket comes back on 11-30.
    let fixed = send(
        &app,
        "PATCH",
        &path,
        &json!({"status": "fixed", "fixed_at": "2026-11-26T00:00:00Z",
                                                  "tracker_url": "https://tracker.example/OPS-1"}),
    );
    assert_eq!(fixed.status, 200, "{}", fixed.text);
    let late = json!([{"id": "qa-late", "source": "support", "created_at": "2026-11-30T10:00:00Z",
                       "title": "Quokka widget flickers purple", "body": "the quokka widget flickers purple and freezes the ledger once more"}]);
    assert_eq!(app.post_tickets(&late).status, 200);
    let moved = send(
        &app,
        "POST",
        &format!("/v1/groups/{quokka}/tickets"),
        &json!({"ids": ["qa-late"]}),
    );
    assert_eq!(moved.status, 200, "{}", moved.text);

    // 14 days after the fix: six tickets in the 14 days before it (3 a
    // week), one after (0.5 a week) — fell by 83%: worked, and a regression.
    let evidence = app.get(&format!(
        "/v1/groups/{quokka}/evidence?as_of=2026-12-10T00:00:00Z"
    ));
    assert_eq!(evidence.status, 200, "{}", evidence.text);
    let v = &evidence.body["verification"];
    assert_eq!(v["window_days"], 14.0, "{v}");
    assert_eq!(
        (v["before_per_week"].clone(), v["after_per_week"].clone()),
        (json!(3.0), json!(0.5))
    );
    assert_eq!(v["verdict"], "worked");
    assert_eq!(
        (v["repeats_after_fix"].clone(), v["regression"].clone()),
        (json!(1), json!(true))
    );
    let group = app.get(&format!("{path}?as_of=2026-12-10T00:00:00Z"));
    assert_eq!(group.body["regression"], true, "{}", group.text);
    // Off the roadmap while fixed; the digest of week 49 lists the regression.
    let road = app.get("/v1/roadmap?as_of=2026-12-10T00:00:00Z");
    assert!(ranked(&road.body).iter().all(|(g, _, _)| *g != quokka));
    let digest = app.get("/v1/digest?week=2026-W49");
    assert_eq!(
        digest.body["regressions"][0]["group"],
        quokka.as_str(),
        "{}",
        digest.text
    );
}
