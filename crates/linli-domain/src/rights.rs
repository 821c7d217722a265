//! Who may do what: the rights matrix (role × action × resource), in one place.
//!
//! Every operation on data is checked here *and* against the actor's place in the tree: a
//! principal acts on its own node and everything below it, never beside it. The store takes
//! the acting principal for every operation, so no page or endpoint can skip the check.

use std::collections::BTreeSet;
use std::fmt;

use serde::Serialize;

use crate::{DivisionCode, Role};

/// What an action is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Resource {
    /// 行政区划 nodes.
    Node,
    /// A community's profile (社区概况).
    Community,
    /// Organisations in a community and their people.
    Organisation,
    /// Sign-in accounts.
    User,
    /// API tokens for integrations.
    Token,
    /// The audit log.
    Audit,
    /// The working-day calendar.
    Calendar,
    /// Whole citizen ID numbers (otherwise shown masked).
    IdNumber,
    /// Whole phone numbers (otherwise shown masked).
    Phone,
    /// The register (居民台账): buildings, households, residents and their history.
    Register,
    /// Grids and their workers.
    Grid,
    /// Household visits.
    Visit,
    /// The service catalogue (服务项目) of a node.
    Catalogue,
    /// Service requests and the window's other records (consultations, appointment slots).
    ServiceRequest,
    /// A resident's own applications and appointments, as the resident sees them.
    Application,
    /// Posting requests through Open311 (tokens only).
    Open311,
    /// Supervision and evaluation: ratings recorded at the window, rectifications, complaints.
    Oversight,
    /// 满意度调查: questionnaires, their invitations and answers.
    Survey,
    /// 点评 and 督办: supervisors' comments and follow-ups on a community's figures.
    FollowUp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Read,
    Create,
    Update,
    /// Retire or delete.
    Delete,
    /// See a masked value whole (logged).
    Reveal,
    Export,
}

impl Resource {
    pub const ALL: [Resource; 19] = [
        Resource::Node,
        Resource::Community,
        Resource::Organisation,
        Resource::User,
        Resource::Token,
        Resource::Audit,
        Resource::Calendar,
        Resource::IdNumber,
        Resource::Phone,
        Resource::Register,
        Resource::Grid,
        Resource::Visit,
        Resource::Catalogue,
        Resource::ServiceRequest,
        Resource::Application,
        Resource::Open311,
        Resource::Oversight,
        Resource::Survey,
        Resource::FollowUp,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Resource::Node => "node",
            Resource::Community => "community",
            Resource::Organisation => "organisation",
            Resource::User => "user",
            Resource::Token => "token",
            Resource::Audit => "audit",
            Resource::Calendar => "calendar",
            Resource::IdNumber => "id_number",
            Resource::Phone => "phone",
            Resource::Register => "register",
            Resource::Grid => "grid",
            Resource::Visit => "visit",
            Resource::Catalogue => "catalogue",
            Resource::ServiceRequest => "service_request",
            Resource::Application => "application",
            Resource::Open311 => "open311",
            Resource::Oversight => "oversight",
            Resource::Survey => "survey",
            Resource::FollowUp => "follow_up",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl Action {
    pub const ALL: [Action; 6] =
        [Action::Read, Action::Create, Action::Update, Action::Delete, Action::Reveal, Action::Export];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
            Action::Reveal => "reveal",
            Action::Export => "export",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

use Action::*;
use Resource::*;
use Role::*;

const STAFF: &[Role] = &[Admin, Supervisor, CommunityHead, WindowWorker, GridWorker, SocialWorker, Assessor];

/// The matrix. A pair that is not listed is allowed to nobody.
const MATRIX: &[(Resource, Action, &[Role])] = &[
    (Node, Read, STAFF),
    (Node, Create, &[Admin]),
    (Node, Update, &[Admin]),
    (Node, Delete, &[Admin]),
    (Community, Read, STAFF),
    (Community, Update, &[Admin, CommunityHead]),
    (Organisation, Read, STAFF),
    (Organisation, Create, &[Admin, CommunityHead]),
    (Organisation, Update, &[Admin, CommunityHead]),
    (Organisation, Delete, &[Admin, CommunityHead]),
    (User, Read, &[Admin, Supervisor, CommunityHead]),
    (User, Create, &[Admin]),
    (User, Update, &[Admin]),
    (User, Delete, &[Admin]),
    (Token, Read, &[Admin]),
    (Token, Create, &[Admin]),
    (Token, Delete, &[Admin]),
    (Audit, Read, &[Admin, Supervisor, CommunityHead, Assessor]),
    (Audit, Export, &[Admin, Supervisor, Assessor]),
    (Calendar, Read, STAFF),
    (Calendar, Update, &[Admin]),
    (Register, Read, STAFF),
    (Register, Create, &[Admin, CommunityHead, WindowWorker]),
    // Grid workers correct what they find on visits (a new phone number, a move).
    (Register, Update, &[Admin, CommunityHead, WindowWorker, GridWorker]),
    (Register, Delete, &[Admin, CommunityHead]),
    (Register, Export, &[Admin, Supervisor, CommunityHead, WindowWorker, Assessor]),
    (Grid, Read, STAFF),
    (Grid, Create, &[Admin, CommunityHead]),
    (Grid, Update, &[Admin, CommunityHead]),
    (Grid, Delete, &[Admin, CommunityHead]),
    (Visit, Read, STAFF),
    (Visit, Create, &[Admin, CommunityHead, WindowWorker, GridWorker, SocialWorker]),
    (Catalogue, Read, STAFF),
    // Streets and districts keep catalogues their communities adopt; communities add their own.
    (Catalogue, Create, &[Admin, Supervisor, CommunityHead]),
    (Catalogue, Update, &[Admin, Supervisor, CommunityHead]),
    (Catalogue, Delete, &[Admin, Supervisor, CommunityHead]),
    (ServiceRequest, Read, STAFF),
    // Everyone who meets residents takes requests (首问负责): grid and social workers included.
    (ServiceRequest, Create, &[Admin, CommunityHead, WindowWorker, GridWorker, SocialWorker]),
    (ServiceRequest, Update, &[Admin, CommunityHead, WindowWorker, GridWorker, SocialWorker]),
    (ServiceRequest, Export, &[Admin, Supervisor, CommunityHead, WindowWorker, Assessor]),
    // Residents and volunteers apply, follow and book for themselves only (the store checks it).
    (Application, Read, &[Resident, Volunteer]),
    (Application, Create, &[Resident, Volunteer]),
    (Application, Update, &[Resident, Volunteer]),
    (Oversight, Read, STAFF),
    // Whoever serves residents records ratings at the window and puts bad ones right.
    (Oversight, Create, &[Admin, CommunityHead, WindowWorker, GridWorker, SocialWorker]),
    // Street offices take over escalated complaints.
    (Oversight, Update, &[Admin, Supervisor, CommunityHead, WindowWorker, GridWorker, SocialWorker]),
    (Oversight, Export, &[Admin, Supervisor, CommunityHead, WindowWorker, Assessor]),
    // The community's own staff compose, publish and close surveys and key in paper answers;
    // residents answer through their own applications right.
    (Survey, Read, STAFF),
    (Survey, Create, &[Admin, CommunityHead, WindowWorker, SocialWorker]),
    (Survey, Update, &[Admin, CommunityHead, WindowWorker, SocialWorker]),
    (Survey, Delete, &[Admin, CommunityHead]),
    (Survey, Export, &[Admin, Supervisor, CommunityHead, WindowWorker, Assessor]),
    // Supervisors comment on and assign follow-ups to the communities below them; the
    // community's head and window answer them (the store tells the two sides apart).
    (FollowUp, Read, STAFF),
    (FollowUp, Create, &[Admin, Supervisor]),
    (FollowUp, Update, &[Admin, Supervisor, CommunityHead, WindowWorker]),
    // Third-party apps and hotlines post through Open311 with a token; no role does.
    (Open311, Create, &[]),
    // Whole values only for the roles whose work needs them (GB/T 35273 minimum necessity):
    // the window and social workers handle applications and cases; grid workers phone households.
    (IdNumber, Reveal, &[Admin, CommunityHead, WindowWorker, SocialWorker]),
    (Phone, Reveal, &[Admin, CommunityHead, WindowWorker, GridWorker, SocialWorker]),
];

/// Whether `role` may do `action` on `resource` (anywhere in its subtree).
pub fn role_allows(role: Role, resource: Resource, action: Action) -> bool {
    MATRIX.iter().any(|(r, a, roles)| *r == resource && *a == action && roles.contains(&role))
}

/// Every (resource, action) pair the matrix mentions, for tests and the rights page.
pub fn declared() -> impl Iterator<Item = (Resource, Action)> {
    MATRIX.iter().map(|(r, a, _)| (*r, *a))
}

/// One right an API token can carry, written `resource:action` (e.g. `node:read`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct TokenScope(pub Resource, pub Action);

impl TokenScope {
    /// Parses `resource:action`; only pairs a token may hold are accepted. Tokens never manage
    /// accounts or other tokens, and never reveal personal data.
    pub fn parse(s: &str) -> Option<TokenScope> {
        if s.trim() == "open311" {
            return Some(TokenScope(Open311, Create));
        }
        let (r, a) = s.trim().split_once(':')?;
        let scope = TokenScope(Resource::parse(r)?, Action::parse(a)?);
        scope.grantable().then_some(scope)
    }

    /// Tokens never manage accounts or tokens, never reveal personal data, and never change
    /// the nationwide calendar.
    pub fn grantable(self) -> bool {
        let TokenScope(r, a) = self;
        !matches!(r, User | Token | IdNumber | Phone | Application)
            && (r, a) != (Calendar, Update)
            && declared().any(|d| d == (r, a))
    }

    pub fn all_grantable() -> impl Iterator<Item = TokenScope> {
        declared().map(|(r, a)| TokenScope(r, a)).filter(|s| s.grantable())
    }
}

impl fmt::Display for TokenScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == TokenScope(Open311, Create) {
            return f.write_str("open311");
        }
        write!(f, "{}:{}", self.0.as_str(), self.1.as_str())
    }
}

/// What an actor may do: a role's rights, or an API token's scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rights {
    Role(Role),
    Scopes(BTreeSet<TokenScope>),
    /// The operator at the shell (`linli user add` …): everything, everywhere.
    System,
}

/// Someone acting: their rights and where in the tree they stand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub rights: Rights,
    /// `None` only for the system: above every province.
    pub node: Option<DivisionCode>,
}

/// Why a principal may not act.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// The role or token lacks the right.
    Right,
    /// The target lies outside the principal's subtree (told apart so reads can say "not found").
    Scope,
}

impl Principal {
    pub fn system() -> Self {
        Principal { rights: Rights::System, node: None }
    }

    pub fn may(&self, resource: Resource, action: Action) -> bool {
        match &self.rights {
            Rights::System => true,
            Rights::Role(role) => role_allows(*role, resource, action),
            Rights::Scopes(scopes) => scopes.contains(&TokenScope(resource, action)),
        }
    }

    /// Whether `target` is this principal's node or below it.
    pub fn reaches(&self, target: &DivisionCode) -> bool {
        self.node.is_none_or(|n| n.contains(target))
    }

    /// The full check: the right, and the target inside the principal's subtree.
    pub fn check(&self, resource: Resource, action: Action, target: &DivisionCode) -> Result<(), Denied> {
        if !self.may(resource, action) {
            return Err(Denied::Right);
        }
        if !self.reaches(target) {
            return Err(Denied::Scope);
        }
        Ok(())
    }

    /// The `LIKE` prefix that limits queries to this principal's subtree ("" for the system).
    pub fn scope_prefix(&self) -> String {
        self.node.map(|n| n.subtree_prefix().to_owned()).unwrap_or_default()
    }

    pub fn role(&self) -> Option<Role> {
        match self.rights {
            Rights::Role(r) => Some(r),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> DivisionCode {
        DivisionCode::parse(s).expect("valid")
    }

    fn user(role: Role, node: &str) -> Principal {
        Principal { rights: Rights::Role(role), node: Some(code(node)) }
    }

    #[test]
    fn staff_act_on_their_subtree_never_beside_it() {
        let head = user(CommunityHead, "350103001001");
        assert_eq!(head.check(Community, Update, &code("350103001001")), Ok(()));
        assert_eq!(head.check(Community, Update, &code("350103001002")), Err(Denied::Scope), "sibling community");
        assert_eq!(head.check(Community, Read, &code("350103001000")), Err(Denied::Scope), "parent street");
        let street = user(Supervisor, "350103001000");
        assert_eq!(street.check(Community, Read, &code("350103001002")), Ok(()));
        assert_eq!(street.check(Community, Read, &code("350103002001")), Err(Denied::Scope), "other street");
        assert_eq!(street.check(Community, Update, &code("350103001001")), Err(Denied::Right));
    }

    #[test]
    fn residents_volunteers_and_assessors_are_limited() {
        for r in [Resident, Volunteer] {
            for res in Resource::ALL {
                for a in Action::ALL {
                    let own = res == Application && matches!(a, Read | Create | Update);
                    assert_eq!(role_allows(r, res, a), own, "{r} {}:{}", res.as_str(), a.as_str());
                }
            }
        }
        for role in Role::ALL {
            assert!(!role_allows(role, Open311, Create), "only tokens post through Open311");
            assert_eq!(role_allows(role, Application, Create), !role.is_staff(), "staff take requests, not apply");
        }
        // Assessors read and export, and change nothing.
        for res in Resource::ALL {
            for a in [Create, Update, Delete, Reveal] {
                assert!(!role_allows(Assessor, res, a), "assessor must not {}:{}", res.as_str(), a.as_str());
            }
        }
        assert!(role_allows(Assessor, Audit, Export));
        assert!(!role_allows(GridWorker, IdNumber, Reveal) && role_allows(GridWorker, Phone, Reveal));
    }

    #[test]
    fn only_administrators_manage_accounts_tokens_and_the_tree() {
        for res in [User, Token, Node] {
            for a in [Create, Update, Delete] {
                let who: Vec<Role> = Role::ALL.into_iter().filter(|r| role_allows(*r, res, a)).collect();
                if declared().any(|d| d == (res, a)) {
                    assert_eq!(who, [Admin], "{}:{}", res.as_str(), a.as_str());
                }
            }
        }
    }

    #[test]
    fn token_scopes_parse_and_never_reach_accounts_or_personal_data() {
        assert_eq!(TokenScope::parse("node:read"), Some(TokenScope(Node, Read)));
        assert_eq!(TokenScope::parse(" calendar:read "), Some(TokenScope(Calendar, Read)));
        for bad in
            ["user:create", "token:read", "phone:reveal", "id_number:reveal", "node", "node:fly", "calendar:delete", ""]
        {
            assert_eq!(TokenScope::parse(bad), None, "{bad}");
        }
        let token = Principal {
            rights: Rights::Scopes([TokenScope(Node, Read)].into_iter().collect()),
            node: Some(code("350103001000")),
        };
        assert_eq!(token.check(Node, Read, &code("350103001001")), Ok(()));
        assert_eq!(token.check(Node, Create, &code("350103001001")), Err(Denied::Right));
        assert_eq!(token.check(Node, Read, &code("350103002000")), Err(Denied::Scope));
        assert_eq!(token.scope_prefix(), "350103001");
        assert_eq!(TokenScope(Node, Read).to_string(), "node:read");
        assert_eq!(TokenScope::parse("open311"), Some(TokenScope(Open311, Create)));
        assert_eq!(TokenScope(Open311, Create).to_string(), "open311");
        assert_eq!(TokenScope::parse("application:create"), None, "tokens never act as a resident");
        assert!(TokenScope::all_grantable().count() >= 10);
    }

    #[test]
    fn the_system_may_do_anything_anywhere() {
        let s = Principal::system();
        assert_eq!(s.check(User, Create, &code("350103002001")), Ok(()));
        assert_eq!(s.scope_prefix(), "");
    }
}
