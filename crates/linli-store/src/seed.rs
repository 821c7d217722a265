//! The demo dataset: 福建省 → 福州市 → 台江区 → two streets → four communities, with one
//! account per role. Everything is built through the same store functions the app uses.
//! People and names below are fictional.

use linli_domain::{DivisionCode, Role, Username, password};

use linli_domain::account::UserInput;
use linli_domain::community::{MemberInput, OrganisationInput, ProfileInput};

use crate::user::NewUser;
use crate::{Actor, Store, StoreError, StoreResult};

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

/// (name, post, phone) of a person in a demo organisation.
type DemoMember = (&'static str, &'static str, &'static str);

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
            node_name: NODES.iter().find(|(c, _)| c == node).map(|(_, n)| *n).unwrap_or(""),
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
            let hash = password::hash(DEMO_PASSWORD)
                .map_err(|e| StoreError::Db(sqlx::Error::Protocol(format!("password hashing failed: {e}"))))?;
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
        self.seed_demo_records().await?;
        Ok(true)
    }

    /// The main community's profile and organisations, and personal details on two accounts,
    /// entered as an actor would (so they are encrypted and audited like any other).
    async fn seed_demo_records(&self) -> StoreResult<()> {
        let demo = Actor::system("demo seed");
        let acting = self.acting(&demo);
        let main = code(MAIN_COMMUNITY)?;
        acting
            .update_community_profile(
                main,
                &ProfileInput {
                    address: "福州市台江区江滨中大道 88 号（演示）".into(),
                    area_km2: "0.38".into(),
                    service_hours: "周一至周五 8:30–12:00、14:30–17:30；周六上午 9:00–12:00 便民窗口值班".into(),
                    phone: "0591-83000001".into(),
                    email: "ronghua@example.cn".into(),
                    introduction:
                        "榕华社区位于江滨街道中部，辖 12 个住宅小区、3 个网格。社区党群服务中心设一站式服务窗口、\
                                   居家养老服务站、儿童之家和多功能活动室。（演示数据）"
                            .into(),
                    visit_interval_days: "30".into(),
                },
            )
            .await?;
        let orgs: [(&str, &str, &str, &[DemoMember]); 5] = [
            (
                "party",
                "中共榕华社区委员会",
                "领导社区各类组织和各项工作，组织党员服务群众。",
                &[("郑丽华", "书记", "13805910001"), ("陈志强", "副书记", "")],
            ),
            (
                "residents_committee",
                "榕华社区居民委员会",
                "办理本居住地区居民的公共事务和公益事业，调解民间纠纷，协助维护社会治安。",
                &[("郑丽华", "主任", "13805910001"), ("黄美玲", "委员", "13805910003")],
            ),
            (
                "supervision_committee",
                "榕华社区居务监督委员会",
                "监督居务公开、财务和重大事项决策。",
                &[("林国栋", "主任", "13805910004")],
            ),
            (
                "service_station",
                "榕华社区服务站",
                "承接政府在社区的公共服务事项，运行一站式服务窗口。",
                &[("王芳", "站长", "13805910005")],
            ),
            (
                "property_company",
                "福州闽江物业服务有限公司（演示）",
                "负责榕华花园、江滨苑小区物业服务。",
                &[("周海", "项目经理", "0591-83000009")],
            ),
        ];
        for (kind, name, duty, members) in orgs {
            let org = acting
                .create_organisation(
                    main,
                    &OrganisationInput { kind: kind.into(), name: name.into(), responsibilities: duty.into() },
                )
                .await?;
            for (person, post, phone) in members {
                let input = MemberInput { name: (*person).into(), post: (*post).into(), phone: (*phone).into() };
                acting.add_member(org.id, &input).await?;
            }
        }
        // The resident's account is real-name (实名): phone and ID number, stored encrypted.
        let resident = self.user_by_username("jumin").await?;
        let assessor = self.user_by_username("pingshen").await?;
        let until = (crate::today() + time::Duration::days(180)).to_string();
        for (u, phone, id_number, access_until) in
            [(&resident, "13905910123", "350103195803121525", ""), (&assessor, "13705910456", "", until.as_str())]
        {
            let input = UserInput {
                username: String::new(),
                display_name: u.display_name.clone(),
                role: u.role.as_str().into(),
                node_code: u.node_code.to_string(),
                phone: phone.into(),
                id_number: id_number.into(),
                access_until: access_until.into(),
            };
            acting.update_user(u.id, &input, crate::accounts::KeepBlank::NONE).await?;
        }
        Ok(())
    }
}
