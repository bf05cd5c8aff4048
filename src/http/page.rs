//! The reviewer's page: `GET /` and `GET /assets/…`, from the files under
//! `web/` that the build embeds (see `build.rs`). No data is in them, so
//! they are served without a token; the page asks for one when the API
//! does.
//!
//! With `REFRAIN_WEB_DIR` set, the files are read from that directory at
//! each request instead, so the page can be worked on without rebuilding.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

use crate::http::problem::ApiError;

/// `(path under web/, bytes)` of every embedded file.
static ASSETS: &[(&str, &[u8])] = include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));

/// Where the page may load from and talk to: itself only.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("json") => "application/json",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// The bytes of `path` (relative to `web/`), from `REFRAIN_WEB_DIR` when
/// it is set, else from the binary.
fn asset(path: &str) -> Option<Vec<u8>> {
    if path
        .split('/')
        .any(|part| part.is_empty() || part == "." || part == "..")
    {
        return None;
    }
    if let Some(dir) = std::env::var_os("REFRAIN_WEB_DIR") {
        return std::fs::read(std::path::Path::new(&dir).join(path)).ok();
    }
    ASSETS
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, bytes)| bytes.to_vec())
}

fn serve(path: &str, cache: &'static str) -> Result<HttpResponse, ApiError> {
    let bytes = asset(path).ok_or_else(|| {
        ApiError::not_found(format!(
            "the page has no file '{}'; open / for the reviewer's page, or see openapi.yaml for the API under /v1",
            crate::model::truncate(path, 200)
        ))
    })?;
    Ok(HttpResponse::Ok()
        .content_type(content_type(path))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .body(bytes))
}

/// `GET /`: the page.
pub async fn index() -> Result<HttpResponse, ApiError> {
    serve("index.html", "no-cache")
}

/// `GET /assets/{path}`: its scripts, styles and images.
pub async fn assets(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let path = req.match_info().query("path");
    serve(&format!("assets/{path}"), "no-cache")
}
