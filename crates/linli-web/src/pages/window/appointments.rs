//! 预约 and 咨询 pages: the window's day of bookings with slots to open and callers to book,
//! residents booking, changing and cancelling, and the consultation log.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, Response};
use axum_extra::extract::CookieJar;
use linli_domain::calendar::parse_date;
use linli_domain::window::appointment::SlotsInput;
use linli_store::StoreError;
use linli_store::acting::display_name;
use linli_store::window::{Booking, Consultation, ConsultationInput, SlotView};
use serde::Deserialize;
use time::Date;

use super::desk::community;
use super::{when, word};
use crate::api::{code_param, id_param};
use crate::auth::Me;
use crate::context::Ctx;
use crate::csrf::Form;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::pages::layout::PageCtx;
use crate::pages::{FormErrors, done, render, render_with};
use crate::state::AppState;

pub struct SlotLine {
    pub id: String,
    pub day: String,
    pub time: String,
    pub left: i64,
    pub capacity: i32,
    pub item: String,
    pub window: String,
}

fn hm(t: time::OffsetDateTime) -> String {
    let l = t.to_offset(linli_domain::workflow::CHINA);
    format!("{:02}:{:02}", l.hour(), l.minute())
}

fn slot_line(s: &SlotView) -> SlotLine {
    SlotLine {
        id: s.id.to_string(),
        day: s.starts_at.to_offset(linli_domain::workflow::CHINA).date().to_string(),
        time: format!("{}–{}", hm(s.starts_at), hm(s.ends_at)),
        left: s.left(),
        capacity: s.capacity,
        item: s.item_name.clone().unwrap_or_default(),
        window: s.service_window.clone(),
    }
}

pub struct BookingLine {
    pub id: String,
    pub community: String,
    pub day: String,
    pub time: String,
    pub item: String,
    pub window: String,
    pub name: String,
    pub phone: String,
    pub state: String,
    pub state_code: String,
    pub open: bool,
}

fn booking_line(lang: Lang, b: &Booking) -> BookingLine {
    BookingLine {
        id: b.id.to_string(),
        community: b.community_code.clone(),
        day: b.starts_at.to_offset(linli_domain::workflow::CHINA).date().to_string(),
        time: format!("{}–{}", hm(b.starts_at), hm(b.ends_at)),
        item: b.item_name.clone().unwrap_or_default(),
        window: b.service_window.clone(),
        name: b.name.clone(),
        phone: b.phone_masked.clone(),
        state: word(lang, "booking", &b.state),
        state_code: b.state.clone(),
        // The store refuses changes once a slot has begun; so do the buttons.
        open: b.state == "booked" && b.starts_at > linli_store::now(),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DayQuery {
    day: String,
}

#[derive(Template)]
#[template(path = "window/appointments.html")]
struct DayPage {
    page: PageCtx,
    code: String,
    name: String,
    day: String,
    prev: String,
    next: String,
    bookings: Vec<BookingLine>,
    slots: Vec<SlotLine>,
    items: Vec<(String, String)>,
    f: SlotsInput,
    errors: FormErrors,
    is_today_or_past: bool,
}

async fn day_page(
    state: &AppState,
    ctx: &Ctx,
    me: &Me,
    code: &str,
    day: Date,
    f: SlotsInput,
    errors: FormErrors,
) -> Result<DayPage, AppError> {
    let (community, name) = community(state, code).await?;
    let acting = state.store.acting(&me.actor);
    let bookings = acting.bookings_on(community, day).await?;
    let slots = acting.slots(community, day, 1, None).await?;
    let items = acting
        .catalogue(community)
        .await?
        .into_iter()
        .filter(|i| i.adopted && i.in_force(linli_store::today()))
        .map(|i| (i.id.to_string(), i.name))
        .collect();
    Ok(DayPage {
        page: PageCtx::new(ctx, "window.appointments_title"),
        code: community.to_string(),
        name,
        day: day.to_string(),
        prev: day.previous_day().unwrap_or(day).to_string(),
        next: day.next_day().unwrap_or(day).to_string(),
        bookings: bookings.iter().map(|b| booking_line(ctx.lang, b)).collect(),
        slots: slots.iter().map(slot_line).collect(),
        items,
        f,
        errors,
        is_today_or_past: day <= linli_store::today(),
    })
}

pub async fn day(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(code): Path<String>,
    Query(q): Query<DayQuery>,
) -> Result<Html<String>, AppError> {
    let day = parse_date(&q.day).unwrap_or_else(linli_store::today);
    let f = SlotsInput { from: day.to_string(), days: "1".into(), capacity: "4".into(), ..SlotsInput::default() };
    render(&day_page(&state, &ctx, &me, &code, day, f, FormErrors::default()).await?)
}

pub async fn open_slots(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path(code): Path<String>,
    Form(f): Form<SlotsInput>,
) -> Result<Response, AppError> {
    let (community, _) = community(&state, &code).await?;
    match state.store.acting(&me.actor).open_slots(community, &f).await {
        Ok(_) => Ok(done(jar, &ctx, "flash.saved", &format!("/window/{community}/appointments?day={}", f.from.trim()))),
        Err(StoreError::Invalid(inv)) => {
            let day = parse_date(&f.from).unwrap_or_else(linli_store::today);
            let errors = FormErrors::from_error(&AppError::Invalid(inv), ctx.lang);
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &day_page(&state, &ctx, &me, &code, day, f, errors).await?)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BookForm {
    slot: String,
    name: String,
    phone: String,
    item: String,
    /// Set when changing an existing booking to this slot.
    change: String,
    back: String,
}

/// Books a slot (a resident for themselves, staff for a caller) or moves a booking to it.
pub async fn book(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Form(f): Form<BookForm>,
) -> Result<Response, AppError> {
    let acting = state.store.acting(&me.actor);
    let slot = id_param(&f.slot)?;
    let back = crate::auth::safe_next(Some(&f.back));
    let result = if f.change.is_empty() {
        let item = uuid::Uuid::parse_str(f.item.trim()).ok();
        acting.book(slot, &f.name, &f.phone, item).await.map(|_| ())
    } else {
        acting.change_booking(id_param(&f.change)?, slot).await.map(|_| ())
    };
    match result {
        Ok(()) => Ok(done(jar, &ctx, "flash.booked", &back)),
        Err(StoreError::Invalid(inv)) => {
            // The message goes back to the page the form was on, which lists the slots again.
            let errors = FormErrors::from_error(&AppError::Invalid(inv), ctx.lang);
            let page = Problem {
                page: PageCtx::new(&ctx, "window.book_failed"),
                messages: errors.all().map(str::to_owned).collect(),
                back,
            };
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "window/problem.html")]
struct Problem {
    page: PageCtx,
    messages: Vec<String>,
    back: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MarkForm {
    attended: String,
    back: String,
}

pub async fn cancel(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(f): Form<MarkForm>,
) -> Result<Response, AppError> {
    state.store.acting(&me.actor).cancel_booking(id_param(&id)?).await?;
    Ok(done(jar, &ctx, "flash.booking_cancelled", &crate::auth::safe_next(Some(&f.back))))
}

pub async fn mark(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(f): Form<MarkForm>,
) -> Result<Response, AppError> {
    state.store.acting(&me.actor).mark_booking(id_param(&id)?, f.attended == "1").await?;
    Ok(done(jar, &ctx, "flash.saved", &crate::auth::safe_next(Some(&f.back))))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SlotQuery {
    item: String,
    change: String,
}

#[derive(Template)]
#[template(path = "window/book.html")]
struct BookPage {
    page: PageCtx,
    code: String,
    community_name: String,
    days: Vec<(String, Vec<SlotLine>)>,
    name: String,
    item: String,
    change: String,
    staff: bool,
    back: String,
}

/// `/guide/{code}/book`: the next two weeks' slots with room, to book or to move a booking to.
pub async fn slots_page(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(code): Path<String>,
    Query(q): Query<SlotQuery>,
) -> Result<Html<String>, AppError> {
    let community = code_param(&code)?;
    let contacts = state.store.public_contacts(community).await.map_err(|_| AppError::NotFound)?;
    let item = uuid::Uuid::parse_str(q.item.trim()).ok();
    let slots = state.store.acting(&me.actor).slots(community, linli_store::today(), 14, item).await?;
    let mut days: Vec<(String, Vec<SlotLine>)> = Vec::new();
    for s in slots.iter().filter(|s| s.left() > 0 && s.ends_at > linli_store::now()) {
        let line = slot_line(s);
        let weekday = s.starts_at.to_offset(linli_domain::workflow::CHINA).weekday();
        let label = format!("{} {}", line.day, weekday_name(ctx.lang, weekday));
        match days.last_mut() {
            Some((d, list)) if *d == label => list.push(line),
            _ => days.push((label, vec![line])),
        }
    }
    let staff = me.signed_in.user.role.is_staff();
    let page = BookPage {
        page: PageCtx::new(&ctx, if q.change.is_empty() { "window.book_title" } else { "window.change_title" }),
        code: community.to_string(),
        community_name: contacts.name,
        days,
        name: if staff { String::new() } else { me.signed_in.user.display_name.clone() },
        item: q.item,
        change: q.change,
        staff,
        back: if staff { format!("/window/{community}/appointments") } else { "/my/requests".to_owned() },
    };
    render(&page)
}

fn weekday_name(lang: Lang, w: time::Weekday) -> &'static str {
    let key = match w {
        time::Weekday::Monday => "weekday.mon",
        time::Weekday::Tuesday => "weekday.tue",
        time::Weekday::Wednesday => "weekday.wed",
        time::Weekday::Thursday => "weekday.thu",
        time::Weekday::Friday => "weekday.fri",
        time::Weekday::Saturday => "weekday.sat",
        time::Weekday::Sunday => "weekday.sun",
    };
    crate::i18n::t(lang, key)
}

/// The signed-in resident's bookings, for their requests page.
pub async fn my_bookings(state: &AppState, me: &Me, lang: Lang) -> Result<Vec<BookingLine>, AppError> {
    Ok(state.store.acting(&me.actor).my_bookings().await?.iter().map(|b| booking_line(lang, b)).collect())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LogQuery {
    q: String,
    page: Option<i64>,
}

pub struct ConsultationLine {
    pub at: String,
    pub topic: String,
    pub answer: String,
    pub asker: String,
    pub channel: String,
    pub worker: String,
    pub item: Option<(String, String)>,
}

fn consultation_line(lang: Lang, c: Consultation) -> ConsultationLine {
    ConsultationLine {
        at: when(Some(c.at)),
        topic: c.topic,
        answer: c.answer,
        asker: c.asker_name,
        channel: word(lang, "source", &c.channel),
        worker: display_name(&c.worker_name).to_owned(),
        item: c.item_id.zip(c.item_name).map(|(id, n)| (id.to_string(), n)),
    }
}

#[derive(Template)]
#[template(path = "window/consultations.html")]
struct LogPage {
    page: PageCtx,
    code: String,
    name: String,
    lines: Vec<ConsultationLine>,
    total: i64,
    q: String,
    prev: Option<String>,
    next: Option<String>,
    items: Vec<(String, String)>,
    f: ConsultationInput,
    errors: FormErrors,
}

const LOG_PAGE: i64 = 30;

async fn log_page(
    state: &AppState,
    ctx: &Ctx,
    me: &Me,
    code: &str,
    q: LogQuery,
    f: ConsultationInput,
    errors: FormErrors,
) -> Result<LogPage, AppError> {
    let (community, name) = community(state, code).await?;
    let acting = state.store.acting(&me.actor);
    let page_no = q.page.unwrap_or(1).max(1);
    let (rows, total) = acting.consultations(community, &q.q, LOG_PAGE, (page_no - 1) * LOG_PAGE).await?;
    let link = |p: i64| {
        format!(
            "/window/{community}/consultations?{}",
            serde_urlencoded::to_string([("q", q.q.as_str()), ("page", &p.to_string())]).unwrap_or_default()
        )
    };
    let items = acting
        .catalogue(community)
        .await?
        .into_iter()
        .filter(|i| i.adopted && i.retired_at.is_none())
        .map(|i| (i.id.to_string(), i.name))
        .collect();
    Ok(LogPage {
        page: PageCtx::new(ctx, "window.consultations_title"),
        code: community.to_string(),
        name,
        lines: rows.into_iter().map(|c| consultation_line(ctx.lang, c)).collect(),
        total,
        prev: (page_no > 1).then(|| link(page_no - 1)),
        next: (page_no * LOG_PAGE < total).then(|| link(page_no + 1)),
        q: q.q,
        items,
        f,
        errors,
    })
}

pub async fn consultations(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    Path(code): Path<String>,
    Query(q): Query<LogQuery>,
) -> Result<Html<String>, AppError> {
    let f = ConsultationInput { channel: "window".into(), ..ConsultationInput::default() };
    render(&log_page(&state, &ctx, &me, &code, q, f, FormErrors::default()).await?)
}

pub async fn record_consultation(
    State(state): State<AppState>,
    ctx: Ctx,
    me: Me,
    jar: CookieJar,
    Path(code): Path<String>,
    Form(f): Form<ConsultationInput>,
) -> Result<Response, AppError> {
    let (community, _) = community(&state, &code).await?;
    match state.store.acting(&me.actor).record_consultation(community, &f).await {
        Ok(_) => Ok(done(jar, &ctx, "flash.saved", &format!("/window/{community}/consultations"))),
        Err(StoreError::Invalid(inv)) => {
            let errors = FormErrors::from_error(&AppError::Invalid(inv), ctx.lang);
            let page = log_page(&state, &ctx, &me, &code, LogQuery::default(), f, errors).await?;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}
