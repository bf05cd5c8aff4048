//! Reviewer decisions through the API: confirm, split, reject, the groups
//! they build (with exact counts), the audit log, and what a re-cluster
//! must keep.

use std::collections::{HashMap, HashSet};

use serde_json::{Value, json};

use crate::clusters::recluster;
use crate::helpers::{TestApp, spawn_app};

const FIXTURES: &str = include_str!("../../fixtures/tickets.ndjson");

fn load_fixtures(app: &TestApp) {
    let answer = app.request(
        "POST",
        "/v1/tickets",
        Some("application/x-ndjson"),
        Some(FIXTURES.as_bytes().to_vec()),
        None,
    );
    assert_eq!(answer.status, 200, "{}", answer.text);
}

fn clusters(app: &TestApp) -> Vec<Value> {
    let list = app.get("/v1/clusters?limit=1000");
    assert_eq!(list.status, 200, "{}", list.text);
    list.body["clusters"].as_array().expect("clusters").clone()
}

fn members(app: &TestApp, path: &str) -> Vec<String> {
    let detail = app.get(&format!("{path}?limit=1000"));
    assert_eq!(detail.status, 200, "{}", detail.text);
    detail.body["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| m["id"].as_str().expect("id").to_string())
        .collect()
}

#[test]
fn a_confirmed_cluster_becomes_a_group_and_leaves_the_queue() {
    let app = spawn_app();
    load_fixtures(&app);
    recluster(&app, None);
    let first = clusters(&app)[0].clone();
    let id = first["id"].as_str().expect("id");
    let tickets = members(&app, &format!("/v1/clusters/{id}"));
    let answer = app.post_json(
        &format!("/v1/clusters/{id}/confirm"),
        &json!({"name": "Export times out", "tag": "service-outage"}),
    );
    assert_eq!(answer.status, 200, "{}", answer.text);
    let group = &answer.body["group"];
    let gid = group["id"].as_str().expect("a group id");
    assert_eq!(group["name"], "Export times out");
    assert_eq!(group["status"], "open");
    assert!(group["counts"]["total"].as_u64().expect("total") >= tickets.len() as u64);
    assert_eq!(answer.body["decision"]["kind"], "confirm");
    // Every reviewer-placed ticket is a member, marked so.
    let detail = app.get(&format!("/v1/groups/{gid}?limit=1000"));
    let placed: HashSet<&str> = detail.body["members"]
        .as_array()
        .expect("members")
        .iter()
        .filter(|m| m["origin"] == "reviewer")
        .map(|m| m["id"].as_str().expect("id"))
        .collect();
    assert!(tickets.iter().all(|t| placed.contains(t.as_str())));
    // Decided clusters leave the queue and cannot be decided again.
    assert!(clusters(&app).iter().all(|c| c["id"] != id));
    app.get(&format!("/v1/clusters/{id}"))
        .assert_problem(410, "a decided cluster");
    let again = app.post_json(&format!("/v1/clusters/{id}/reject"), &json!({}));
    again.assert_problem(409, "deciding a decided cluster");
    assert_eq!(again.body["code"], "cluster-stale");
    let log = app.get("/v1/decisions?kind=confirm");
    assert_eq!(log.body["decisions"][0]["cluster"], id);
    assert_eq!(log.body["decisions"][0]["actor"], "local");
    // A second cluster joins the group.
    let second = clusters(&app)[0]["id"].as_str().expect("id").to_string();
    let joined = app.post_json(
        &format!("/v1/clusters/{second}/confirm"),
        &json!({"group": gid, "tag": "service-outage", "name": "ignored"}),
    );
    assert_eq!(joined.status, 200, "{}", joined.text);
    assert_eq!(joined.body["group"]["id"], gid);
    assert_eq!(
        app.get("/v1/groups").body["groups"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}

#[test]
fn bad_decisions_are_refused_with_reasons() {
    let app = spawn_app();
    load_fixtures(&app);
    recluster(&app, None);
    let id = clusters(&app)[0]["id"].as_str().expect("id").to_string();
    let unknown_tag = app.post_json(
        &format!("/v1/clusters/{id}/confirm"),
        &json!({"name": "x", "tag": "urgent"}),
    );
    unknown_tag.assert_problem(422, "an unknown tag");
    assert!(
        unknown_tag.text.contains("weak-ux"),
        "lists the tags: {}",
        unknown_tag.text
    );
    app.post_json(
        &format!("/v1/clusters/{id}/confirm"),
        &json!({"tag": "weak-ux"}),
    )
    .assert_problem(422, "a new group without a name");
    app.post_json(
        &format!("/v1/clusters/{id}/confirm"),
        &json!({"group": "g999"}),
    )
    .assert_problem(404, "joining an unknown group");
    app.post_json(
        "/v1/clusters/c0-1/confirm",
        &json!({"name": "x", "tag": "weak-ux"}),
    )
    .assert_problem(404, "an unknown cluster");
    app.post_json(
        &format!("/v1/clusters/{id}/confirm"),
        &json!({"nme": "typo"}),
    )
    .assert_problem(400, "an unknown field");
    app.post_json(
        &format!("/v1/clusters/{id}/split"),
        &json!({"parts": [["not-a-member"]]}),
    )
    .assert_problem(422, "a stranger in a split");
    let tickets = members(&app, &format!("/v1/clusters/{id}"));
    app.post_json(
        &format!("/v1/clusters/{id}/split"),
        &json!({"parts": [[tickets[0]], [tickets[0]]]}),
    )
    .assert_problem(422, "a ticket in two parts");
    app.post_json(
        &format!("/v1/clusters/{id}/split"),
        &json!({"parts": [tickets]}),
    )
    .assert_problem(422, "one part is no split");
    assert_eq!(
        app.get("/v1/decisions").body["decisions"],
        json!([]),
        "nothing decided"
    );
}

#[test]
fn a_split_naming_tickets_a_group_took_meanwhile_is_stale_not_wrong() {
    let app = spawn_app();
    load_fixtures(&app);
    recluster(&app, None);
    let listed = clusters(&app);
    let (a, b) = (
        listed[0]["id"].as_str().expect("id").to_string(),
        listed[1]["id"].as_str().expect("id").to_string(),
    );
    let tickets = members(&app, &format!("/v1/clusters/{a}"));
    let confirmed = app.post_json(
        &format!("/v1/clusters/{b}/confirm"),
        &json!({"name": "other", "tag": "weak-ux"}),
    );
    let gid = confirmed.body["group"]["id"]
        .as_str()
        .expect("group")
        .to_string();
    app.post_json(
        &format!("/v1/groups/{gid}/tickets"),
        &json!({"ids": [tickets[0]]}),
    );
    let (first, rest) = tickets.split_at(2);
    let stale = app.post_json(
        &format!("/v1/clusters/{a}/split"),
        &json!({"parts": [first, rest]}),
    );
    stale.assert_problem(
        409,
        "a member taken by a group since the cluster was listed",
    );
    assert!(
        stale.text.contains("joined groups since"),
        "says what happened: {}",
        stale.text
    );
}

#[test]
fn split_parts_and_groups_survive_a_recluster_and_rejected_sets_stay_away() {
    let app = spawn_app();
    load_fixtures(&app);
    recluster(&app, None);
    let queue = clusters(&app);
    let (a, b, c) = (
        queue[0]["id"].as_str().expect("id").to_string(),
        queue[1]["id"].as_str().expect("id").to_string(),
        queue[2]["id"].as_str().expect("id").to_string(),
    );
    let confirmed = app.post_json(
        &format!("/v1/clusters/{a}/confirm"),
        &json!({"name": "A", "tag": "weak-ux"}),
    );
    let gid = confirmed.body["group"]["id"]
        .as_str()
        .expect("gid")
        .to_string();
    let group_before: HashSet<String> = members(&app, &format!("/v1/groups/{gid}"))
        .into_iter()
        .collect();
    let tickets = members(&app, &format!("/v1/clusters/{b}"));
    let half = tickets.len() / 2;
    let split = app.post_json(
        &format!("/v1/clusters/{b}/split"),
        &json!({"parts": [tickets[..half].to_vec(), tickets[half..].to_vec()]}),
    );
    assert_eq!(split.status, 200, "{}", split.text);
    let parts: Vec<&Value> = split.body["clusters"]
        .as_array()
        .expect("offered")
        .iter()
        .chain(split.body["deferred"].as_array().expect("deferred"))
        .collect();
    assert_eq!(parts.len(), 2, "{}", split.text);
    assert!(parts.iter().all(|p| p["size"].as_u64() > Some(0)));
    let rejected: HashSet<String> = members(&app, &format!("/v1/clusters/{c}"))
        .into_iter()
        .collect();
    let reject = app.post_json(&format!("/v1/clusters/{c}/reject"), &json!({}));
    assert_eq!(reject.status, 200, "{}", reject.text);
    std::thread::sleep(std::time::Duration::from_millis(5));
    recluster(&app, None);
    // The group kept every member.
    let group_after: HashSet<String> = members(&app, &format!("/v1/groups/{gid}"))
        .into_iter()
        .collect();
    assert!(
        group_before.is_subset(&group_after),
        "a re-cluster took tickets out of a group"
    );
    // No candidate holds tickets of both parts, nor the rejected set again.
    let part_of: HashMap<&str, usize> = tickets
        .iter()
        .enumerate()
        .map(|(i, t)| (t.as_str(), usize::from(i >= half)))
        .collect();
    for cluster in clusters(&app) {
        let id = cluster["id"].as_str().expect("id");
        let ms: HashSet<String> = members(&app, &format!("/v1/clusters/{id}"))
            .into_iter()
            .collect();
        let sides: HashSet<usize> = ms
            .iter()
            .filter_map(|t| part_of.get(t.as_str()).copied())
            .collect();
        assert!(sides.len() < 2, "cluster {id} joined the split parts again");
        let inter = ms.intersection(&rejected).count() as f64;
        let union = ms.union(&rejected).count() as f64;
        assert!(
            inter / union < 0.8,
            "cluster {id} is the rejected set again"
        );
        assert!(
            ms.is_disjoint(&group_after),
            "cluster {id} holds grouped tickets"
        );
    }
}

/// Twelve tickets of one symptom at known times among the demo tickets,
/// confirmed as a group; answers the confirm.
fn quokka_group(app: &TestApp) -> crate::helpers::Answer {
    // 12 tickets of one symptom at known times, and unrelated ones.
    let times = [
        ("2026-11-30T10:00:00Z", "support"), // 1 day before as_of
        ("2026-11-25T12:00:00Z", "support"), // 5 days
        ("2026-11-24T12:00:01Z", "ops"),     // just inside 7 days
        ("2026-11-24T11:59:59Z", "ops"),     // just outside 7 days
        ("2026-11-10T12:00:00Z", "support"), // 21 days
        ("2026-11-01T12:00:01Z", "support"), // just inside 30 days
        ("2026-10-20T12:00:00Z", "ops"),     // 42 days
        ("2026-10-01T12:00:00Z", "support"),
        ("2026-09-01T12:00:00Z", "support"),
        ("2026-08-01T12:00:00Z", "support"),
        ("2026-07-01T12:00:00Z", "ops"),
        ("2026-12-02T12:00:00Z", "support"), // after as_of: not counted
    ];
    let batch: Vec<Value> = times
        .iter()
        .enumerate()
        .map(|(i, (at, source))| {
            json!({"id": format!("exp-{i}"), "source": source, "created_at": at,
                   "title": "Quokka widget flickers purple", "body": format!("the quokka widget flickers purple and freezes the ledger {}", ["again", "today", "for finance", "on monday", "every time", "since the update", "for big reports", "in chrome", "on the team plan", "at month end", "twice now", "for me"][i]),
                   "manual_minutes": 10})
        })
        .collect();
    // Among the 300 demo tickets, so the symptom is one of many.
    load_fixtures(app);
    assert_eq!(app.post_tickets(&json!(batch)).status, 200);
    recluster(app, None);
    let export = clusters(app)
        .into_iter()
        .find(|c| {
            let id = c["id"].as_str().expect("id");
            members(app, &format!("/v1/clusters/{id}")).contains(&"exp-0".to_string())
        })
        .unwrap_or_else(|| {
            panic!(
                "the quokka tickets form a cluster: {:?}",
                clusters(app)
                    .iter()
                    .map(|c| {
                        let id = c["id"].as_str().expect("id");
                        members(app, &format!("/v1/clusters/{id}"))
                    })
                    .collect::<Vec<_>>()
            )
        });
    let id = export["id"].as_str().expect("id");
    let ms = members(app, &format!("/v1/clusters/{id}"));
    assert_eq!(
        ms.len(),
        12,
        "the 12 quokka tickets cluster together: {ms:?}"
    );
    app.post_json(
        &format!("/v1/clusters/{id}/confirm"),
        &json!({"name": "Export times out", "tag": "service-outage"}),
    )
}

#[test]
fn group_counts_are_exact_as_of_a_moment() {
    let app = spawn_app();
    let answer = quokka_group(&app);
    assert_eq!(answer.status, 200, "{}", answer.text);
    let list = app.get("/v1/groups?as_of=2026-12-01T12:00:00Z");
    let g = &list.body["groups"][0];
    assert_eq!(g["counts"]["total"], 11, "{g}");
    assert_eq!(g["counts"]["last_7d"], 3, "{g}");
    assert_eq!(g["counts"]["last_30d"], 6, "{g}");
    assert_eq!(g["counts"]["since_fix"], 11, "no fix yet: all of them");
    assert_eq!(g["by_source"], json!({"ops": 4, "support": 7}));
    assert_eq!(g["manual_minutes"], 110);
    assert_eq!(g["first_seen"], "2026-07-01T12:00:00Z");
    assert_eq!(g["last_seen"], "2026-11-30T10:00:00Z");
    assert_eq!(g["regression"], false);
    let later = app.get("/v1/groups?as_of=2026-12-03T00:00:00Z");
    assert_eq!(later.body["groups"][0]["counts"]["total"], 12);
    assert_eq!(
        later.body["groups"][0]["counts"]["last_7d"], 2,
        "11-30 and 12-02 are within 7 days of 12-03"
    );
    let gid = g["id"].as_str().expect("gid");
    let evidence = app.get(&format!(
        "/v1/groups/{gid}/evidence?as_of=2026-12-01T12:00:00Z"
    ));
    assert_eq!(evidence.status, 200, "{}", evidence.text);
    let e = &evidence.body;
    assert_eq!(e["tickets"], 11);
    assert_eq!(
        e["users_saw"][0],
        json!({"value": "Quokka widget flickers purple", "tickets": 11})
    );
    assert_eq!(e["manual_work"]["tickets"], 11);
    assert_eq!(e["manual_work"]["total_minutes"], 110);
    assert_eq!(e["by_source"], json!({"ops": 4, "support": 7}));
    assert_eq!(
        e["repeats_90d"], 8,
        "back to 2026-10-01; 09-01 is 91 days before"
    );
    assert_eq!(e["incidents"]["resolved"], 0);
    app.get("/v1/groups/g999/evidence")
        .assert_problem(404, "an unknown group");
    app.get(&format!("/v1/groups/{gid}/evidence?as_of=soon"))
        .assert_problem(400, "as_of not a date");
    app.get("/v1/groups?as_of=yesterday")
        .assert_problem(400, "as_of not a date");
    app.get("/v1/groups?sort=loudest")
        .assert_problem(400, "an unknown sort");
}

fn request(app: &TestApp, method: &str, path: &str, body: &Value) -> crate::helpers::Answer {
    app.request(
        method,
        path,
        Some("application/json"),
        Some(body.to_string().into_bytes()),
        None,
    )
}

/// Two groups from the two largest clusters; returns their ids.
fn two_groups(app: &TestApp) -> (String, String) {
    let queue = clusters(app);
    let mut ids = Vec::new();
    for (i, c) in queue.iter().take(2).enumerate() {
        let id = c["id"].as_str().expect("id");
        let answer = app.post_json(
            &format!("/v1/clusters/{id}/confirm"),
            &json!({"name": format!("Group {i}"), "tag": "weak-ux"}),
        );
        assert_eq!(answer.status, 200, "{}", answer.text);
        ids.push(
            answer.body["group"]["id"]
                .as_str()
                .expect("gid")
                .to_string(),
        );
    }
    (ids[0].clone(), ids[1].clone())
}

#[test]
fn attach_detach_merge_and_edit_are_decisions_with_undo() {
    let app = spawn_app();
    load_fixtures(&app);
    recluster(&app, None);
    let (g1, g2) = two_groups(&app);
    let in_g2 = members(&app, &format!("/v1/groups/{g2}"));
    let moved = &in_g2[0];
    // Move a ticket from g2 into g1.
    let attach = app.post_json(
        &format!("/v1/groups/{g1}/tickets"),
        &json!({"ids": [moved]}),
    );
    assert_eq!(attach.status, 200, "{}", attach.text);
    assert_eq!(attach.body["changed"], 1);
    assert!(members(&app, &format!("/v1/groups/{g1}")).contains(moved));
    assert!(!members(&app, &format!("/v1/groups/{g2}")).contains(moved));
    // Detach it: out of every group.
    let detach = request(
        &app,
        "DELETE",
        &format!("/v1/groups/{g1}/tickets/{moved}"),
        &json!({}),
    );
    assert_eq!(detach.status, 200, "{}", detach.text);
    assert!(!members(&app, &format!("/v1/groups/{g1}")).contains(moved));
    request(
        &app,
        "DELETE",
        &format!("/v1/groups/{g1}/tickets/{moved}"),
        &json!({}),
    )
    .assert_problem(404, "detaching a ticket not in the group");
    // Undo the detach, then the move: the ticket is back in g2.
    let detach_id = detach.body["decision"]["id"].as_str().expect("id");
    let undo = app.post_json(&format!("/v1/decisions/{detach_id}/undo"), &json!({}));
    assert_eq!(undo.status, 200, "{}", undo.text);
    assert!(members(&app, &format!("/v1/groups/{g1}")).contains(moved));
    app.post_json(&format!("/v1/decisions/{detach_id}/undo"), &json!({}))
        .assert_problem(409, "undoing twice");
    let attach_id = attach.body["decision"]["id"].as_str().expect("id");
    let undo = app.post_json(&format!("/v1/decisions/{attach_id}/undo"), &json!({}));
    assert_eq!(undo.status, 200, "{}", undo.text);
    assert!(members(&app, &format!("/v1/groups/{g2}")).contains(moved));
    // Edit and merge, then undo the merge: g2 is back with all its tickets.
    let patch = request(
        &app,
        "PATCH",
        &format!("/v1/groups/{g2}"),
        &json!({"name": "Renamed", "owner": "ana", "status": "watching"}),
    );
    assert_eq!(patch.status, 200, "{}", patch.text);
    assert_eq!(
        (patch.body["name"].as_str(), patch.body["owner"].as_str()),
        (Some("Renamed"), Some("ana"))
    );
    let before: HashSet<String> = members(&app, &format!("/v1/groups/{g2}"))
        .into_iter()
        .collect();
    let merge = app.post_json(&format!("/v1/groups/{g1}/merge"), &json!({"from": g2}));
    assert_eq!(merge.status, 200, "{}", merge.text);
    assert_eq!(merge.body["moved"].as_u64(), Some(before.len() as u64));
    app.get(&format!("/v1/groups/{g2}"))
        .assert_problem(404, "a merged-away group");
    let merge_id = merge.body["decision"]["id"].as_str().expect("id");
    assert_eq!(
        app.post_json(&format!("/v1/decisions/{merge_id}/undo"), &json!({}))
            .status,
        200
    );
    let after: HashSet<String> = members(&app, &format!("/v1/groups/{g2}"))
        .into_iter()
        .collect();
    assert_eq!(before, after, "undo restores the group exactly");
    assert_eq!(app.get(&format!("/v1/groups/{g2}")).body["name"], "Renamed");
    app.post_json(&format!("/v1/groups/{g1}/merge"), &json!({"from": g1}))
        .assert_problem(422, "merging a group into itself");
    app.post_json("/v1/decisions/d9999/undo", &json!({}))
        .assert_problem(404, "an unknown decision");
}

#[test]
fn undoing_a_confirm_reopens_its_cluster_unless_later_decisions_build_on_it() {
    let app = spawn_app();
    load_fixtures(&app);
    recluster(&app, None);
    let id = clusters(&app)[0]["id"].as_str().expect("id").to_string();
    let before = members(&app, &format!("/v1/clusters/{id}"));
    let confirm = app.post_json(
        &format!("/v1/clusters/{id}/confirm"),
        &json!({"name": "A", "tag": "weak-ux"}),
    );
    let gid = confirm.body["group"]["id"]
        .as_str()
        .expect("gid")
        .to_string();
    let did = confirm.body["decision"]["id"]
        .as_str()
        .expect("did")
        .to_string();
    let edit = request(
        &app,
        "PATCH",
        &format!("/v1/groups/{gid}"),
        &json!({"owner": "li"}),
    );
    assert_eq!(edit.status, 200, "{}", edit.text);
    let blocked = app.post_json(&format!("/v1/decisions/{did}/undo"), &json!({}));
    blocked.assert_problem(409, "a later edit builds on the confirm");
    let edits = app.get("/v1/decisions?kind=edit&limit=1");
    let edit_id = edits.body["decisions"][0]["id"]
        .as_str()
        .expect("the edit is logged");
    assert!(
        blocked.text.contains(edit_id),
        "names the dependent: {}",
        blocked.text
    );
    assert_eq!(
        app.post_json(&format!("/v1/decisions/{edit_id}/undo"), &json!({}))
            .status,
        200
    );
    let undo = app.post_json(&format!("/v1/decisions/{did}/undo"), &json!({}));
    assert_eq!(undo.status, 200, "{}", undo.text);
    app.get(&format!("/v1/groups/{gid}"))
        .assert_problem(404, "the group the confirm made is gone");
    assert_eq!(
        members(&app, &format!("/v1/clusters/{id}")),
        before,
        "the cluster is open again, whole"
    );
    let log = app.get("/v1/decisions");
    let undone: Vec<&Value> = log.body["decisions"]
        .as_array()
        .expect("log")
        .iter()
        .filter(|d| d["id"] == did.as_str())
        .collect();
    assert_eq!(undone[0]["undone_by"], undo.body["decision"]["id"]);
}

#[test]
fn a_fix_date_splits_since_fix_and_flags_a_regression() {
    let app = spawn_app();
    let batch: Vec<Value> = (0..10)
        .map(|i| {
            json!({"id": format!("q{i}"), "created_at": format!("2026-11-{:02}T12:00:00Z", 10 + i),
                   "title": "Quokka widget flickers purple", "body": format!("quokka widget flickers purple again {i}")})
        })
        .collect();
    assert_eq!(app.post_tickets(&json!(batch)).status, 200);
    load_fixtures(&app);
    recluster(&app, None);
    let id = clusters(&app)
        .into_iter()
        .find(|c| {
            members(
                &app,
                &format!("/v1/clusters/{}", c["id"].as_str().expect("id")),
            )
            .contains(&"q0".to_string())
        })
        .expect("the quokka cluster")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let confirm = app.post_json(
        &format!("/v1/clusters/{id}/confirm"),
        &json!({"name": "Q", "tag": "weak-ux"}),
    );
    let gid = confirm.body["group"]["id"]
        .as_str()
        .expect("gid")
        .to_string();
    let fixed = request(
        &app,
        "PATCH",
        &format!("/v1/groups/{gid}"),
        &json!({"status": "fixed", "fixed_at": "2026-11-16T00:00:00Z"}),
    );
    assert_eq!(fixed.status, 200, "{}", fixed.text);
    let g = app
        .get(&format!("/v1/groups/{gid}?as_of=2026-11-30T00:00:00Z"))
        .body;
    assert_eq!(g["counts"]["total"], 10, "{g}");
    assert_eq!(g["counts"]["since_fix"], 4, "the 16th to the 19th: {g}");
    assert_eq!(g["regression"], true);
    let none_after = request(
        &app,
        "PATCH",
        &format!("/v1/groups/{gid}"),
        &json!({"fixed_at": "2026-11-25T00:00:00Z"}),
    );
    assert_eq!(none_after.status, 200);
    let g = app
        .get(&format!("/v1/groups/{gid}?as_of=2026-11-30T00:00:00Z"))
        .body;
    assert_eq!(
        (g["counts"]["since_fix"].as_u64(), g["regression"].as_bool()),
        (Some(0), Some(false))
    );
    request(
        &app,
        "PATCH",
        &format!("/v1/groups/{gid}"),
        &json!({"status": "done"}),
    )
    .assert_problem(422, "an unknown status");
    request(
        &app,
        "PATCH",
        &format!("/v1/groups/{gid}"),
        &json!({"fixed_at": "soon"}),
    )
    .assert_problem(422, "a fix date that is not a date");
}

#[test]
fn an_automatic_split_is_proposed_first_and_saved_only_when_asked() {
    let app = spawn_app();
    load_fixtures(&app);
    recluster(&app, None);
    let id = clusters(&app)[0]["id"].as_str().expect("id").to_string();
    let before = members(&app, &format!("/v1/clusters/{id}"));
    let preview = app.post_json(
        &format!("/v1/clusters/{id}/split"),
        &json!({"auto": true, "preview": true}),
    );
    assert_eq!(preview.status, 200, "{}", preview.text);
    let parts = preview.body["parts"].as_array().expect("parts");
    assert!(parts.len() >= 2, "{}", preview.text);
    let proposed: usize = parts.iter().map(|p| p.as_array().map_or(0, Vec::len)).sum();
    assert_eq!(proposed, before.len(), "every member is in one part");
    let again = app.post_json(
        &format!("/v1/clusters/{id}/split"),
        &json!({"auto": true, "preview": true}),
    );
    assert_eq!(
        again.body["parts"], preview.body["parts"],
        "the same request proposes the same parts"
    );
    assert_eq!(
        app.get("/v1/decisions").body["decisions"],
        json!([]),
        "a preview saves nothing"
    );
    assert_eq!(members(&app, &format!("/v1/clusters/{id}")), before);
    let saved = app.post_json(&format!("/v1/clusters/{id}/split"), &json!({"auto": 2}));
    assert_eq!(saved.status, 200, "{}", saved.text);
    assert_eq!(saved.body["decision"]["kind"], "split");
    app.post_json(
        &format!("/v1/clusters/{id}/split"),
        &json!({"parts": [["a"]], "auto": 2}),
    )
    .assert_problem(400, "parts and auto together");
    app.post_json(
        &format!("/v1/clusters/{id}/split"),
        &json!({"preview": true, "parts": [["a"]]}),
    )
    .assert_problem(400, "preview without auto");
}

#[test]
fn the_roadmap_ranks_groups_by_the_scoring_file_and_asks_what_is_missing() {
    let app = spawn_app();
    let answer = quokka_group(&app);
    assert_eq!(answer.status, 200, "{}", answer.text);
    let gid = answer.body["group"]["id"]
        .as_str()
        .expect("gid")
        .to_string();
    let at = "as_of=2026-12-01T12:00:00Z";
    let road = app.get(&format!("/v1/roadmap?{at}"));
    assert_eq!(road.status, 200, "{}", road.text);
    assert_eq!(road.body["roadmap"], json!([]));
    let item = &road.body["watchlist"][0];
    assert_eq!(item["group"], gid.as_str());
    // The built-in scoring file: 8 repeats in 90 days → 2, 110 manual
    // minutes → 2, the rest unknown or below their first step.
    assert_eq!(item["score"], 4.0, "{item}");
    assert_eq!(item["band"], "hygiene");
    assert_eq!(
        item["readiness"]["missing"]
            .as_array()
            .expect("missing")
            .len(),
        3,
        "{item}"
    );
    for (bad, says) in [
        (json!({"effort_days": -1}), "effort_days"),
        (json!({"dependency_centrality": 2}), "dependency_centrality"),
        (json!({"fix_class": "rewrite"}), "fix_class"),
    ] {
        let refused = request(&app, "PATCH", &format!("/v1/groups/{gid}"), &bad);
        assert_eq!(refused.status, 422, "{bad}: {}", refused.text);
        assert!(refused.text.contains(says), "{}", refused.text);
    }
    let set = request(
        &app,
        "PATCH",
        &format!("/v1/groups/{gid}"),
        &json!({"effort_days": 3, "dependency_centrality": 0.8, "fix_class": "config-only",
                "problem": "Finance cannot read the ledger: the quokka widget freezes it",
                "measure": "ledger freezes per week", "owner": "ana"}),
    );
    assert_eq!(set.status, 200, "{}", set.text);
    assert_eq!(set.body["plan"]["fix_class"], "config-only");
    let road = app.get(&format!("/v1/roadmap?{at}"));
    assert_eq!(road.body["watchlist"], json!([]), "{}", road.text);
    let item = &road.body["roadmap"][0];
    let points: Vec<f64> = item["breakdown"]
        .as_array()
        .expect("breakdown")
        .iter()
        .map(|p| p["points"].as_f64().expect("points"))
        .collect();
    // repeats 2, users 0, customers 0, manual 2, revenue 0, dependencies 4,
    // effort 3 days → 1 × -1, config-only 3.
    assert_eq!(points, [2.0, 0.0, 0.0, 2.0, 0.0, 4.0, -1.0, 3.0], "{item}");
    assert_eq!(item["score"], 10.0);
    assert_eq!(item["readiness"]["missing"], json!([]));
    app.get("/v1/roadmap?as_of=soon")
        .assert_problem(400, "as_of not a date");

    // The lifecycle: planned needs an expected result and a review date too.
    let early_plan = request(
        &app,
        "PATCH",
        &format!("/v1/groups/{gid}"),
        &json!({"status": "planned"}),
    );
    assert_eq!(early_plan.status, 422, "{}", early_plan.text);
    assert!(
        early_plan.text.contains("an expected result") && early_plan.text.contains("review date"),
        "{}",
        early_plan.text
    );
    assert!(
        !early_plan.text.contains("an owner"),
        "the owner is set: {}",
        early_plan.text
    );
    let planned = request(
        &app,
        "PATCH",
        &format!("/v1/groups/{gid}"),
        &json!({"status": "planned", "expected_result": "no freezes", "review_by": "2026-12-15"}),
    );
    assert_eq!(planned.status, 200, "{}", planned.text);
    assert_eq!(planned.body["status"], "planned");
    let planned_item = &app.get(&format!("/v1/roadmap?{at}")).body["roadmap"][0];
    assert_eq!(planned_item["status"], "planned");
    assert_eq!(
        planned_item["overdue"], false,
        "review by 12-15, as of 12-01"
    );
    let later = &app.get("/v1/roadmap?as_of=2026-12-16T00:00:00Z").body["roadmap"][0];
    assert_eq!(later["overdue"], true, "{later}");
    let unfixed = request(
        &app,
        "PATCH",
        &format!("/v1/groups/{gid}"),
        &json!({"status": "fixed"}),
    );
    assert_eq!(
        unfixed.status, 422,
        "fixed needs fixed_at: {}",
        unfixed.text
    );
    assert!(unfixed.text.contains("fixed_at"), "{}", unfixed.text);

    // A fix on 11-01 noon: one ticket in the 28 days before, five in the 28
    // days after (and one more later) — the fix did not work.
    assert_eq!(
        app.get(&format!("/v1/groups/{gid}/evidence?{at}")).body["verification"],
        Value::Null
    );
    let fixed = request(
        &app,
        "PATCH",
        &format!("/v1/groups/{gid}"),
        &json!({"fixed_at": "2026-11-01T12:00:00Z"}),
    );
    assert_eq!(fixed.status, 200, "{}", fixed.text);
    let v = &app.get(&format!("/v1/groups/{gid}/evidence?{at}")).body["verification"];
    assert_eq!(v["window_days"], 28.0, "{v}");
    assert_eq!(v["before_per_week"], 0.25, "{v}");
    assert_eq!(v["after_per_week"], 1.25, "{v}");
    assert_eq!(v["manual_minutes_after_per_week"], 12.5, "{v}");
    assert_eq!(v["verdict"], "not_yet");
    assert_eq!(
        (v["repeats_after_fix"].clone(), v["regression"].clone()),
        (json!(6), json!(true))
    );
    let early = &app
        .get(&format!(
            "/v1/groups/{gid}/evidence?as_of=2026-11-03T12:00:00Z"
        ))
        .body["verification"];
    assert_eq!(early["verdict"], "too_early", "{early}");
}

#[test]
fn the_scoring_file_is_reloaded_without_a_restart_and_a_bad_one_is_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let scoring = dir.path().join("scoring.toml");
    let write = |bands: &str| {
        std::fs::write(
            &scoring,
            format!("[[factor]]\nname = \"volume\"\ninput = \"tickets\"\npoints = [[1, 1]]\n[bands]\n{bands}\n"),
        )
        .expect("write")
    };
    write("promote = 1");
    let config_path = dir.path().join("refrain.toml");
    std::fs::write(&config_path, "").expect("write");
    let config = refrain::Config::from_file(&config_path).expect("config");
    let app = crate::helpers::spawn_app_with(config);
    let first = request(&app, "POST", "/v1/admin/reload", &json!({}));
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.body["bands"], json!(["promote"]));
    write("promote = 1\nbundle = 0.5");
    let second = request(&app, "POST", "/v1/admin/reload", &json!({}));
    assert_eq!(
        second.body["bands"],
        json!(["promote", "bundle"]),
        "{}",
        second.text
    );
    std::fs::write(
        &scoring,
        "[[factor]]\nname = \"volume\"\ninput = \"loudness\"\npoints = [[1, 1]]\n[bands]\ngo = 1\n",
    )
    .expect("write");
    let bad = request(&app, "POST", "/v1/admin/reload", &json!({}));
    assert_eq!(bad.status, 422, "{}", bad.text);
    assert_eq!(bad.body["code"], "invalid-scoring");
    assert!(bad.text.contains("scoring.toml:3: input"), "{}", bad.text);
    assert!(bad.text.contains("unchanged"), "{}", bad.text);
    request(&app, "POST", "/v1/admin/reload", &json!({"now": true}))
        .assert_problem(400, "options are refused");
}
