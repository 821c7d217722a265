//! One overview page per area of the standard: what the chapter asks for, and where in linli
//! each part lives (or that it is still to come).

use askama::Template;
use axum::extract::Path;
use axum::response::Html;

use super::layout::{AREAS, PageCtx};
use super::render;
use crate::context::Ctx;
use crate::error::AppError;

/// A part of an area: its message key and, once built, the page that serves it.
struct Part {
    key: &'static str,
    href: Option<&'static str>,
}

/// `part!("key")` for a part still to come, `part!("key", "/path")` for one that is live.
macro_rules! part {
    ($key:literal) => {
        Part { key: $key, href: None }
    };
    ($key:literal, $href:literal) => {
        Part { key: $key, href: Some($href) }
    };
}

fn parts(slug: &str) -> &'static [Part] {
    match slug {
        "organisation" => &[
            part!("area.organisation.profile", "/community"),
            part!("area.organisation.bodies", "/community"),
            part!("area.organisation.roles", "/admin/users"),
        ],
        "planning" => &[part!("area.planning.risks"), part!("area.planning.objectives"), part!("area.planning.plan")],
        "resources" => &[
            part!("area.resources.staff"),
            part!("area.resources.partners"),
            part!("area.resources.venues"),
            part!("area.resources.equipment"),
        ],
        "catalogue" => &[part!("area.catalogue.items", "/catalogue"), part!("area.catalogue.guide", "/guide")],
        "delivery" => &[
            part!("area.delivery.window", "/window"),
            part!("area.delivery.calendar", "/admin/calendar"),
            part!("area.delivery.grid", "/grid"),
            part!("area.delivery.activities"),
            part!("area.delivery.building"),
            part!("area.delivery.cases"),
            part!("area.delivery.emergency"),
        ],
        "oversight" => &[
            part!("area.oversight.disclosure"),
            part!("area.oversight.complaints"),
            part!("area.oversight.ratings"),
            part!("area.oversight.dashboards"),
        ],
        "improvement" => &[part!("area.improvement.nonconformities"), part!("area.improvement.plans")],
        "assessment" => &[part!("area.assessment.checklist"), part!("area.assessment.report")],
        _ => &[],
    }
}

#[derive(Template)]
#[template(path = "areas/area.html")]
struct AreaPage {
    page: PageCtx,
    slug: &'static str,
    parts: Vec<(&'static str, Option<&'static str>)>,
}

impl AreaPage {
    fn key(&self, suffix: &str) -> String {
        format!("area.{}.{suffix}", self.slug)
    }
}

pub async fn area(ctx: Ctx, Path(slug): Path<String>) -> Result<Html<String>, AppError> {
    let slug = AREAS.into_iter().find(|a| *a == slug).ok_or(AppError::NotFound)?;
    let page = AreaPage {
        page: PageCtx::new(&ctx, &format!("area.{slug}.title")),
        slug,
        parts: parts(slug).iter().map(|p| (p.key, p.href)).collect(),
    };
    render(&page)
}
