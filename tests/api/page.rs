//! The reviewer's page as the server hands it out: embedded files, strict
//! headers, and the API's own 404 for everything else.

use std::time::Duration;

use crate::helpers::spawn_app;

struct Got {
    status: u16,
    content_type: String,
    csp: String,
    body: String,
}

/// A GET outside the API contract (the page is not in openapi.yaml).
fn fetch(address: &str, path: &str) -> Got {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let mut r = agent
        .get(format!("{address}{path}"))
        .call()
        .expect("the server answers");
    let header = |name: &str| {
        r.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let (content_type, csp) = (header("content-type"), header("content-security-policy"));
    Got {
        status: r.status().as_u16(),
        content_type,
        csp,
        body: r.body_mut().read_to_string().unwrap_or_default(),
    }
}

#[test]
fn the_page_and_its_assets_are_served_from_the_binary_with_a_strict_policy() {
    let app = spawn_app();
    let page = fetch(&app.address, "/");
    assert_eq!(page.status, 200);
    assert!(
        page.content_type.starts_with("text/html"),
        "{}",
        page.content_type
    );
    assert!(
        page.csp.contains("default-src 'self'") && page.csp.contains("script-src 'self'"),
        "{}",
        page.csp
    );
    assert!(
        page.body.contains(r#"src="/assets/app.js""#),
        "{}",
        page.body
    );
    let script = fetch(&app.address, "/assets/app.js");
    assert_eq!(script.status, 200);
    assert!(
        script.content_type.starts_with("text/javascript"),
        "{}",
        script.content_type
    );
    assert!(script.body.contains("import"), "an ES module");
    let style = fetch(&app.address, "/assets/style.css");
    assert!(
        style.content_type.starts_with("text/css"),
        "{}",
        style.content_type
    );
    for missing in [
        "/assets/nope.js",
        "/assets/../Cargo.toml",
        "/assets/%2e%2e/Cargo.toml",
        "/assets/",
    ] {
        let got = fetch(&app.address, missing);
        assert_eq!(got.status, 404, "{missing}: {}", got.body);
        assert!(
            got.content_type.starts_with("application/problem+json"),
            "{missing}"
        );
    }
    let api = fetch(&app.address, "/v1/nope");
    assert_eq!(api.status, 404);
    assert!(
        api.body.contains("no route"),
        "unknown API paths keep their 404: {}",
        api.body
    );
}
