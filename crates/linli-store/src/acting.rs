//! Acting on data as someone. Every operation on a community's data goes through [`Acting`],
//! which holds the actor: the rights check and the subtree limit happen here, below the web
//! layer, and every change is written to the audit log in the same transaction.

use linli_domain::rights::{Denied, Principal, Rights};
use linli_domain::{Action, DivisionCode, Resource};
use uuid::Uuid;

use crate::user::User;
use crate::{Store, StoreError, StoreResult};

/// The person's name in an actor name (`王芳 (chuangkou)` → `王芳`): what residents and printed
/// notices show instead of staff accounts.
pub fn display_name(actor_name: &str) -> &str {
    actor_name.split(" (").next().unwrap_or(actor_name)
}

/// Who is acting, for the rights check and the audit log.
#[derive(Debug, Clone)]
pub struct Actor {
    pub principal: Principal,
    pub who: Who,
    /// A name for the audit log: "王芳 (chuangkou)", "token 12345 政务热线", "cli".
    pub name: String,
    pub ip: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    User(Uuid),
    Token(Uuid),
    System,
}

impl Who {
    pub fn kind(&self) -> &'static str {
        match self {
            Who::User(_) => "user",
            Who::Token(_) => "token",
            Who::System => "system",
        }
    }

    pub fn id(&self) -> Option<String> {
        match self {
            Who::User(id) | Who::Token(id) => Some(id.to_string()),
            Who::System => None,
        }
    }
}

impl Actor {
    pub fn user(u: &User, ip: Option<String>) -> Actor {
        Actor {
            principal: Principal { rights: Rights::Role(u.role), node: Some(u.node_code) },
            who: Who::User(u.id),
            name: format!("{} ({})", u.display_name, u.username),
            ip,
        }
    }

    /// The operator at the shell; `label` names the command in the audit log.
    pub fn system(label: &str) -> Actor {
        Actor { principal: Principal::system(), who: Who::System, name: label.to_owned(), ip: None }
    }

    pub fn user_id(&self) -> Option<Uuid> {
        match self.who {
            Who::User(id) => Some(id),
            _ => None,
        }
    }
}

/// The store, as seen by one actor.
#[derive(Clone, Copy)]
pub struct Acting<'a> {
    pub(crate) store: &'a Store,
    pub(crate) actor: &'a Actor,
}

impl Store {
    pub fn acting<'a>(&'a self, actor: &'a Actor) -> Acting<'a> {
        Acting { store: self, actor }
    }
}

impl<'a> Acting<'a> {
    pub fn actor(&self) -> &'a Actor {
        self.actor
    }

    /// The rights check for an action on something at `target`. Targets outside the actor's
    /// subtree are reported as not found, so their existence does not leak.
    pub(crate) fn check(&self, resource: Resource, action: Action, target: &DivisionCode) -> StoreResult<()> {
        match self.actor.principal.check(resource, action, target) {
            Ok(()) => Ok(()),
            Err(Denied::Right) => Err(StoreError::Forbidden),
            Err(Denied::Scope) => Err(StoreError::NotFound(resource.as_str())),
        }
    }

    /// The rights check for an action that has no place in the tree (lists, the calendar).
    pub(crate) fn check_right(&self, resource: Resource, action: Action) -> StoreResult<()> {
        if self.actor.principal.may(resource, action) { Ok(()) } else { Err(StoreError::Forbidden) }
    }

    /// A resident or volunteer: acts on their own applications, bookings and complaints only.
    pub(crate) fn is_resident(&self) -> bool {
        matches!(
            self.actor.principal.rights,
            Rights::Role(linli_domain::Role::Resident | linli_domain::Role::Volunteer)
        )
    }

    /// `prefix%` for limiting a query to the actor's subtree.
    pub(crate) fn scope_pattern(&self) -> String {
        format!("{}%", self.actor.principal.scope_prefix())
    }
}
