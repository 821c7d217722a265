//! The roles people play in a community service centre (see DESIGN.md, "Who uses it").
//!
//! What each role may do is the rights matrix (its own module, with the identity issue); this
//! file only names the roles and says which of them are staff.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 系统管理员
    Admin,
    /// 街道/区民政 supervisor
    Supervisor,
    /// 社区书记/主任
    CommunityHead,
    /// 窗口/社区工作者
    WindowWorker,
    /// 网格员
    GridWorker,
    /// 社工
    SocialWorker,
    /// 评审员: read-only, time-boxed
    Assessor,
    /// 居民
    Resident,
    /// 志愿者
    Volunteer,
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::Admin,
        Role::Supervisor,
        Role::CommunityHead,
        Role::WindowWorker,
        Role::GridWorker,
        Role::SocialWorker,
        Role::Assessor,
        Role::Resident,
        Role::Volunteer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Supervisor => "supervisor",
            Role::CommunityHead => "community_head",
            Role::WindowWorker => "window_worker",
            Role::GridWorker => "grid_worker",
            Role::SocialWorker => "social_worker",
            Role::Assessor => "assessor",
            Role::Resident => "resident",
            Role::Volunteer => "volunteer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Staff work for the community or above it; residents and volunteers are the public.
    pub fn is_staff(self) -> bool {
        !matches!(self, Role::Resident | Role::Volunteer)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_fail() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
        assert!(Role::Admin.is_staff() && !Role::Resident.is_staff() && !Role::Volunteer.is_staff());
    }
}
