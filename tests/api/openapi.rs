//! openapi.yaml is the contract: every route the server serves is in it,
//! and every answer the tests receive matches its schema.

use std::sync::OnceLock;

use serde_json::{Value, json};

use crate::helpers::{Answer, spawn_app};

fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml");
        let text = std::fs::read_to_string(path).expect("openapi.yaml at the repo root");
        serde_norway::from_str(&text).expect("openapi.yaml is valid YAML")
    })
}

/// The spec's path template that `path` (without query) matches.
fn template_for(path: &str) -> Option<&'static str> {
    let path = path.split('?').next().unwrap_or(path);
    let segments: Vec<&str> = path.split('/').collect();
    spec()["paths"]
        .as_object()?
        .keys()
        .map(String::as_str)
        .find(|template| {
            let parts: Vec<&str> = template.split('/').collect();
            parts.len() == segments.len()
                && parts.iter().zip(&segments).all(|(t, s)| {
                    t == s || (t.starts_with('{') && t.ends_with('}') && !s.is_empty())
                })
        })
}

fn validate(schema: &Value, instance: &Value) -> Result<(), String> {
    let mut root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": spec()["components"].clone(),
        "allOf": [schema],
    });
    if let Some(obj) = root.as_object_mut() {
        obj.retain(|_, v| !v.is_null());
    }
    let validator =
        jsonschema::validator_for(&root).map_err(|e| format!("schema does not compile: {e}"))?;
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

/// Checks one answer against the operation's documented response.
pub fn assert_answer_matches_spec(method: &str, path: &str, answer: &Answer) {
    let Some(template) = template_for(path) else {
        // Unknown routes get the generic problem answer.
        let problem = json!({"$ref": "#/components/schemas/Problem"});
        validate(&problem, &answer.body)
            .unwrap_or_else(|e| panic!("{method} {path} -> {}: {e}", answer.status));
        return;
    };
    let operation = &spec()["paths"][template][method.to_ascii_lowercase()];
    if operation.is_null() {
        assert_eq!(
            answer.status, 405,
            "{method} {template} is not in openapi.yaml but answered {}",
            answer.status
        );
        let problem = json!({"$ref": "#/components/schemas/Problem"});
        validate(&problem, &answer.body).unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        return;
    }
    let status = answer.status.to_string();
    let response = &operation["responses"][&status];
    assert!(
        !response.is_null(),
        "{method} {template} answered {status}, which openapi.yaml does not list: {}",
        answer.text
    );
    let media = answer.content_type.split(';').next().unwrap_or("").trim();
    let content = &response["content"][media];
    assert!(
        !content.is_null(),
        "{method} {template} {status} answered {media}, which openapi.yaml does not list"
    );
    let schema = &content["schema"];
    if schema.is_null() {
        return;
    }
    let instance = if media.ends_with("json") {
        answer.body.clone()
    } else {
        Value::String(answer.text.clone())
    };
    if let Err(e) = validate(schema, &instance) {
        panic!(
            "{method} {path} -> {status} does not match openapi.yaml: {e}\nbody: {}",
            answer.text
        );
    }
}

#[test]
fn every_served_route_is_documented_and_every_documented_route_is_served() {
    let app = spawn_app();
    let documented: Vec<(String, String)> = spec()["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .expect("a path item")
                .keys()
                .filter(|k| ["get", "post", "put", "patch", "delete"].contains(&k.as_str()))
                .map(move |m| (m.to_ascii_uppercase(), path.clone()))
        })
        .collect();
    for (method, path) in refrain::http::ROUTES {
        assert!(
            documented.iter().any(|(m, p)| m == method && p == path),
            "{method} {path} is served but not in openapi.yaml"
        );
        // The live server knows the route: it never answers the generic unknown-route 404.
        let concrete = path.replace("{id}", "some-id");
        let body = (*method == "POST").then(|| b"[]".to_vec());
        let answer = app.request(method, &concrete, Some("application/json"), body, None);
        let generic = answer.status == 404
            && answer.body["detail"]
                .as_str()
                .unwrap_or("")
                .contains("no route");
        assert!(
            !generic && answer.status != 405,
            "{method} {path} is listed in ROUTES but not served"
        );
    }
    for (method, path) in &documented {
        assert!(
            refrain::http::ROUTES
                .iter()
                .any(|(m, p)| m == method && p == path),
            "{method} {path} is in openapi.yaml but the server does not serve it"
        );
    }
}

#[test]
fn the_spec_is_openapi_3_1_with_problem_errors() {
    assert!(spec()["openapi"].as_str().unwrap_or("").starts_with("3.1"));
    for (path, item) in spec()["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            let Some(responses) = operation.get("responses").and_then(Value::as_object) else {
                continue;
            };
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    assert!(
                        !response["content"]["application/problem+json"].is_null(),
                        "{method} {path} {status} must be application/problem+json"
                    );
                }
            }
        }
    }
}

#[test]
fn the_schema_check_rejects_answers_that_break_the_contract() {
    let view = json!({"$ref": "#/components/schemas/TicketView"});
    let good = json!({"id": "a", "source": "ops", "created_at": "2026-11-20T10:00:00Z", "ingested_at": "2026-11-20T10:00:01Z", "body": "x"});
    assert!(validate(&view, &good).is_ok());
    for bad in [
        json!({"id": 5, "source": "ops", "created_at": "2026-11-20T10:00:00Z", "ingested_at": "2026-11-20T10:00:01Z"}),
        json!({"id": "a", "source": "ops", "created_at": "2026-11-20T10:00:00Z"}),
        json!({"id": "a", "source": "ops", "created_at": "2026-11-20T10:00:00Z", "ingested_at": "2026-11-20T10:00:01Z", "surprise": 1}),
    ] {
        assert!(validate(&view, &bad).is_err(), "{bad}");
    }
}
