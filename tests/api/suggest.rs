//! suggest-group through the API: it learns from every decision at once,
//! says `new` when nothing fits, and refuses bad requests in words.

use serde_json::{Value, json};

use crate::clusters::recluster;
use crate::helpers::{TestApp, spawn_app, spawn_app_with, ticket};

/// Tickets of three symptoms, 30 each in six phrasings.
fn load_symptoms(app: &TestApp) {
    let mut tickets = Vec::new();
    let login = [
        "stuck in a login loop after the update",
        "login loop again on the web app",
        "the login loop is back this morning",
        "endless login loop on mobile",
        "login loop when I open the dashboard",
        "caught in a login loop since yesterday",
    ];
    let sign_in = [
        "can't sign in to my account",
        "I cannot sign in since the reset",
        "can't sign in on the phone",
        "unable to sign in, it says try again",
        "still can't sign in",
        "sign in fails every time",
    ];
    let invoice = [
        "invoice pdf is blank",
        "the invoice pdf shows nothing",
        "blank invoice pdf download",
        "invoice pdf empty when exported",
        "my invoice pdf is blank again",
        "downloaded invoice pdf has no content",
    ];
    // Leiden's resolution is set for real corpora: a symptom needs a few
    // dozen tickets to form a cluster of its own.
    for (kind, texts) in [("login", login), ("signin", sign_in), ("invoice", invoice)] {
        for (i, t) in texts.iter().cycle().take(30).enumerate() {
            let when = [
                "",
                " today",
                " on android",
                " on the website",
                " since monday",
            ][i / 6];
            tickets.push(ticket(&format!("{kind}-{i}"), &format!("{t}{when}")));
        }
    }
    let stored = app.post_tickets(&Value::Array(tickets));
    assert_eq!(stored.status, 200, "{}", stored.text);
}

fn suggest(app: &TestApp, text: &str) -> Value {
    let answer = app.post_json("/v1/suggest-group", &json!({"text": text, "limit": 3}));
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.body
}

/// Splits every open cluster that holds tickets of more than one kind (the
/// id's prefix) by kind, as a reviewer would: the tests then do not depend
/// on how a small corpus clusters.
fn sort_by_kind(app: &TestApp) -> usize {
    let mut splits = 0;
    let listed = app.get("/v1/clusters?limit=1000");
    for c in listed.body["clusters"]
        .as_array()
        .expect("clusters")
        .clone()
    {
        let id = c["id"].as_str().expect("id");
        let detail = app.get(&format!("/v1/clusters/{id}?limit=1000"));
        let mut parts: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for m in detail.body["members"].as_array().expect("members") {
            let t = m["id"].as_str().expect("member").to_string();
            let kind = t.split('-').next().unwrap_or("").to_string();
            parts.entry(kind).or_default().push(t);
        }
        if parts.len() > 1 {
            let parts: Vec<Vec<String>> = parts.into_values().collect();
            let split = app.post_json(
                &format!("/v1/clusters/{id}/split"),
                &json!({"parts": parts}),
            );
            assert_eq!(split.status, 200, "{}", split.text);
            splits += 1;
        }
    }
    splits
}

/// Confirms the open cluster holding `member` as a new group `name`.
fn confirm_cluster_of(app: &TestApp, member: &str, name: &str) -> String {
    let listed = app.get("/v1/clusters?limit=1000");
    for c in listed.body["clusters"].as_array().expect("clusters") {
        let id = c["id"].as_str().expect("id");
        let detail = app.get(&format!("/v1/clusters/{id}?limit=1000"));
        let holds = detail.body["members"]
            .as_array()
            .expect("members")
            .iter()
            .any(|m| m["id"] == member);
        if holds {
            let answer = app.post_json(
                &format!("/v1/clusters/{id}/confirm"),
                &json!({"name": name, "tag": "weak-ux"}),
            );
            assert_eq!(answer.status, 200, "{}", answer.text);
            return answer.body["group"]["id"]
                .as_str()
                .expect("gid")
                .to_string();
        }
    }
    panic!("no open cluster holds {member}");
}

#[test]
fn suggestions_follow_every_decision_at_once() {
    let app = spawn_app();
    load_symptoms(&app);
    let before = suggest(&app, "stuck in a login loop");
    assert_eq!(before["verdict"], "new", "no group yet: {before}");
    assert_eq!(before["suggestions"], json!([]));
    recluster(&app, None);
    let _ = sort_by_kind(&app);
    let login = confirm_cluster_of(&app, "login-0", "Login loop");
    let invoice = confirm_cluster_of(&app, "invoice-0", "Blank invoice");

    let answer = suggest(&app, "a login loop after I updated");
    assert_eq!(answer["verdict"], "match", "{answer}");
    let best = &answer["suggestions"][0];
    assert_eq!(best["group"], login.as_str());
    assert_eq!(best["name"], "Login loop");
    assert!(
        best["why"]
            .as_array()
            .expect("why")
            .iter()
            .any(|t| t == "loop"),
        "{best}"
    );
    assert!(best["count"].as_u64().expect("count") >= 1);
    assert_eq!(
        suggest(&app, "blank invoice pdf")["suggestions"][0]["group"],
        invoice.as_str()
    );
    assert_eq!(
        suggest(&app, "please change my billing address")["verdict"],
        "new"
    );

    // A reviewer puts the "can't sign in" tickets in the login loop group:
    // the next "cannot sign in" ticket is a match for it.
    let sign_in = suggest(&app, "I cannot sign in");
    assert_ne!(sign_in["verdict"], "match", "not taught yet: {sign_in}");
    let ids: Vec<String> = (0..30).map(|i| format!("signin-{i}")).collect();
    let moved = app.post_json(&format!("/v1/groups/{login}/tickets"), &json!({"ids": ids}));
    assert_eq!(moved.status, 200, "{}", moved.text);
    let taught = suggest(&app, "I cannot sign in");
    assert_eq!(taught["verdict"], "match", "{taught}");
    assert_eq!(taught["suggestions"][0]["group"], login.as_str());

    // Undo takes the lesson back.
    let decision = moved.body["decision"]["id"].as_str().expect("decision id");
    let undone = app.post_json(&format!("/v1/decisions/{decision}/undo"), &json!({}));
    assert_eq!(undone.status, 200, "{}", undone.text);
    assert_ne!(suggest(&app, "I cannot sign in")["verdict"], "match");
}

#[test]
fn each_part_of_a_split_keeps_its_own_phrasing() {
    // A coarse resolution: both phrasings come out as one cluster, which
    // the reviewer splits.
    let settings = refrain::config::Settings {
        cluster: refrain::cluster::ClusterParams {
            resolution: 0.2,
            ..Default::default()
        },
        ..Default::default()
    };
    let app = spawn_app_with(settings.check().expect("valid settings"));
    let shop = [
        "card declined at the shop till",
        "my card was declined in the store",
        "declined at the supermarket till",
        "shop terminal declined my card",
        "card refused at the shop counter",
        "the store till keeps declining my card",
    ];
    let online = [
        "card declined online",
        "online payment declined on the website",
        "my card is declined when I pay online",
        "declined at the online checkout",
        "website says card declined",
        "cannot pay online, card declined",
    ];
    let mut tickets = Vec::new();
    for (kind, texts) in [("shop", shop), ("online", online)] {
        for (i, t) in texts.iter().cycle().take(30).enumerate() {
            let when = ["", " today", " again", " this week", " twice now"][i / 6];
            tickets.push(ticket(&format!("{kind}-{i}"), &format!("{t}{when}")));
        }
    }
    assert_eq!(app.post_tickets(&Value::Array(tickets)).status, 200);
    recluster(&app, None);
    assert_eq!(sort_by_kind(&app), 1, "one cluster held both phrasings");
    let shop = confirm_cluster_of(&app, "shop-0", "Declined in shop");
    let online = confirm_cluster_of(&app, "online-0", "Declined online");
    assert_eq!(
        suggest(&app, "card declined at the shop")["suggestions"][0]["group"],
        shop.as_str()
    );
    assert_eq!(
        suggest(&app, "declined online at checkout")["suggestions"][0]["group"],
        online.as_str()
    );
}

#[test]
fn bad_suggest_requests_are_refused_in_words() {
    let app = spawn_app();
    let cases: Vec<(Value, u16, &str)> = vec![
        (json!({"text": ""}), 422, "empty"),
        (json!({"text": "   "}), 422, "empty"),
        (
            json!({"text": "x".repeat(65 * 1024)}),
            422,
            "over the limit",
        ),
        (json!({"text": "login", "limit": 0}), 422, "1 to 20"),
        (json!({"text": "login", "limit": 500}), 422, "1 to 20"),
        (
            json!({"text": "login", "colour": "red"}),
            400,
            "unknown field",
        ),
        (json!({}), 422, "either"),
        (
            json!({"text": "a", "ticket": {"id": "t1", "body": "b"}}),
            422,
            "either",
        ),
        (json!({"text": "login", "store": true}), 422, "store"),
        (
            json!({"ticket": {"id": "t1", "body": "b", "created_at": "yesterday"}}),
            422,
            "ticket.created_at",
        ),
    ];
    for (body, status, words) in cases {
        let answer = app.post_json("/v1/suggest-group", &body);
        answer.assert_problem(status, words);
        assert!(
            answer.body["detail"].as_str().unwrap_or("").contains(words),
            "{body} → {}",
            answer.text
        );
    }
}

#[test]
fn a_whole_ticket_is_ranked_and_stored_only_when_asked() {
    let app = spawn_app();
    load_symptoms(&app);
    recluster(&app, None);
    let login = confirm_cluster_of(&app, "login-0", "Login loop");
    let body =
        json!({"ticket": {"id": "new-1", "title": "login loop", "body": "again after update"}});
    let answer = app.post_json("/v1/suggest-group", &body);
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.body["suggestions"][0]["group"], login.as_str());
    assert_eq!(app.get("/v1/tickets/new-1").status, 404, "not stored");
    let body =
        json!({"ticket": {"id": "new-1", "title": "login loop", "body": "again"}, "store": true});
    assert_eq!(app.post_json("/v1/suggest-group", &body).status, 200);
    assert_eq!(app.get("/v1/tickets/new-1").status, 200, "stored");
}

#[test]
fn a_batch_can_ask_for_each_ticket_s_suggestion() {
    let app = spawn_app();
    load_symptoms(&app);
    recluster(&app, None);
    let _ = sort_by_kind(&app);
    let login = confirm_cluster_of(&app, "login-0", "Login loop");
    let batch = json!([
        ticket("arrive-1", "stuck in a login loop since the update"),
        ticket("arrive-2", "please change my billing address"),
    ]);
    let answer = app.post_json("/v1/tickets?suggest=true", &batch);
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.body["created"], 2);
    let s = answer.body["suggestions"].as_array().expect("suggestions");
    assert_eq!(s.len(), 2);
    assert_eq!(s[0]["ticket"], "arrive-1");
    assert_eq!(s[0]["verdict"], "match", "{}", answer.text);
    assert_eq!(s[0]["suggestions"][0]["group"], login.as_str());
    assert_eq!(s[1]["verdict"], "new", "{}", answer.text);
    let plain = app.post_json("/v1/tickets", &json!([ticket("arrive-3", "login loop")]));
    assert!(plain.body.get("suggestions").is_none(), "{}", plain.text);
    app.post_json("/v1/tickets?suggest=maybe", &batch)
        .assert_problem(400, "suggest=");
}
