//! What every page's frame needs: language, senior mode, the signed-in user, the CSRF token,
//! the navigation by the standard's areas, and asset URLs.

use linli_domain::rights::{Principal, Rights};
use linli_domain::{Action, Resource};

use crate::assets;
use crate::context::Ctx;
use crate::i18n::{self, Lang};

pub struct UserHeader {
    pub name: String,
    pub role_name: &'static str,
    pub node_name: String,
}

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

pub struct NavSection {
    pub label: &'static str,
    pub items: Vec<NavItem>,
}

pub struct PageCtx {
    pub lang: Lang,
    pub senior: bool,
    pub csrf: String,
    /// This page's path and query, percent-encoded for `?back=` links.
    pub back: String,
    pub title: String,
    pub user: Option<UserHeader>,
    pub flash: Option<&'static str>,
    pub request_id: String,
    pub nav: Vec<NavSection>,
    pub css: String,
    pub js: String,
}

/// The areas of the standard, in chapter order: (slug, chapter label key).
pub const AREAS: [&str; 8] =
    ["organisation", "planning", "resources", "catalogue", "delivery", "oversight", "improvement", "assessment"];

impl PageCtx {
    pub fn new(ctx: &Ctx, title_key: &str) -> Self {
        let lang = ctx.lang;
        let path = ctx.path.split('?').next().unwrap_or("/");
        let user = ctx.user.as_ref().map(|s| UserHeader {
            name: s.user.display_name.clone(),
            role_name: i18n::t(lang, &format!("role.{}", s.user.role.as_str())),
            node_name: s.user.node_name.clone(),
        });
        let principal =
            ctx.user.as_ref().map(|s| Principal { rights: Rights::Role(s.user.role), node: Some(s.user.node_code) });
        let nav = nav(lang, path, principal.as_ref());
        PageCtx {
            lang,
            senior: ctx.senior,
            csrf: ctx.csrf.clone(),
            back: serde_urlencoded::to_string([("back", ctx.path.as_str())]).unwrap_or_default(),
            title: i18n::t(lang, title_key).to_owned(),
            user,
            flash: ctx.flash,
            request_id: ctx.request_id.clone(),
            nav,
            css: assets::url("app.css"),
            js: assets::url("app.js"),
        }
    }

    pub fn t(&self, key: &str) -> &'static str {
        i18n::t(self.lang, key)
    }

    pub fn tf(&self, key: &str, name: &str, value: &str) -> String {
        i18n::tf(self.lang, key, &[(name, value.to_owned())])
    }

    pub fn lang_tag(&self) -> &'static str {
        self.lang.tag()
    }

    /// The other language, for the switch link.
    pub fn other_lang(&self) -> &'static str {
        match self.lang {
            Lang::Zh => "en",
            Lang::En => "zh",
        }
    }
}

fn item(lang: Lang, path: &str, href: &'static str, key: &str) -> NavItem {
    let current = if href == "/" { path == "/" } else { path == href || path.starts_with(&format!("{href}/")) };
    NavItem { href, label: i18n::t(lang, key), current }
}

fn nav(lang: Lang, path: &str, principal: Option<&Principal>) -> Vec<NavSection> {
    let may = |r: Resource, a: Action| principal.is_some_and(|p| p.may(r, a));
    let mut workbench = vec![item(lang, path, "/", "nav.home")];
    if principal.is_some() {
        workbench.push(item(lang, path, "/account", "nav.account"));
    }
    if may(Resource::Community, Action::Read) {
        workbench.push(item(lang, path, "/community", "nav.community"));
    }
    if may(Resource::Register, Action::Read) {
        workbench.push(item(lang, path, "/register", "nav.register"));
    }
    if may(Resource::Visit, Action::Create) {
        workbench.push(item(lang, path, "/grid", "nav.visits"));
    }
    if may(Resource::ServiceRequest, Action::Read) {
        workbench.push(item(lang, path, "/window", "nav.window"));
    }
    if may(Resource::Catalogue, Action::Read) {
        workbench.push(item(lang, path, "/catalogue", "nav.catalogue"));
    }
    if may(Resource::Oversight, Action::Read) {
        workbench.push(item(lang, path, "/complaints", "nav.complaints"));
        workbench.push(item(lang, path, "/oversight", "nav.figures"));
    }
    if may(Resource::Survey, Action::Read) {
        workbench.push(item(lang, path, "/surveys", "nav.surveys"));
    }
    if may(Resource::Application, Action::Read) {
        workbench.push(item(lang, path, "/my/requests", "nav.my_requests"));
        workbench.push(item(lang, path, "/complain", "nav.complain"));
        workbench.push(item(lang, path, "/my/surveys", "nav.my_surveys"));
    }
    workbench.push(item(lang, path, "/guide", "nav.guide"));
    workbench.push(item(lang, path, "/lookup", "nav.lookup"));
    let mut sections = vec![NavSection { label: i18n::t(lang, "nav.workbench"), items: workbench }];
    sections.push(NavSection {
        label: i18n::t(lang, "nav.standard"),
        items: AREAS
            .iter()
            .zip(AREA_LINKS)
            .map(|(slug, href)| item(lang, path, href, &format!("area.{slug}.nav")))
            .collect(),
    });
    let system: Vec<NavItem> = [
        (Resource::Node, "/admin/nodes", "nav.nodes"),
        (Resource::User, "/admin/users", "nav.users"),
        (Resource::Token, "/admin/tokens", "nav.tokens"),
        (Resource::Audit, "/admin/audit", "nav.audit"),
        (Resource::Calendar, "/admin/calendar", "nav.calendar"),
    ]
    .into_iter()
    .filter(|(r, _, _)| may(*r, Action::Read))
    .map(|(_, href, key)| item(lang, path, href, key))
    .collect();
    if !system.is_empty() {
        sections.push(NavSection { label: i18n::t(lang, "nav.system"), items: system });
    }
    sections
}

const AREA_LINKS: [&str; 8] = [
    "/area/organisation",
    "/area/planning",
    "/area/resources",
    "/area/catalogue",
    "/area/delivery",
    "/area/oversight",
    "/area/improvement",
    "/area/assessment",
];

/// One option of a `<select>`, marked when it is the current value.
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

/// The options of a `<select>` with `current` marked.
pub fn choices(options: &[(&'static str, &'static str)], current: &str) -> Vec<Choice> {
    options.iter().map(|(value, label)| Choice { value, label, selected: *value == current }).collect()
}
