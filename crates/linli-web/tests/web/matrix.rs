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
    /// Per target community: an account with a phone, and an organisation member with a phone.
    user_at: Vec<(String, String)>,
    member_at: Vec<(String, String)>,
}

/// Gives every target community an account and an organisation member with phone numbers,
/// so reads and reveals have something to find everywhere.
async fn fixture(app: &TestApp) -> Fixture {
    let sys = Actor::system("matrix setup");
    let a = app.store().acting(&sys);
    let mut user_at = Vec::new();
    let mut member_at = Vec::new();
    for (i, (_, code)) in TARGETS.iter().enumerate() {
        let input = linli_domain::account::UserInput {
            username: format!("target{i}"),
            display_name: format!("目标{i}"),
            role: "window_worker".into(),
            node_code: (*code).into(),
            phone: format!("1390000000{i}"),
            id_number: String::new(),
            access_until: String::new(),
        };
        let (u, _) = a.create_user(&input).await.expect("target account");
        user_at.push(((*code).to_owned(), u.user.id.to_string()));
        let Ok(c) = DivisionCode::parse(code) else { continue };
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
    }
    Fixture { user_at, member_at }
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
    // Reading an account or revealing its phone needs the read right there too.
    let extra_read = matches!((c.resource, c.action), (Resource::Phone, Action::Reveal))
        && if c.name.starts_with("reveal member") {
            p.may(Resource::Organisation, Action::Read)
        } else {
            p.may(Resource::User, Action::Read)
        };
    let right = p.may(c.resource, c.action) && (c.resource != Resource::Phone || extra_read);
    let scope = c.target.is_none_or(|t| p.reaches(&t));
    right && scope
}

async fn walk(engine: Engine) {
    let app = spawn_app(engine).await;
    let f = fixture(&app).await;
    let mut checked = 0;
    let mut failures = Vec::new();
    for username in ACTORS {
        let user = app.store().user_by_username(username).await.expect("demo account");
        let p = Principal { rights: Rights::Role(user.role), node: Some(user.node_code) };
        let client: Client = app.client();
        let csrf = app.sign_in(&client, username).await;
        for c in cases(&f, username) {
            let mut req = client.request(c.method.clone(), app.url(&c.path)).header("x-csrf-token", &csrf);
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
                failures.push(format!(
                    "{username} ({}) {}: {} {} → {status} (allowed: {may}) {}",
                    user.role,
                    c.name,
                    c.method,
                    c.path,
                    &body[..body.len().min(160)]
                ));
            }
            // Lists allowed to the actor contain only what lies in its subtree.
            if may && c.target.is_none() && (200..300).contains(&status) {
                let prefix = user.node_code.subtree_prefix().to_owned();
                let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                let items =
                    v.get("items").and_then(Value::as_array).or_else(|| v.as_array()).cloned().unwrap_or_default();
                for item in items {
                    let place = ["node_code", "chain", "code"]
                        .iter()
                        .find_map(|k| item.get(*k).and_then(Value::as_str))
                        .unwrap_or("")
                        .to_owned();
                    let global_ok = place == "global" && user.role == Role::Admin;
                    if !place.starts_with(&prefix) && !global_ok {
                        failures.push(format!("{username}: {} leaked an item at {place}", c.name));
                    }
                }
            }
        }
    }
    assert!(checked > 300, "the walk covered {checked} requests");
    assert!(failures.is_empty(), "{} of {checked} requests broke the matrix:\n{}", failures.len(), failures.join("\n"));
}

// Pages enforce the same rights: allowed pages render, others are refused.
async fn pages_follow_the_matrix(engine: Engine) {
    let app = spawn_app(engine).await;
    let f = fixture(&app).await;
    let own_user = &f.user_at[0].1;
    let sibling_user = &f.user_at[2].1;
    let pages: [(&str, String, Resource, Option<&str>); 8] = [
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

engine_tests!(walk, pages_follow_the_matrix);
