//! Static assets compiled into the binary: community offices are often offline or filtered,
//! so nothing is loaded from a CDN.
//!
//! URLs carry a content hash (`/assets/app.css?v=1a2b3c4d`), so browsers may cache them for a
//! year and still see a new version the moment it ships.

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::extract::{Path, Query};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "assets/"]
struct Assets;

static VERSIONS: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
    Assets::iter()
        .filter_map(|name| {
            let file = Assets::get(&name)?;
            Some((name.to_string(), hex::encode(&file.metadata.sha256_hash()[..4])))
        })
        .collect()
});

/// The versioned URL of an asset.
pub fn url(name: &str) -> String {
    match VERSIONS.get(name) {
        Some(v) => format!("/assets/{name}?v={v}"),
        None => format!("/assets/{name}"),
    }
}

#[derive(serde::Deserialize)]
pub struct Version {
    v: Option<String>,
}

pub async fn serve(Path(path): Path<String>, Query(q): Query<Version>) -> Response {
    let Some(file) = Assets::get(&path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let immutable = q.v.is_some() && q.v.as_deref() == VERSIONS.get(&path).map(String::as_str);
    let cache = if immutable { "public, max-age=31536000, immutable" } else { "public, max-age=300" };
    let mime = file.metadata.mimetype();
    let mut r = file.data.into_owned().into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(mime).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    r
}
