//! Open311 GeoReport v2 under `/open311/v2/`, for third-party apps and hotline systems.
//!
//! `jurisdiction_id` is the community's 12-digit code; catalogue items are services (their
//! extra fields are the service definition's attributes); a request's number is its
//! `service_request_id`. Reads need no key, as the spec has it, and show nothing personal
//! (see `linli_store::window::PublicRequest`); posting needs an API token with the `open311`
//! scope on a node above the community, passed as `api_key`. Errors are GeoReport's own
//! `[{code, description}]`, in the format asked for.

mod format;

use axum::Router;
use axum::extract::{FromRequest, Multipart, Path, Query, RawForm, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use linli_domain::DivisionCode;
use linli_domain::window::FieldKind;
use linli_domain::window::flow::open311_status;
use linli_domain::window::request::RequestInput;
use linli_store::StoreError;
use linli_store::window::{PublicFilter, PublicRequest, ServiceItem};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::context::Ctx;
use crate::state::AppState;
use format::{Doc, Format, error, respond, split};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/{file}", get(top).post(post_request))
        .route("/services/{file}", get(service_definition))
        // The `open311` Python client asks for `service/{code}` (singular).
        .route("/service/{file}", get(service_definition))
        .route("/requests/{file}", get(one_request))
        .route("/tokens/{file}", get(token))
        .fallback(|| async { error(Format::Json, StatusCode::NOT_FOUND, "unknown resource") })
}

/// Errors made by the layers around the handlers (rate limits, body limits, timeouts) in
/// GeoReport's own shape and the format the path asked for.
pub async fn errors_in_kind(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let f = if req.uri().path().to_ascii_lowercase().ends_with(".xml") { Format::Xml } else { Format::Json };
    let response = next.run(req).await;
    let status = response.status();
    let ours = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.starts_with("text/xml"));
    if (status.is_client_error() || status.is_server_error()) && !ours {
        let description = match status {
            StatusCode::TOO_MANY_REQUESTS => "too many requests; wait a minute and retry",
            StatusCode::PAYLOAD_TOO_LARGE => "the request body is too large (2 MB at most; send photos as media_url)",
            StatusCode::SERVICE_UNAVAILABLE => "the server is busy; please retry",
            _ => "the request could not be handled",
        };
        return error(f, status, description);
    }
    response
}

type Params = Vec<(String, String)>;

fn param<'a>(p: &'a Params, name: &str) -> &'a str {
    p.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.trim())
}

/// The jurisdiction asked about, which must be a community.
async fn jurisdiction(state: &AppState, p: &Params, f: Format) -> Result<DivisionCode, Response> {
    let raw = param(p, "jurisdiction_id");
    if raw.is_empty() {
        return Err(error(f, StatusCode::BAD_REQUEST, "jurisdiction_id is required: the community's 12-digit code"));
    }
    let code = DivisionCode::parse(raw)
        .map_err(|_| error(f, StatusCode::NOT_FOUND, &format!("jurisdiction_id {raw} is not a community code")))?;
    match state.store.public_contacts(code).await {
        Ok(_) => Ok(code),
        Err(_) => {
            Err(error(f, StatusCode::NOT_FOUND, &format!("jurisdiction_id {raw} is not a community served here")))
        }
    }
}

fn time_text(t: OffsetDateTime) -> String {
    t.to_offset(linli_domain::workflow::CHINA).format(&Rfc3339).unwrap_or_default()
}

/// `GET discovery`, `GET services`, `GET requests`.
async fn top(State(state): State<AppState>, Path(file): Path<String>, Query(p): Query<Params>) -> Response {
    let Some((name, f)) = split(&file) else {
        return error(Format::Json, StatusCode::NOT_FOUND, "unknown resource: add .json or .xml");
    };
    match name {
        "discovery" => discovery(&state, f),
        "services" => services(&state, &p, f).await,
        "requests" => requests(&state, &p, f).await,
        _ => error(f, StatusCode::NOT_FOUND, &format!("unknown resource {name}")),
    }
}

fn discovery(state: &AppState, f: Format) -> Response {
    let base = state.config.public_url.clone().unwrap_or_default();
    let doc = Doc::Obj(vec![
        ("changeset", Doc::text("2026-11-29T00:00:00+08:00")),
        ("contact", Doc::text("社区服务中心 / community service centre (linli)")),
        (
            "key_service",
            Doc::text(
                "向社区或街道管理员申请 open311 权限的 API 令牌 / ask an administrator for an API token with the open311 scope",
            ),
        ),
        (
            "endpoints",
            Doc::List(
                "endpoint",
                vec![Doc::Obj(vec![
                    ("specification", Doc::text("http://wiki.open311.org/GeoReport_v2")),
                    ("url", Doc::text(format!("{}/open311/v2", base.trim_end_matches('/')))),
                    ("changeset", Doc::text("2026-11-29T00:00:00+08:00")),
                    ("type", Doc::text("production")),
                    ("formats", Doc::List("format", vec![Doc::text("application/json"), Doc::text("text/xml")])),
                ])],
            ),
        ),
    ]);
    respond(f, StatusCode::OK, "discovery", &doc)
}

fn group(item: &ServiceItem) -> &'static str {
    item.category.chinese()
}

async fn services(state: &AppState, p: &Params, f: Format) -> Response {
    let code = match jurisdiction(state, p, f).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let items = match state.store.service_guide(code, "").await {
        Ok(i) => i,
        Err(e) => return internal(f, &e),
    };
    // Only what may be applied for online is offered to public apps.
    let list = items
        .iter()
        .filter(|i| i.accepts(linli_domain::window::Channel::Online))
        .map(|i| {
            Doc::Obj(vec![
                ("service_code", Doc::text(&i.code)),
                ("service_name", Doc::text(&i.name)),
                ("description", Doc::text(&i.description)),
                ("metadata", Doc::Bool(!i.fields.is_empty())),
                ("type", Doc::text("batch")),
                ("keywords", Doc::text(i.subcategory.clone())),
                ("group", Doc::text(group(i))),
            ])
        })
        .collect();
    respond(f, StatusCode::OK, "services", &Doc::List("service", list))
}

/// `GET services/{service_code}`: the item's extra fields as attributes.
async fn service_definition(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(p): Query<Params>,
) -> Response {
    let Some((service_code, f)) = split(&file) else {
        return error(Format::Json, StatusCode::NOT_FOUND, "add .json or .xml");
    };
    let code = match jurisdiction(&state, &p, f).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let item = match state.store.item_by_code(code, service_code).await {
        Ok(i) if i.in_force(linli_store::today()) && i.accepts(linli_domain::window::Channel::Online) => i,
        _ => return error(f, StatusCode::NOT_FOUND, &format!("service_code {service_code} not found")),
    };
    let attributes = item
        .fields
        .iter()
        .enumerate()
        .map(|(n, a)| {
            let datatype = match a.kind {
                FieldKind::Text => "string",
                FieldKind::Number => "number",
                FieldKind::Date => "datetime",
                FieldKind::Choice => "singlevaluelist",
            };
            let mut fields = vec![
                ("variable", Doc::Bool(true)),
                ("code", Doc::text(&a.key)),
                ("datatype", Doc::text(datatype)),
                ("required", Doc::Bool(a.required)),
                ("datatype_description", Doc::text(if a.kind == FieldKind::Date { "YYYY-MM-DD" } else { "" })),
                ("order", Doc::Int(n as i64 + 1)),
                ("description", Doc::text(&a.label)),
            ];
            if !a.choices.is_empty() {
                let values =
                    a.choices.iter().map(|c| Doc::Obj(vec![("key", Doc::text(c)), ("name", Doc::text(c))])).collect();
                fields.push(("values", Doc::List("value", values)));
            }
            Doc::Obj(fields)
        })
        .collect();
    let doc =
        Doc::Obj(vec![("service_code", Doc::text(&item.code)), ("attributes", Doc::List("attribute", attributes))]);
    respond(f, StatusCode::OK, "service_definition", &doc)
}

fn request_doc(r: &PublicRequest) -> Doc {
    Doc::Obj(vec![
        ("service_request_id", Doc::text(&r.number)),
        ("status", Doc::text(open311_status(&r.state))),
        ("status_notes", Doc::text(crate::i18n::t(crate::i18n::Lang::Zh, &format!("window.state.{}", r.state)))),
        ("service_name", Doc::text(&r.item_name)),
        ("service_code", Doc::text(&r.item_code)),
        ("description", Doc::text(&r.description)),
        ("agency_responsible", Doc::text("")),
        ("service_notice", Doc::text("")),
        ("requested_datetime", Doc::text(time_text(r.created_at))),
        ("updated_datetime", Doc::text(time_text(r.updated_at))),
        ("expected_datetime", r.due_at.map_or(Doc::Null, |d| Doc::text(time_text(d)))),
        ("address", Doc::text(&r.address)),
        ("address_id", Doc::text("")),
        ("zipcode", Doc::text("")),
        ("lat", Doc::Null),
        ("long", Doc::Null),
        ("media_url", Doc::text("")),
    ])
}

/// W3C datetimes; clients that leave out the offset mean local (China) time, and a bare date
/// means its midnight.
fn parse_time(s: &str) -> Option<OffsetDateTime> {
    let s = s.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t);
    }
    let naive = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    if let Ok(t) = time::PrimitiveDateTime::parse(s, naive) {
        return Some(t.assume_offset(linli_domain::workflow::CHINA));
    }
    linli_domain::calendar::parse_date(s).map(|d| d.midnight().assume_offset(linli_domain::workflow::CHINA))
}

async fn requests(state: &AppState, p: &Params, f: Format) -> Response {
    let code = match jurisdiction(state, p, f).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let mut filter = PublicFilter { limit: 1000, ..PublicFilter::default() };
    let ids = param(p, "service_request_id");
    if !ids.is_empty() {
        filter.numbers = ids.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).take(50).collect();
    }
    filter.item_codes =
        param(p, "service_code").split(',').map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned).collect();
    for (name, slot) in [("start_date", &mut filter.start), ("end_date", &mut filter.end)] {
        let raw = param(p, name);
        if !raw.is_empty() {
            match parse_time(raw) {
                Some(t) => *slot = Some(t),
                None => {
                    return error(
                        f,
                        StatusCode::BAD_REQUEST,
                        &format!("{name} must be a W3C datetime such as 2026-11-29T09:00:00+08:00"),
                    );
                }
            }
        }
    }
    // The spec's default window: the last 90 days.
    if filter.numbers.is_empty() && filter.start.is_none() && filter.end.is_none() {
        filter.start = Some(OffsetDateTime::now_utc() - time::Duration::days(90));
    }
    // A comma list is allowed; both values mean no filter.
    let statuses: Vec<&str> = param(p, "status").split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
    if let Some(bad) = statuses.iter().find(|s| !matches!(**s, "open" | "closed")) {
        return error(f, StatusCode::BAD_REQUEST, &format!("status must be open or closed, not {bad}"));
    }
    filter.status = match statuses.as_slice() {
        [one] => (*one).to_owned(),
        [first, rest @ ..] if rest.iter().all(|s| s == first) => (*first).to_owned(),
        _ => String::new(),
    };
    match state.store.public_requests(code, &filter).await {
        Ok(rows) => respond(
            f,
            StatusCode::OK,
            "service_requests",
            &Doc::List("request", rows.iter().map(request_doc).collect()),
        ),
        Err(e) => internal(f, &e),
    }
}

/// `GET requests/{service_request_id}`: a list of one, as the spec has it.
async fn one_request(State(state): State<AppState>, Path(file): Path<String>, Query(p): Query<Params>) -> Response {
    let Some((number, f)) = split(&file) else {
        return error(Format::Json, StatusCode::NOT_FOUND, "add .json or .xml");
    };
    let code = match jurisdiction(&state, &p, f).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let filter = PublicFilter { numbers: vec![number.to_owned()], limit: 1, ..PublicFilter::default() };
    match state.store.public_requests(code, &filter).await {
        Ok(rows) if !rows.is_empty() => respond(
            f,
            StatusCode::OK,
            "service_requests",
            &Doc::List("request", rows.iter().map(request_doc).collect()),
        ),
        Ok(_) => error(f, StatusCode::NOT_FOUND, &format!("service_request_id {number} not found")),
        Err(e) => internal(f, &e),
    }
}

/// `GET tokens/{token}`: the request a token was given for.
async fn token(State(state): State<AppState>, Path(file): Path<String>, Query(p): Query<Params>) -> Response {
    let Some((token, f)) = split(&file) else {
        return error(Format::Json, StatusCode::NOT_FOUND, "add .json or .xml");
    };
    let code = match jurisdiction(&state, &p, f).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    match state.store.request_by_token(code, token).await {
        Ok(Some(r)) => {
            let doc = Doc::List(
                "request",
                vec![Doc::Obj(vec![("service_request_id", Doc::text(&r.number)), ("token", Doc::text(token))])],
            );
            respond(f, StatusCode::OK, "service_requests", &doc)
        }
        Ok(None) => error(f, StatusCode::NOT_FOUND, &format!("token {token} not found")),
        Err(e) => internal(f, &e),
    }
}

/// The posted fields: form-encoded as the spec says, or multipart as clients that upload a
/// photo send them (files are ignored; `media_url` is the spec's way).
async fn posted_fields(req: Request) -> Option<Params> {
    let multipart = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if multipart {
        let mut form = Multipart::from_request(req, &()).await.ok()?;
        let mut out = Vec::new();
        while let Ok(Some(field)) = form.next_field().await {
            let Some(name) = field.name().map(str::to_owned) else { continue };
            if field.file_name().is_some() {
                continue;
            }
            out.push((name, field.text().await.ok()?));
        }
        Some(out)
    } else {
        let RawForm(body) = RawForm::from_request(req, &()).await.ok()?;
        serde_urlencoded::from_bytes::<Params>(&body).ok()
    }
}

/// `POST requests`: form-encoded, with `api_key`; attributes arrive as `attribute[f1]=…`.
/// Some clients put `api_key` and `jurisdiction_id` in the query string instead; the body wins.
async fn post_request(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(file): Path<String>,
    Query(query): Query<Params>,
    req: Request,
) -> Response {
    let Some(("requests", f)) = split(&file) else {
        return error(Format::Json, StatusCode::NOT_FOUND, "POST requests.json or requests.xml");
    };
    let Some(mut p) = posted_fields(req).await else {
        return error(
            f,
            StatusCode::BAD_REQUEST,
            "the body must be application/x-www-form-urlencoded (or multipart/form-data)",
        );
    };
    for (k, v) in query {
        if !p.iter().any(|(pk, _)| *pk == k) {
            p.push((k, v));
        }
    }
    let code = match jurisdiction(&state, &p, f).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let key = param(&p, "api_key");
    let actor = match state.store.token_actor(key, ctx.ip.clone()).await {
        Ok(Some(a)) if !a.principal.reaches(&code) => {
            return error(f, StatusCode::FORBIDDEN, "this api_key may not post to this jurisdiction_id");
        }
        Ok(Some(a)) => a,
        Ok(None) => return error(f, StatusCode::FORBIDDEN, "api_key is missing, unknown, expired or revoked"),
        Err(e) => return internal(f, &e),
    };
    let service_code = param(&p, "service_code");
    if service_code.is_empty() {
        return error(f, StatusCode::BAD_REQUEST, "service_code is required");
    }
    let name = format!("{}{}", param(&p, "last_name"), param(&p, "first_name"));
    let mut fields = std::collections::BTreeMap::new();
    for (k, v) in &p {
        if let Some(key) = k.strip_prefix("attribute[").and_then(|r| r.strip_suffix(']')) {
            fields.insert(key.to_owned(), v.clone());
        }
    }
    let input = RequestInput {
        applicant_name: if name.trim().is_empty() { "网络用户".to_owned() } else { name },
        applicant_phone: param(&p, "phone").to_owned(),
        address: param(&p, "address_string").to_owned(),
        description: param(&p, "description").to_owned(),
        mode: String::new(),
        fields,
        received: Vec::new(),
    };
    match state.store.acting(&actor).open311_request(code, service_code, &input).await {
        Ok(taken) => {
            let doc = Doc::List(
                "request",
                vec![Doc::Obj(vec![
                    ("service_request_id", Doc::text(&taken.number)),
                    ("token", taken.token.map_or(Doc::Null, Doc::Text)),
                    (
                        "service_notice",
                        Doc::text("已提交，社区工作人员将尽快受理 / submitted; the community will take it up"),
                    ),
                    ("account_id", Doc::Null),
                ])],
            );
            respond(f, StatusCode::CREATED, "service_requests", &doc)
        }
        Err(StoreError::Invalid(inv)) => {
            let what: Vec<String> = inv
                .0
                .iter()
                .map(|e| {
                    let field = match e.field.as_str() {
                        "applicant_phone" => "phone".to_owned(),
                        "applicant_name" => "first_name".to_owned(),
                        other => other.strip_prefix("fields.").map_or(other.to_owned(), |k| format!("attribute[{k}]")),
                    };
                    format!(
                        "{field}: {}",
                        crate::i18n::tf(
                            crate::i18n::Lang::Zh,
                            &format!("error.{}", e.code),
                            &e.params.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>()
                        )
                    )
                })
                .collect();
            error(f, StatusCode::BAD_REQUEST, &what.join("; "))
        }
        Err(StoreError::NotFound(_)) => {
            error(f, StatusCode::NOT_FOUND, &format!("service_code {service_code} not found"))
        }
        Err(StoreError::Forbidden) => {
            error(f, StatusCode::FORBIDDEN, "this api_key may not post requests (it needs the open311 scope)")
        }
        Err(e) => internal(f, &e),
    }
}

fn internal(f: Format, e: &StoreError) -> Response {
    tracing::error!(error = %e, "open311 request failed");
    error(f, StatusCode::INTERNAL_SERVER_ERROR, "internal error; please retry later")
}
