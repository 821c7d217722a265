//! The rights matrix, walked through the real HTTP server: every role, every endpoint, aimed
//! at the actor's own community, its parent street, a sibling community and another street.
//! What each request may do is what `linli_domain::rights` declares; anything else must be
//! refused (403 or 404) and must not leak the target's data. Zero leaks is the bar.

use linli_domain::rights::{Principal, Rights};
use linli_domain::{Action, DivisionCode, Resource, Role};
use linli_store::Actor;
use linli_testkit::{Engine, TestApp, engine_tests, spawn_app};
use reqwest::{Client, Method};
use serde_json::{Value, json};

/// The targets, by what they are to users of the main community.
const TARGETS: [(&str, &str); 4] = [
    ("own community", "350103001001"),
    ("parent street", "350103001000"),
    ("sibling community", "350103001002"),
    ("another street's community", "350103002001"),
];

/// Demo accounts: one per role in the main community, plus the levels above.
const ACTORS: [&str; 10] =
    ["admin", "quminzheng", "jiedao", "shuji", "chuangkou", "wangge", "shegong", "pingshen", "jumin", "zhiyuan"];

struct Fixture {
    /// Per target: an account with a phone and an ID number, an organisation (communities
    /// only) with a member with a phone, and a token to revoke.
    user_at: Vec<(String, String)>,
    member_at: Vec<(String, String)>,
    org_at: Vec<(String, String)>,
    token_at: Vec<(String, String)>,
    /// Per community target: (code, household id, resident id, the resident's whole ID number).
    resident_at: Vec<(String, String, String, String)>,
    /// Per community target: (code, the catalogue item every community adopted, a request).
    request_at: Vec<(String, String, String)>,
}

/// Gives every target community an account and an organisation member with phone numbers,
/// so reads and reveals have something to find everywhere.
async fn fixture(app: &TestApp) -> Fixture {
    let sys = Actor::system("matrix setup");
    let a = app.store().acting(&sys);
    let mut user_at = Vec::new();
    let mut member_at = Vec::new();
    let mut org_at = Vec::new();
    let mut token_at = Vec::new();
    let mut resident_at = Vec::new();
    let mut request_at = Vec::new();
    app.store().seed_demo_window().await.expect("window demo");
    for (i, (_, code)) in TARGETS.iter().enumerate() {
        let input = linli_domain::account::UserInput {
            username: format!("target{i}"),
            display_name: format!("目标{i}"),
            role: "window_worker".into(),
            node_code: (*code).into(),
            phone: format!("1390000000{i}"),
            id_number: ["11010519491231002X", "350103198001010026", "44030519900101123X", "350102200002291230"][i]
                .into(),
            access_until: String::new(),
        };
        let (u, _) = a.create_user(&input).await.expect("target account");
        user_at.push(((*code).to_owned(), u.user.id.to_string()));
        let Ok(c) = DivisionCode::parse(code) else { continue };
        let (t, _) = a.create_token("矩阵", c, &["node:read".to_owned()], Some(30)).await.expect("token");
        token_at.push(((*code).to_owned(), t.id.to_string()));
        if c.level() != linli_domain::Level::Community {
            continue;
        }
        let org = a
            .create_organisation(
                c,
                &linli_domain::community::OrganisationInput {
                    kind: "party".into(),
                    name: format!("党组织{i}"),
                    responsibilities: String::new(),
                },
            )
            .await
            .expect("organisation");
        let org = a
            .add_member(
                org.id,
                &linli_domain::community::MemberInput {
                    name: format!("成员{i}"),
                    post: "书记".into(),
                    phone: format!("1380000000{i}"),
                },
            )
            .await
            .expect("member");
        member_at.push(((*code).to_owned(), org.members[0].id.to_string()));
        org_at.push(((*code).to_owned(), org.id.to_string()));
        let b = a.save_building(c, None, &format!("矩阵楼{i}"), "", None).await.expect("building");
        let h = a.household_at(b.id, "1", "101").await.expect("household");
        let id = linli_testkit::register::id_number("350103", "19500101", 10 + i as u32);
        let input = linli_domain::register::ResidentInput {
            name: format!("居民{}", ["甲", "乙", "丙", "丁"][i]),
            document_number: id.clone(),
            phone: format!("1370000000{i}"),
            relation: "户主".into(),
            residence_type: "户籍".into(),
            ..Default::default()
        };
        let r = a.register_resident(h, &input, linli_store::today(), false).await.expect("resident");
        resident_at.push(((*code).to_owned(), h.to_string(), r.to_string(), id));
        // Every community offers the district's 政策咨询 item, which needs no materials.
        let item = a.node_items(linli_testkit::code("350103000000")).await.expect("catalogue");
        let item = item.iter().find(|i| i.code == "QT-001").expect("QT-001").id;
        a.adopt_item(c, item, true, "").await.expect("adopt");
        let input = linli_domain::window::request::RequestInput {
            applicant_name: format!("申请人{i}"),
            applicant_phone: format!("1360000000{i}"),
            ..Default::default()
        };
        let taken =
            a.take_request(c, item, &input, linli_domain::window::request::Source::Window).await.expect("request");
        request_at.push(((*code).to_owned(), item.to_string(), taken.id.to_string()));
    }
    Fixture { user_at, member_at, org_at, token_at, resident_at, request_at }
}

/// One request of the matrix: what it is, what it needs, and how to send it.
struct Case {
    name: String,
    method: Method,
    path: String,
    body: Option<Value>,
    resource: Resource,
    action: Action,
    /// `None` for requests not aimed at a place in the tree (lists, the calendar).
    target: Option<DivisionCode>,
    /// Data that must not appear in a refused answer.
    secret: Option<String>,
    /// Only communities have profiles and organisations: an allowed request at a street is
    /// still 404.
    needs_community: bool,
}

fn cases(f: &Fixture, actor: &str) -> Vec<Case> {
    let mut v = Vec::new();
    for (label, code) in TARGETS {
        let target = DivisionCode::parse(code).ok();
        let community = target.is_some_and(|c| c.level() == linli_domain::Level::Community);
        let mut case = |name: &str,
                        method: Method,
                        path: String,
                        body: Option<Value>,
                        resource,
                        action,
                        secret: Option<String>,
                        needs_community| {
            v.push(Case {
                name: format!("{name} @ {label}"),
                method,
                path,
                body,
                resource,
                action,
                target,
                secret,
                needs_community,
            });
        };
        case(
            "read node",
            Method::GET,
            format!("/api/v1/nodes/{code}"),
            None,
            Resource::Node,
            Action::Read,
            None,
            false,
        );
        case(
            "rename node",
            Method::PATCH,
            format!("/api/v1/nodes/{code}"),
            Some(json!({ "name": "矩阵改名" })),
            Resource::Node,
            Action::Update,
            None,
            false,
        );
        case(
            "read profile",
            Method::GET,
            format!("/api/v1/communities/{code}/profile"),
            None,
            Resource::Community,
            Action::Read,
            None,
            true,
        );
        case(
            "update profile",
            Method::PUT,
            format!("/api/v1/communities/{code}/profile"),
            Some(json!({ "address": format!("{actor} 写入") })),
            Resource::Community,
            Action::Update,
            None,
            true,
        );
        case(
            "list organisations",
            Method::GET,
            format!("/api/v1/communities/{code}/organisations"),
            None,
            Resource::Organisation,
            Action::Read,
            None,
            true,
        );
        case(
            "create organisation",
            Method::POST,
            format!("/api/v1/communities/{code}/organisations"),
            Some(json!({ "kind": "social_organisation", "name": format!("{actor} 的组织") })),
            Resource::Organisation,
            Action::Create,
            None,
            true,
        );
        case(
            "create account",
            Method::POST,
            "/api/v1/users".into(),
            Some(
                json!({ "username": format!("m-{actor}-{}", &code[6..]), "display_name": "矩阵", "role": "volunteer", "node_code": code }),
            ),
            Resource::User,
            Action::Create,
            None,
            false,
        );
        case(
            "create token",
            Method::POST,
            "/api/v1/tokens".into(),
            Some(json!({ "name": "矩阵", "node_code": code, "scopes": ["node:read"], "valid_days": 1 })),
            Resource::Token,
            Action::Create,
            None,
            false,
        );
        if let Some((_, id)) = f.user_at.iter().find(|(c, _)| c == code) {
            let n = &id[..];
            case(
                "read account",
                Method::GET,
                format!("/api/v1/users/{n}"),
                None,
                Resource::User,
                Action::Read,
                Some("目标".to_owned()),
                false,
            );
            case(
                "reveal account phone",
                Method::POST,
                format!("/api/v1/users/{n}/reveal"),
                Some(json!({ "field": "phone" })),
                Resource::Phone,
                Action::Reveal,
                Some("1390000000".into()),
                false,
            );
        }
        if let Some((_, id)) = f.member_at.iter().find(|(c, _)| c == code) {
            case(
                "reveal member phone",
                Method::POST,
                format!("/api/v1/members/{id}/reveal-phone"),
                None,
                Resource::Phone,
                Action::Reveal,
                Some("1380000000".into()),
                true,
            );
        }
        if let Some((_, id)) = f.user_at.iter().find(|(c, _)| c == code) {
            let body = json!({ "display_name": "目标改", "role": "window_worker", "node_code": code });
            case(
                "update account",
                Method::PUT,
                format!("/api/v1/users/{id}"),
                Some(body),
                Resource::User,
                Action::Update,
                Some("1390000000".into()),
                false,
            );
            case(
                "reveal account ID number",
                Method::POST,
                format!("/api/v1/users/{id}/reveal"),
                Some(json!({ "field": "id_number" })),
                Resource::IdNumber,
                Action::Reveal,
                None,
                false,
            );
            case(
                "unlock account",
                Method::POST,
                format!("/api/v1/users/{id}/unlock"),
                None,
                Resource::User,
                Action::Update,
                None,
                false,
            );
            case(
                "disable account",
                Method::POST,
                format!("/api/v1/users/{id}/disable"),
                None,
                Resource::User,
                Action::Delete,
                None,
                false,
            );
            case(
                "enable account",
                Method::POST,
                format!("/api/v1/users/{id}/enable"),
                None,
                Resource::User,
                Action::Delete,
                None,
                false,
            );
        }
        if let Some((_, id)) = f.org_at.iter().find(|(c, _)| c == code) {
            let body = json!({ "kind": "party", "name": format!("{actor} 改名"), "responsibilities": "" });
            case(
                "update organisation",
                Method::PUT,
                format!("/api/v1/organisations/{id}"),
                Some(body),
                Resource::Organisation,
                Action::Update,
                None,
                true,
            );
            case(
                "add member",
                Method::POST,
                format!("/api/v1/organisations/{id}/members"),
                Some(json!({ "name": actor, "post": "委员" })),
                Resource::Organisation,
                Action::Update,
                None,
                true,
            );
            case(
                "retire organisation",
                Method::POST,
                format!("/api/v1/organisations/{id}/retired"),
                Some(json!({ "retired": true })),
                Resource::Organisation,
                Action::Delete,
                None,
                true,
            );
            case(
                "reinstate organisation",
                Method::POST,
                format!("/api/v1/organisations/{id}/retired"),
                Some(json!({ "retired": false })),
                Resource::Organisation,
                Action::Delete,
                None,
                true,
            );
        }
        if let Some((_, id)) = f.token_at.iter().find(|(c, _)| c == code) {
            case(
                "revoke token",
                Method::DELETE,
                format!("/api/v1/tokens/{id}"),
                None,
                Resource::Token,
                Action::Delete,
                None,
                false,
            );
        }
        let n = ACTORS.iter().position(|a| *a == actor).unwrap_or(ACTORS.len()) as u32;
        for (name, suffix, resource, action) in [
            ("list residents", "residents?limit=200", Resource::Register, Action::Read),
            ("population", "population", Resource::Register, Action::Read),
            ("list buildings", "buildings", Resource::Register, Action::Read),
            ("export register", "residents/export", Resource::Register, Action::Export),
            ("list grids", "grids", Resource::Grid, Action::Read),
            ("vulnerable due", "coverage/vulnerable", Resource::Visit, Action::Read),
            ("households due", "coverage/households", Resource::Visit, Action::Read),
        ] {
            let path = format!("/api/v1/communities/{code}/{suffix}");
            case(name, Method::GET, path, None, resource, action, Some("居民".into()), true);
        }
        for (name, suffix, resource) in [
            ("read catalogue", "catalogue", Resource::Catalogue),
            ("window figures", "window", Resource::ServiceRequest),
            ("window queue", "requests", Resource::ServiceRequest),
        ] {
            let path = format!("/api/v1/communities/{code}/{suffix}");
            case(name, Method::GET, path, None, resource, Action::Read, Some("申请人".into()), true);
        }
        case(
            "list surveys",
            Method::GET,
            format!("/api/v1/communities/{code}/surveys"),
            None,
            Resource::Survey,
            Action::Read,
            None,
            true,
        );
        case(
            "start a survey",
            Method::POST,
            format!("/api/v1/communities/{code}/surveys"),
            Some(json!({ "title": format!("{actor} 的问卷"), "audience": "residents" })),
            Resource::Survey,
            Action::Create,
            None,
            true,
        );
        case(
            "list follow-ups",
            Method::GET,
            format!("/api/v1/nodes/{code}/notes"),
            None,
            Resource::FollowUp,
            Action::Read,
            None,
            false,
        );
        case(
            "comment on a community",
            Method::POST,
            format!("/api/v1/communities/{code}/notes"),
            Some(json!({ "kind": "comment", "body": format!("{actor} 的点评") })),
            Resource::FollowUp,
            Action::Create,
            None,
            true,
        );
        case(
            "list complaints",
            Method::GET,
            format!("/api/v1/nodes/{code}/complaints"),
            None,
            Resource::Oversight,
            Action::Read,
            Some("投诉人".into()),
            false,
        );
        case(
            "add catalogue item",
            Method::POST,
            format!("/api/v1/nodes/{code}/catalogue"),
            Some(
                json!({ "code": format!("MX-{n}"), "name": format!("{actor} 的服务"), "category": "other", "channels": ["window"] }),
            ),
            Resource::Catalogue,
            Action::Create,
            None,
            false,
        );
        if let Some((_, item, request)) = f.request_at.iter().find(|r| r.0 == code) {
            // Residents and volunteers apply online for themselves; staff take requests.
            let resident = matches!(actor, "jumin" | "zhiyuan");
            let (resource, action) = if resident {
                (Resource::Application, Action::Create)
            } else {
                (Resource::ServiceRequest, Action::Create)
            };
            case(
                "take or apply for a request",
                Method::POST,
                format!("/api/v1/communities/{code}/requests"),
                Some(
                    json!({ "item_id": item, "applicant_name": format!("{actor}申请"), "applicant_phone": "13912345678" }),
                ),
                resource,
                action,
                None,
                true,
            );
            case(
                "read request",
                Method::GET,
                format!("/api/v1/requests/{request}"),
                None,
                Resource::ServiceRequest,
                Action::Read,
                Some("申请人".into()),
                true,
            );
        }
        case(
            "create grid",
            Method::POST,
            format!("/api/v1/communities/{code}/grids"),
            Some(json!({ "code": format!("9{n:03}"), "name": format!("{actor} 网格") })),
            Resource::Grid,
            Action::Create,
            None,
            true,
        );
        case(
            "create building",
            Method::POST,
            format!("/api/v1/communities/{code}/buildings"),
            Some(json!({ "name": format!("{actor} 楼") })),
            Resource::Register,
            Action::Create,
            None,
            true,
        );
        if let Some((_, household, resident, whole)) = f.resident_at.iter().find(|r| r.0 == code) {
            let person = |doc: String, relation: &str| json!({ "name": format!("{actor}居民"), "document_number": doc, "relation": relation, "residence_type": "户籍" });
            case(
                "read household",
                Method::GET,
                format!("/api/v1/households/{household}"),
                None,
                Resource::Register,
                Action::Read,
                Some("居民".into()),
                true,
            );
            case(
                "read resident",
                Method::GET,
                format!("/api/v1/residents/{resident}"),
                None,
                Resource::Register,
                Action::Read,
                Some("居民".into()),
                true,
            );
            case(
                "register resident",
                Method::POST,
                format!("/api/v1/households/{household}/residents"),
                Some(person(linli_testkit::register::id_number(&code[..6], "19800101", 100 + n), "配偶")),
                Resource::Register,
                Action::Create,
                None,
                true,
            );
            let mut same = person(whole.clone(), "户主");
            same["name"] = json!(format!("居民{actor}"));
            // The phone stays, so later reveals still find one.
            same["phone"] = json!(format!("1370000000{}", TARGETS.iter().position(|t| t.1 == code).unwrap_or(0)));
            case(
                "update resident",
                Method::PUT,
                format!("/api/v1/residents/{resident}"),
                Some(same),
                Resource::Register,
                Action::Update,
                None,
                true,
            );
            case(
                "reveal resident ID",
                Method::POST,
                format!("/api/v1/residents/{resident}/reveal"),
                Some(json!({ "field": "id_number" })),
                Resource::IdNumber,
                Action::Reveal,
                Some(whole.clone()),
                true,
            );
            case(
                "reveal resident phone",
                Method::POST,
                format!("/api/v1/residents/{resident}/reveal"),
                Some(json!({ "field": "phone" })),
                Resource::Phone,
                Action::Reveal,
                Some("1370000000".into()),
                true,
            );
            case(
                "list visits",
                Method::GET,
                format!("/api/v1/households/{household}/visits"),
                None,
                Resource::Visit,
                Action::Read,
                None,
                true,
            );
            case(
                "record visit",
                Method::POST,
                format!("/api/v1/households/{household}/visits"),
                Some(json!({ "purpose": format!("{actor} 走访") })),
                Resource::Visit,
                Action::Create,
                None,
                true,
            );
        }
        if code.ends_with("000") {
            // A new community under the street, numbered per caller so creations never clash.
            let n = ACTORS.iter().position(|a| *a == actor).unwrap_or(ACTORS.len());
            let body = json!({ "code": format!("{}{:03}", &code[..9], 900 + n), "name": format!("{actor} 新社区") });
            case(
                "create node",
                Method::POST,
                "/api/v1/nodes".into(),
                Some(body),
                Resource::Node,
                Action::Create,
                None,
                false,
            );
        }
        let _ = community;
    }
    let mut plain = |name: &str, method: Method, path: &str, body: Option<Value>, resource, action| {
        v.push(Case {
            name: name.into(),
            method,
            path: path.into(),
            body,
            resource,
            action,
            target: None,
            secret: None,
            needs_community: false,
        });
    };
    plain("list accounts", Method::GET, "/api/v1/users?limit=200", None, Resource::User, Action::Read);
    plain("list tokens", Method::GET, "/api/v1/tokens", None, Resource::Token, Action::Read);
    plain("read audit log", Method::GET, "/api/v1/audit?limit=200", None, Resource::Audit, Action::Read);
    plain("export audit log", Method::GET, "/api/v1/audit/export", None, Resource::Audit, Action::Export);
    plain("list nodes", Method::GET, "/api/v1/nodes", None, Resource::Node, Action::Read);
    plain(
        "replace a calendar year",
        Method::PUT,
        "/api/v1/calendar/2031",
        Some(json!({ "rules": [{ "date": "2031-01-01", "kind": "holiday", "name": "元旦" }] })),
        Resource::Calendar,
        Action::Update,
    );
    v
}

/// Whether the matrix lets the principal do the case (right and subtree).
fn allowed(p: &Principal, c: &Case) -> bool {
    // Revealing needs the read right on what holds the value; changing an account needs to
    // read it too.
    let read_too = match (c.resource, c.action) {
        (Resource::Phone | Resource::IdNumber, Action::Reveal) if c.name.starts_with("reveal member") => {
            p.may(Resource::Organisation, Action::Read)
        }
        (Resource::Phone | Resource::IdNumber, Action::Reveal) if c.name.starts_with("reveal resident") => {
            p.may(Resource::Register, Action::Read)
        }
        (Resource::Phone | Resource::IdNumber, Action::Reveal) | (Resource::User, Action::Update | Action::Delete) => {
            p.may(Resource::User, Action::Read)
        }
        (Resource::Token, Action::Delete) => p.may(Resource::Token, Action::Read),
        _ => true,
    };
    let right = p.may(c.resource, c.action) && read_too;
    let scope = c.target.is_none_or(|t| p.reaches(&t));
    right && scope
}

/// Who sends the requests: a signed-in demo account, or an integration's token.
enum Caller {
    User(&'static str),
    Token { name: &'static str, secret: String, principal: Principal },
}

async fn walk(engine: Engine) {
    let app = spawn_app(engine).await;
    let f = fixture(&app).await;
    let mut callers: Vec<Caller> = ACTORS.iter().map(|a| Caller::User(a)).collect();
    // A token with every scope a token may hold, at the street: it must act like its scopes,
    // inside its street, and nothing more.
    let sys = Actor::system("matrix setup");
    let scopes: Vec<String> = linli_domain::rights::TokenScope::all_grantable().map(|s| s.to_string()).collect();
    let street = linli_testkit::code("350103001000");
    let (_, secret) = app.store().acting(&sys).create_token("全权限", street, &scopes, Some(1)).await.expect("token");
    let principal = app.store().token_actor(&secret, None).await.expect("query").expect("token").principal;
    callers.push(Caller::Token { name: "street token", secret, principal });

    let mut checked = 0;
    let mut failures = Vec::new();
    for caller in callers {
        let client: Client = app.client();
        let (who, p, csrf, bearer, prefix, is_admin) = match &caller {
            Caller::User(username) => {
                let user = app.store().user_by_username(username).await.expect("demo account");
                let p = Principal { rights: Rights::Role(user.role), node: Some(user.node_code) };
                let csrf = app.sign_in(&client, username).await;
                (
                    format!("{username} ({})", user.role),
                    p,
                    csrf,
                    None,
                    user.node_code.subtree_prefix().to_owned(),
                    user.role == Role::Admin,
                )
            }
            Caller::Token { name, secret, principal } => (
                name.to_string(),
                principal.clone(),
                String::new(),
                Some(secret.clone()),
                street.subtree_prefix().to_owned(),
                false,
            ),
        };
        let label = match &caller {
            Caller::User(u) => *u,
            Caller::Token { .. } => "token",
        };
        for c in cases(&f, label) {
            let mut req = client.request(c.method.clone(), app.url(&c.path)).header("x-csrf-token", &csrf);
            if let Some(b) = &bearer {
                req = reqwest::Client::new().request(c.method.clone(), app.url(&c.path)).bearer_auth(b);
            }
            if let Some(b) = &c.body {
                req = req.json(b);
            }
            let r = req.send().await.expect("request");
            let status = r.status().as_u16();
            let body = r.text().await.unwrap_or_default();
            checked += 1;
            let may = allowed(&p, &c);
            let is_community_target = c.target.is_some_and(|t| t.level() == linli_domain::Level::Community);
            let ok = if may && c.needs_community && !is_community_target {
                status == 404
            } else if may {
                (200..300).contains(&status)
            } else {
                (status == 403 || status == 404) && c.secret.as_ref().is_none_or(|s| !body.contains(s.as_str()))
            };
            if !ok {
                let shown: String = body.chars().take(160).collect();
                failures.push(format!("{who} {}: {} {} → {status} (allowed: {may}) {shown}", c.name, c.method, c.path));
            }
            // Lists allowed to the caller contain only what lies in its subtree.
            if may && c.target.is_none() && (200..300).contains(&status) {
                let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                let items =
                    v.get("items").and_then(Value::as_array).or_else(|| v.as_array()).cloned().unwrap_or_default();
                for item in items {
                    let place = ["node_code", "chain", "code"]
                        .iter()
                        .find_map(|k| item.get(*k).and_then(Value::as_str))
                        .unwrap_or("")
                        .to_owned();
                    let global_ok = place == "global" && is_admin;
                    if !(place.starts_with(&prefix) || global_ok) {
                        failures.push(format!("{who}: {} leaked an item at {place}", c.name));
                    }
                }
            }
        }
    }
    assert!(checked > 900, "the walk covered {checked} requests");
    assert!(failures.is_empty(), "{} of {checked} requests broke the matrix:\n{}", failures.len(), failures.join("\n"));
}

/// What the standard's roles must be able to do, written out by hand (not computed from the
/// matrix in the code), so a wrong matrix fails here even if the code follows it faithfully.
const EXPECTED: &[(&str, &str, &str, u16)] = &[
    // (account, method, path, status)
    ("chuangkou", "GET", "/api/v1/communities/350103001001/profile", 200),
    ("chuangkou", "PUT", "/api/v1/communities/350103001001/profile", 403),
    ("chuangkou", "GET", "/api/v1/communities/350103001002/profile", 404),
    ("chuangkou", "GET", "/api/v1/users", 403),
    ("chuangkou", "GET", "/api/v1/audit", 403),
    ("shuji", "PUT", "/api/v1/communities/350103001001/profile", 200),
    ("shuji", "PUT", "/api/v1/communities/350103001002/profile", 404),
    ("shuji", "GET", "/api/v1/users", 200),
    ("shuji", "GET", "/api/v1/audit", 200),
    ("shuji", "GET", "/api/v1/tokens", 403),
    ("jiedao", "GET", "/api/v1/communities/350103001002/profile", 200),
    ("jiedao", "GET", "/api/v1/communities/350103002001/profile", 404),
    ("jiedao", "PUT", "/api/v1/communities/350103001001/profile", 403),
    ("jiedao", "GET", "/api/v1/audit/export", 200),
    ("quminzheng", "GET", "/api/v1/communities/350103002001/profile", 200),
    ("pingshen", "GET", "/api/v1/audit", 200),
    ("pingshen", "GET", "/api/v1/audit/export", 200),
    ("pingshen", "GET", "/api/v1/users", 403),
    ("pingshen", "PUT", "/api/v1/communities/350103001001/profile", 403),
    ("wangge", "GET", "/api/v1/communities/350103001001/organisations", 200),
    ("wangge", "POST", "/api/v1/communities/350103001001/organisations", 403),
    ("jumin", "GET", "/api/v1/nodes", 403),
    ("jumin", "GET", "/api/v1/communities/350103001001/profile", 403),
    ("zhiyuan", "GET", "/api/v1/communities/350103001001/organisations", 403),
    ("admin", "GET", "/api/v1/communities/350103002001/profile", 200),
    ("admin", "GET", "/api/v1/tokens", 200),
    ("admin", "PUT", "/api/v1/calendar/2032", 200),
    ("shuji", "PUT", "/api/v1/calendar/2032", 403),
    // The register: staff read it; grid workers visit but do not export; residents, volunteers
    // and other communities see nothing.
    ("chuangkou", "GET", "/api/v1/communities/350103001001/residents", 200),
    ("chuangkou", "GET", "/api/v1/communities/350103001001/residents/export", 200),
    ("wangge", "GET", "/api/v1/communities/350103001001/residents", 200),
    ("wangge", "GET", "/api/v1/communities/350103001001/residents/export", 403),
    ("wangge", "GET", "/api/v1/communities/350103001001/coverage/vulnerable", 200),
    ("wangge", "POST", "/api/v1/communities/350103001001/grids", 403),
    ("shuji", "POST", "/api/v1/communities/350103001001/grids", 201),
    ("pingshen", "GET", "/api/v1/communities/350103001001/population", 200),
    ("jiedao", "GET", "/api/v1/communities/350103001002/population", 200),
    ("minjiang", "GET", "/api/v1/communities/350103001001/residents", 404),
    ("jumin", "GET", "/api/v1/communities/350103001001/residents", 403),
    ("zhiyuan", "GET", "/api/v1/communities/350103001001/population", 403),
];

async fn the_roles_of_the_standard(engine: Engine) {
    let app = spawn_app(engine).await;
    let mut failures = Vec::new();
    for (username, method, path, want) in EXPECTED {
        let client = app.client();
        let csrf = app.sign_in(&client, username).await;
        let method = Method::from_bytes(method.as_bytes()).expect("method");
        let body = match (*path).rsplit('/').next() {
            Some("profile") => json!({ "address": "手写期望" }),
            Some("organisations") => json!({ "kind": "party", "name": "手写期望" }),
            Some("grids") => json!({ "code": "8888", "name": "手写期望" }),
            _ => json!({ "rules": [] }),
        };
        let mut req = client.request(method.clone(), app.url(path)).header("x-csrf-token", &csrf);
        if method != Method::GET {
            req = req.json(&body);
        }
        let got = req.send().await.expect("request").status().as_u16();
        if got != *want {
            failures.push(format!("{username} {method} {path}: {got}, expected {want}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// Pages enforce the same rights: allowed pages render, others are refused.
async fn pages_follow_the_matrix(engine: Engine) {
    let app = spawn_app(engine).await;
    let f = fixture(&app).await;
    let own_user = &f.user_at[0].1;
    let sibling_user = &f.user_at[2].1;
    let pages: [(&str, String, Resource, Option<&str>); 18] = [
        ("surveys", "/surveys/at/350103001001".into(), Resource::Survey, Some("350103001001")),
        ("sibling surveys", "/surveys/at/350103001002".into(), Resource::Survey, Some("350103001002")),
        ("follow-ups", "/follow-ups/350103001001".into(), Resource::FollowUp, Some("350103001001")),
        ("complaints", "/complaints/at/350103001001".into(), Resource::Oversight, Some("350103001001")),
        ("sibling complaints", "/complaints/at/350103001002".into(), Resource::Oversight, Some("350103001002")),
        ("rectifications", "/window/350103001001/rectifications".into(), Resource::Oversight, Some("350103001001")),
        ("window", "/window/350103001001".into(), Resource::ServiceRequest, Some("350103001001")),
        ("sibling window", "/window/350103001002".into(), Resource::ServiceRequest, Some("350103001002")),
        ("catalogue", "/catalogue/350103001001".into(), Resource::Catalogue, Some("350103001001")),
        ("consultations", "/window/350103001001/consultations".into(), Resource::ServiceRequest, Some("350103001001")),
        ("community page", "/community/350103001001".into(), Resource::Community, Some("350103001001")),
        ("sibling community page", "/community/350103001002".into(), Resource::Community, Some("350103001002")),
        ("tree", "/admin/nodes".into(), Resource::Node, None),
        ("accounts", "/admin/users".into(), Resource::User, None),
        ("own account page", format!("/admin/users/{own_user}"), Resource::User, Some("350103001001")),
        ("sibling account page", format!("/admin/users/{sibling_user}"), Resource::User, Some("350103001002")),
        ("tokens", "/admin/tokens".into(), Resource::Token, None),
        ("audit", "/admin/audit".into(), Resource::Audit, None),
    ];
    let mut failures = Vec::new();
    for username in ACTORS {
        let user = app.store().user_by_username(username).await.expect("demo account");
        let p = Principal { rights: Rights::Role(user.role), node: Some(user.node_code) };
        let client = app.client();
        app.sign_in(&client, username).await;
        for (name, path, resource, target) in &pages {
            let may = p.may(*resource, Action::Read)
                && target.and_then(|t| DivisionCode::parse(t).ok()).is_none_or(|t| p.reaches(&t));
            let status = client.get(app.url(path)).send().await.expect("get").status().as_u16();
            let ok = if may { status == 200 } else { status == 403 || status == 404 };
            if !ok {
                failures.push(format!("{username}: {name} {path} → {status} (allowed: {may})"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

engine_tests!(walk, the_roles_of_the_standard, pages_follow_the_matrix);
