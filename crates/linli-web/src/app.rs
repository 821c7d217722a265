//! The router and the middleware stack, outermost first:
//!
//! request id → trace span → panic catcher → timeout → body limit → security headers →
//! metrics → (per surface) request context → same-origin check → error rendering → handler.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::state::AppState;
use crate::{api, assets, context, csrf, limits, metrics, open311, pages};

/// What forms and JSON bodies may weigh; extractors enforce it.
pub const BODY_MAX: usize = 2 * 1024 * 1024;
/// What an uploaded workbook may weigh (100,000 rows of CSV are ~15 MB): only the upload
/// handlers read this much, everything else stops at [`BODY_MAX`].
pub const UPLOAD_MAX: usize = 40 * 1024 * 1024;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The layers every surface (pages, API) puts around its handlers, outermost last: the rate
/// limits and the same-origin check, the body limit, timeout and panic catcher, then the error
/// rendering — which therefore also renders panics, timeouts and oversized bodies — and the
/// request context that everything inside reads.
macro_rules! surface {
    ($router:expr, $state:expr, $context:path, $render:path) => {
        $router
            .layer(middleware::from_fn_with_state($state.clone(), limits::public))
            .layer(middleware::from_fn_with_state($state.clone(), limits::sign_in))
            .layer(middleware::from_fn_with_state($state.clone(), csrf::same_origin_only))
            .layer(DefaultBodyLimit::max(BODY_MAX))
            .layer(RequestBodyLimitLayer::new(UPLOAD_MAX))
            .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, Duration::from_secs(30)))
            .layer(CatchPanicLayer::new())
            .layer(middleware::from_fn($render))
            .layer(middleware::from_fn_with_state($state.clone(), $context))
    };
}

/// The whole application as an axum router.
pub fn app(state: AppState) -> Router {
    let pages = surface!(pages::router(), state, context::for_pages, pages::render_errors);
    let api = surface!(api::router(), state, context::for_api, api::render_errors);
    // Open311 authenticates by the api_key in the body (no cookies), so there is no CSRF to
    // guard against and browser-based GeoReport clients on other sites may post; its errors
    // are GeoReport's own, written by the handlers.
    let open311 = open311::router()
        .layer(middleware::from_fn_with_state(state.clone(), limits::public))
        .layer(DefaultBodyLimit::max(BODY_MAX))
        .layer(RequestBodyLimitLayer::new(BODY_MAX))
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, Duration::from_secs(30)))
        .layer(CatchPanicLayer::new())
        .layer(middleware::from_fn(open311::errors_in_kind))
        .layer(middleware::from_fn_with_state(state.clone(), context::for_api));

    Router::new()
        .nest("/api/v1", api)
        .nest("/open311/v2", open311)
        .merge(pages)
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text))
        .route("/assets/{*path}", get(assets::serve))
        .route_layer(middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(middleware::from_fn_with_state(state.clone(), security_headers))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let id = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or_default();
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .with_state(state)
}

/// Serves `app(state)` on `listener` until `shutdown` completes, then lets requests in
/// flight finish.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let purge = tokio::spawn(housekeeping(state.clone()));
    let outbox = tokio::spawn(crate::notify::run(state.store.clone(), Box::new(crate::notify::LogSender)));
    let router = app(state);
    let result = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await;
    purge.abort();
    outbox.abort();
    result
}

/// Housekeeping every minute: the calendar is re-read (another instance may have changed it),
/// rate-limit memory is trimmed, complaints whose reply is overdue go to the street office; every ten minutes ended sessions are removed; once a day the
/// audit anchor is logged.
async fn housekeeping(state: AppState) {
    let mut every = tokio::time::interval(Duration::from_secs(60));
    let mut minutes = 0u64;
    loop {
        every.tick().await;
        if let Err(e) = state.reload_calendar().await {
            tracing::warn!(error = %e, "could not re-read the calendar; keeping the copy in memory");
        }
        state.limits.tidy();
        match state.store.escalate_overdue_complaints().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(escalated = n, "complaints with an overdue reply went to their street office"),
            Err(e) => tracing::warn!(error = %e, "could not escalate overdue complaints; will retry"),
        }
        if minutes.is_multiple_of(24 * 60) {
            // Kept in the server's log, outside the database: a later `linli audit verify`
            // whose anchor differs unexpectedly shows a rewritten audit log.
            match state.store.audit_anchor().await {
                Ok(anchor) => tracing::info!(%anchor, "audit anchor"),
                Err(e) => tracing::warn!(error = %e, "could not read the audit anchor"),
            }
        }
        if minutes.is_multiple_of(10) {
            match state.store.purge_sessions(state.config.session_idle).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(removed = n, "purged ended sessions"),
                Err(e) => tracing::warn!(error = %e, "could not purge ended sessions; will retry"),
            }
        }
        minutes += 1;
    }
}

async fn healthz() -> &'static str {
    "ok"
}

/// Ready when the database answers.
async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => "ready".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready: the database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// Metrics are for the operator: served to loopback only unless configured otherwise.
async fn metrics_text(State(state): State<AppState>, req: Request) -> Response {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>();
    // Behind a proxy on the same machine every client looks like loopback: a forwarded
    // request is never "local".
    let proxied = req.headers().contains_key("x-forwarded-for");
    let local = peer.is_some_and(|p| p.0.ip().is_loopback()) && !proxied;
    if !local && !state.config.metrics_public {
        return StatusCode::FORBIDDEN.into_response();
    }
    let mut r = state.metrics.render(&state.store).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    r
}

/// No inline script or style anywhere, so the policy can forbid both.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; \
                   form-action 'self'; frame-ancestors 'none'";

async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut r = next.run(req).await;
    let h = r.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, k: &'static str, v: &'static str| {
        h.entry(HeaderName::from_static(k)).or_insert(HeaderValue::from_static(v));
    };
    set(h, "content-security-policy", CSP);
    set(h, "x-content-type-options", "nosniff");
    set(h, "x-frame-options", "DENY");
    set(h, "referrer-policy", "same-origin");
    set(h, "cross-origin-opener-policy", "same-origin");
    set(h, "permissions-policy", "camera=(), microphone=(), payment=(), geolocation=(self)");
    // Pages and API answers may hold personal data: never keep them in shared caches or
    // in the back-button cache of a shared office PC.
    set(h, "cache-control", "no-store");
    if state.config.https {
        set(h, "strict-transport-security", "max-age=31536000; includeSubDomains");
    }
    r
}
