//! The demo dataset: 福建省 → 福州市 → 台江区 → two streets → four communities, with one
//! account per role. Everything is built through the same store functions the app uses.
//! People and names below are fictional.

use linli_domain::{DivisionCode, Role, Username, password};

use crate::user::NewUser;
use crate::{Store, StoreError, StoreResult};

/// The password of every demo account (shown by `linli demo`; never use it in production).
pub const DEMO_PASSWORD: &str = "Linli@2026";

/// The main demo community: 榕华社区, 江滨街道, 台江区, 福州市.
pub const MAIN_COMMUNITY: &str = "350103001001";

const NODES: [(&str, &str); 9] = [
    ("350000000000", "福建省"),
    ("350100000000", "福州市"),
    ("350103000000", "台江区"),
    ("350103001000", "江滨街道"),
    ("350103001001", "榕华社区"),
    ("350103001002", "闽江社区"),
    ("350103001003", "茉莉社区"),
    ("350103002000", "南湖街道"),
    ("350103002001", "荔园社区"),
];

/// (username, name, role, node): one per role in the main community, plus the levels above
/// and a worker in a sibling community, so scoping can be seen and tested.
pub const DEMO_USERS: [(&str, &str, Role, &str); 11] = [
    ("admin", "陈建国", Role::Admin, "350000000000"),
    ("quminzheng", "黄志明", Role::Supervisor, "350103000000"),
    ("jiedao", "林晓燕", Role::Supervisor, "350103001000"),
    ("shuji", "郑丽华", Role::CommunityHead, "350103001001"),
    ("chuangkou", "王芳", Role::WindowWorker, "350103001001"),
    ("wangge", "刘强", Role::GridWorker, "350103001001"),
    ("shegong", "张敏", Role::SocialWorker, "350103001001"),
    ("pingshen", "吴静", Role::Assessor, "350103001001"),
    ("jumin", "李秀英", Role::Resident, "350103001001"),
    ("zhiyuan", "陈宇", Role::Volunteer, "350103001001"),
    ("minjiang", "王磊", Role::WindowWorker, "350103001002"),
];

/// One demo account as `linli demo` prints it.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    pub username: &'static str,
    pub name: &'static str,
    pub role: Role,
    pub node_name: &'static str,
}

pub fn demo_logins() -> Vec<DemoLogin> {
    DEMO_USERS
        .iter()
        .map(|(username, name, role, node)| DemoLogin {
            username,
            name,
            role: *role,
            node_name: NODES
                .iter()
                .find(|(c, _)| c == node)
                .map(|(_, n)| *n)
                .unwrap_or(""),
        })
        .collect()
}

fn code(s: &str) -> StoreResult<DivisionCode> {
    DivisionCode::parse(s).map_err(StoreError::Invalid)
}

impl Store {
    /// Seeds the demo dataset unless it is already there. Returns whether it seeded.
    pub async fn seed_demo(&self) -> StoreResult<bool> {
        self.seed_calendar_if_empty().await?;
        if self.node(code(MAIN_COMMUNITY)?).await.is_ok() {
            return Ok(false);
        }
        for (c, name) in NODES {
            let c = code(c)?;
            if self.node(c).await.is_err() {
                self.create_node(c, name).await?;
            }
        }
        for (username, name, role, node) in DEMO_USERS {
            let hash = password::hash(DEMO_PASSWORD).map_err(|e| {
                StoreError::Db(sqlx::Error::Protocol(format!(
                    "password hashing failed: {e}"
                )))
            })?;
            self.create_user(&NewUser {
                username: Username::parse(username)?,
                display_name: name.to_owned(),
                role,
                node_code: code(node)?,
                password_hash: hash,
                must_change_password: false,
            })
            .await?;
        }
        Ok(true)
    }
}
