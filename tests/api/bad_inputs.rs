//! Every malformed request gets the right 4xx as problem+json, and nothing
//! of a refused batch is stored.

use serde_json::{Value, json};

use crate::helpers::{spawn_app, ticket};

struct Case {
    why: &'static str,
    method: &'static str,
    path: &'static str,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    status: u16,
}

fn post(why: &'static str, body: Value, status: u16) -> Case {
    Case {
        why,
        method: "POST",
        path: "/v1/tickets",
        content_type: Some("application/json"),
        body: body.to_string().into_bytes(),
        status,
    }
}

fn raw(
    why: &'static str,
    content_type: Option<&'static str>,
    body: impl Into<Vec<u8>>,
    status: u16,
) -> Case {
    Case {
        why,
        method: "POST",
        path: "/v1/tickets",
        content_type,
        body: body.into(),
        status,
    }
}

fn get(why: &'static str, path: &'static str, status: u16) -> Case {
    Case {
        why,
        method: "GET",
        path,
        content_type: None,
        body: Vec::new(),
        status,
    }
}

fn with(field: &str, value: Value) -> Value {
    let mut t = ticket("bad", "some text");
    t[field] = value;
    json!([t])
}

fn cases() -> Vec<Case> {
    let many: Vec<Value> = (0..5001).map(|i| ticket(&format!("m{i}"), "x")).collect();
    let huge = vec![b' '; 10 * 1024 * 1024 + 1];
    vec![
        raw(
            "malformed JSON",
            Some("application/json"),
            "[{\"id\": ",
            400,
        ),
        raw(
            "not UTF-8",
            Some("application/json"),
            vec![0xff, 0xfe, 0x00],
            400,
        ),
        raw("trailing garbage", Some("application/json"), "[] x", 400),
        post("a JSON string, not an array", json!("tickets"), 400),
        post("a JSON number", json!(42), 400),
        post("an empty array", json!([]), 400),
        post("missing id", json!([{"body": "no id"}]), 422),
        post("empty id", with("id", json!("")), 422),
        post("id with a newline", with("id", json!("a\nb")), 422),
        post(
            "id over 256 characters",
            with("id", json!("x".repeat(257))),
            422,
        ),
        post("id is a number", with("id", json!(12)), 422),
        post("no title and no body", json!([{"id": "e"}]), 422),
        post("whitespace-only body", with("body", json!("   \n")), 422),
        post(
            "65 KiB body",
            with("body", json!("x".repeat(65 * 1024))),
            422,
        ),
        post(
            "9 KiB title",
            with("title", json!("x".repeat(9 * 1024))),
            422,
        ),
        post("unknown tag", with("tags", json!(["urgent"])), 422),
        post("tags not a list", with("tags", json!("weak-ux")), 422),
        post(
            "bad created_at",
            with("created_at", json!("yesterday")),
            422,
        ),
        post(
            "date without time",
            with("created_at", json!("2026-11-23")),
            422,
        ),
        post(
            "source with capitals and spaces",
            with("source", json!("Support Team")),
            422,
        ),
        post(
            "negative manual_minutes",
            with("manual_minutes", json!(-5)),
            422,
        ),
        post(
            "manual_minutes as text",
            with("manual_minutes", json!("ten")),
            422,
        ),
        post("unknown field", with("tittle", json!("typo")), 422),
        post(
            "an item that is not an object",
            json!([ticket("ok1", "fine"), 7]),
            422,
        ),
        post(
            "one bad among good ones",
            json!([ticket("ok2", "fine"), {"id": "bad2"}, ticket("ok3", "fine")]),
            422,
        ),
        raw(
            "NDJSON with one bad line",
            Some("application/x-ndjson"),
            format!(
                "{}\n{{\"id\":\"b\",\"tags\":[\"nope\"],\"body\":\"x\"}}\n",
                ticket("ok4", "fine")
            ),
            422,
        ),
        raw(
            "NDJSON with a line that is not JSON",
            Some("application/x-ndjson"),
            format!("{}\nnot json at all\n", ticket("ok5", "fine")),
            422,
        ),
        raw(
            "CSV with an unknown column",
            Some("text/csv"),
            "id,text\na,b\n",
            400,
        ),
        post("over 5,000 tickets in one batch", Value::Array(many), 413),
        raw("body over 10 MiB", Some("application/json"), huge, 413),
        raw(
            "no content type",
            None,
            json!([ticket("ok6", "fine")]).to_string(),
            415,
        ),
        raw(
            "text/plain content type",
            Some("text/plain"),
            json!([ticket("ok7", "fine")]).to_string(),
            415,
        ),
        Case {
            path: "/v1/tickets?refresh=now",
            ..post("unknown refresh value", json!([ticket("ok8", "x")]), 400)
        },
        Case {
            path: "/v1/tickets?bogus=1",
            ..post(
                "unknown query parameter on POST",
                json!([ticket("ok9", "x")]),
                400,
            )
        },
        get("unknown query parameter", "/v1/tickets?sort=up", 400),
        get("limit 0", "/v1/tickets?limit=0", 400),
        get("limit over the maximum", "/v1/tickets?limit=100000", 400),
        get("limit not a number", "/v1/tickets?limit=ten", 400),
        get("since not a date", "/v1/tickets?since=last-week", 400),
        get("cursor not ours", "/v1/tickets?cursor=xyz", 400),
        get("search cursor on a listing", "/v1/tickets?cursor=l10", 400),
        raw(
            "the same id twice in one batch",
            Some("application/json"),
            json!([ticket("twice", "a"), ticket("twice", "b")]).to_string(),
            422,
        ),
        raw(
            "a key given twice in one ticket",
            Some("application/json"),
            r#"[{"id":"k","body":"a","body":"b"}]"#,
            422,
        ),
        raw(
            "CSV whose quoted field is never closed",
            Some("text/csv"),
            "id,title\na,\"never closed\n",
            422,
        ),
        raw(
            "CSV naming a column twice",
            Some("text/csv"),
            "id,title,id\na,b,c\n",
            400,
        ),
        raw("an empty JSON body", Some("application/json"), "", 400),
        raw(
            "an empty NDJSON body",
            Some("application/x-ndjson"),
            "",
            400,
        ),
        raw("an empty CSV body", Some("text/csv"), "", 400),
        raw(
            "CSV that is not UTF-8",
            Some("text/csv"),
            b"id,title\na,caf\xe9\n".to_vec(),
            400,
        ),
        Case {
            path: "/v1/recluster",
            ..raw(
                "a re-cluster body that is an array",
                Some("application/json"),
                "[]",
                400,
            )
        },
        Case {
            path: "/v1/recluster",
            ..raw(
                "a re-cluster body that is null",
                Some("application/json"),
                "null",
                400,
            )
        },
        Case {
            path: "/v1/recluster",
            ..raw(
                "a re-cluster body over the limit",
                Some("application/json"),
                vec![b' '; 10 * 1024 * 1024 + 1],
                413,
            )
        },
        get(
            "a cluster cursor past u64",
            "/v1/clusters?cursor=o18446744073709551615",
            400,
        ),
        get("unknown ticket", "/v1/tickets/does-not-exist", 404),
        get("unknown route", "/v2/tickets", 404),
        Case {
            method: "DELETE",
            ..get("wrong method", "/v1/tickets", 405)
        },
        Case {
            method: "PUT",
            ..get("wrong method on a ticket", "/v1/tickets/x", 405)
        },
    ]
}

#[test]
fn every_bad_input_gets_a_clear_4xx_and_stores_nothing() {
    let app = spawn_app();
    let cases = cases();
    assert!(
        cases.len() >= 30,
        "the table should cover at least 30 bad inputs"
    );
    for case in cases {
        let answer = app.request(
            case.method,
            case.path,
            case.content_type,
            Some(case.body),
            None,
        );
        answer.assert_problem(case.status, case.why);
        assert_eq!(
            app.stored_tickets(),
            0,
            "{}: nothing may be stored",
            case.why
        );
    }
}

#[test]
fn a_refused_batch_lists_each_bad_item_with_index_field_and_reason() {
    let app = spawn_app();
    let batch = json!([
        ticket("fine", "ok"),
        {"id": "", "body": "x"},
        ticket("fine2", "ok"),
        {"id": "t", "body": "x", "tags": ["nope"], "created_at": "soon"}
    ]);
    let answer = app.post_tickets(&batch);
    answer.assert_problem(422, "two bad items");
    let errors = answer.body["errors"].as_array().expect("errors listed");
    let found: Vec<(u64, &str)> = errors
        .iter()
        .map(|e| {
            (
                e["index"].as_u64().expect("index"),
                e["field"].as_str().expect("field"),
            )
        })
        .collect();
    assert_eq!(found, [(1, "id"), (3, "created_at"), (3, "tags")]);
    assert!(
        errors
            .iter()
            .all(|e| e["reason"].as_str().is_some_and(|r| r.len() > 10))
    );
    assert!(
        answer.body["detail"]
            .as_str()
            .unwrap_or("")
            .contains("2 of 4")
    );
    assert_eq!(app.stored_tickets(), 0);
}

#[test]
fn ndjson_errors_carry_the_line_number() {
    let app = spawn_app();
    let body = format!("{}\n\n{{\"id\":\"x\"}}\n", ticket("a", "fine"));
    let answer = app.request(
        "POST",
        "/v1/tickets",
        Some("application/x-ndjson"),
        Some(body.into_bytes()),
        None,
    );
    answer.assert_problem(422, "bad line");
    assert_eq!(answer.body["errors"][0]["line"], 3);
    assert_eq!(answer.body["errors"][0]["index"], 1);
}
