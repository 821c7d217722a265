//! The operations against linli itself, as the people in the issue do them: window workers
//! (take, list, move), residents (look-up), a supervisor (district comparison), a grid worker
//! (visits) and register search.
//!
//! Every account signs in once through `POST /api/v1/session` (the session cookie plus the
//! CSRF header on writes, as the browser would); what the operations need — catalogue items,
//! households, search terms — is read from the server before the clock starts, so the tool
//! works on the demo data and on `linli gen` data alike.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use anyhow::{Context, Result, bail};
use pinyin::ToPinyin;
use reqwest::{Client, RequestBuilder, StatusCode};
use serde_json::{Value, json};

use crate::Op;
use crate::report::Outcome;
use crate::rng::Rng;

/// What `setup` needs from the command line.
pub struct Setup {
    pub password: String,
    pub window_users: Vec<String>,
    pub supervisor: String,
    pub grid_user: String,
    pub district: Option<String>,
    pub queue_state: String,
    pub prefill: usize,
    pub forwarded_for: bool,
    pub seed: u64,
}

struct Session {
    username: String,
    cookie: String,
    csrf: String,
    node: String,
}

/// An item a window worker can take, with what its form needs.
struct Item {
    id: String,
    materials: usize,
    /// Values for the item's required extra fields.
    fields: BTreeMap<String, String>,
}

/// A request the tool took and can still move (首问负责: only its taker may).
struct Pending {
    id: String,
    state: String,
}

/// One window worker at their community's desk.
struct Desk {
    session: Session,
    community: String,
    items: Vec<Item>,
    pending: Mutex<VecDeque<Pending>>,
}

/// A request number with its applicant's phone, and how often it was looked up.
struct Known {
    number: String,
    phone: String,
    uses: u32,
}

pub struct Linli {
    client: Client,
    base: String,
    desks: Vec<Desk>,
    queue_state: String,
    supervisor: Option<Session>,
    district: String,
    grid: Option<(Session, Vec<String>)>,
    /// (community, query) pairs: names, pinyin, initials, ID and phone tails.
    terms: Vec<(String, String)>,
    known: Mutex<Vec<Known>>,
    forwarded_for: bool,
    next_ip: AtomicU32,
}

/// linli allows 10 look-ups of one number an hour; stay under it so a number never turns 429.
const LOOKUPS_PER_NUMBER: u32 = 9;

fn status_error(what: &str, status: StatusCode, body: &str) -> String {
    let body: String = body.chars().take(200).collect();
    format!("{what}: HTTP {status}: {body}")
}

impl Linli {
    /// Signs the accounts in and reads what the chosen operations need.
    pub async fn setup(client: Client, base: &str, s: &Setup, ops: &[Op]) -> Result<Linli> {
        let needs = |wanted: &[Op]| ops.iter().any(|o| wanted.contains(o));
        let mut linli = Linli {
            client,
            base: base.to_owned(),
            desks: Vec::new(),
            queue_state: s.queue_state.clone(),
            supervisor: None,
            district: String::new(),
            grid: None,
            terms: Vec::new(),
            known: Mutex::new(Vec::new()),
            forwarded_for: s.forwarded_for,
            next_ip: AtomicU32::new(0),
        };
        if needs(&[Op::Create, Op::Queue, Op::Move, Op::Lookup, Op::Search]) {
            for user in &s.window_users {
                let session = linli.sign_in(user, &s.password).await?;
                let community = session.node.clone();
                let items = if needs(&[Op::Create, Op::Move, Op::Lookup]) {
                    linli.items(&session, &community).await?
                } else {
                    Vec::new()
                };
                linli.desks.push(Desk { session, community, items, pending: Mutex::new(VecDeque::new()) });
            }
            if linli.desks.is_empty() {
                bail!("--window-users names nobody");
            }
        }
        if needs(&[Op::Move, Op::Lookup]) {
            // Something to move and to look up from the first second on.
            let mut rng = Rng::new(s.seed ^ 0x5EED);
            for d in 0..linli.desks.len() {
                for _ in 0..s.prefill {
                    if let Outcome::Error(e) = linli.create_at(d, &mut rng).await {
                        bail!("taking a request to start with failed: {e}");
                    }
                }
            }
        }
        if needs(&[Op::Search]) {
            for d in &linli.desks {
                let terms = linli.search_terms(&d.session, &d.community).await?;
                linli.terms.extend(terms);
            }
            if linli.terms.is_empty() {
                bail!("no residents in the window workers' communities to search for");
            }
        }
        if needs(&[Op::Dashboard]) {
            let session = linli.sign_in(&s.supervisor, &s.password).await?;
            linli.district = s.district.clone().unwrap_or_else(|| session.node.clone());
            linli.supervisor = Some(session);
        }
        if needs(&[Op::Visit]) {
            let session = linli.sign_in(&s.grid_user, &s.password).await?;
            let households = linli.households(&session).await?;
            if households.is_empty() {
                bail!("no households in {}'s community to visit", s.grid_user);
            }
            linli.grid = Some((session, households));
        }
        Ok(linli)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn authed(&self, rb: RequestBuilder, s: &Session, write: bool) -> RequestBuilder {
        let rb = rb.header(reqwest::header::COOKIE, &s.cookie);
        if write { rb.header("x-csrf-token", &s.csrf) } else { rb }
    }

    async fn sign_in(&self, username: &str, password: &str) -> Result<Session> {
        let r = self
            .client
            .post(self.url("/api/v1/session"))
            .json(&json!({ "username": username, "password": password }))
            .send()
            .await
            .with_context(|| format!("cannot reach {}", self.base))?;
        let status = r.status();
        let cookie = r
            .headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("linli_session="))
            .and_then(|v| v.split(';').next())
            .map(str::to_owned);
        let body = r.text().await.unwrap_or_default();
        if status != StatusCode::CREATED {
            bail!("{}", status_error(&format!("sign-in of {username}"), status, &body));
        }
        let v: Value = serde_json::from_str(&body).context("sign-in answer is not JSON")?;
        let (Some(cookie), Some(csrf), Some(node)) =
            (cookie, v["csrf_token"].as_str(), v["user"]["node_code"].as_str())
        else {
            bail!("sign-in of {username}: no session cookie, csrf_token or node_code in the answer");
        };
        if v["user"]["must_change_password"].as_bool() == Some(true) {
            bail!("{username} must change the initial password before using the API");
        }
        Ok(Session { username: username.to_owned(), cookie, csrf: csrf.to_owned(), node: node.to_owned() })
    }

    async fn get_json(&self, s: &Session, path: &str) -> Result<Value> {
        let r = self.authed(self.client.get(self.url(path)), s, false).send().await?;
        let status = r.status();
        let body = r.text().await.unwrap_or_default();
        if !status.is_success() {
            bail!("{}", status_error(&format!("GET {path} as {}", s.username), status, &body));
        }
        serde_json::from_str(&body).with_context(|| format!("GET {path}: not JSON"))
    }

    /// The community's adopted, published items that the window takes, with values for any
    /// required extra field.
    async fn items(&self, s: &Session, community: &str) -> Result<Vec<Item>> {
        let v = self.get_json(s, &format!("/api/v1/communities/{community}/catalogue")).await?;
        let items: Vec<Item> = v
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter(|i| {
                i["adopted"].as_bool() == Some(true)
                    && i["published"].as_bool() == Some(true)
                    && i["retired_at"].is_null()
            })
            .filter_map(|i| {
                let fields = i["fields"]
                    .as_array()
                    .map(Vec::as_slice)
                    .unwrap_or_default()
                    .iter()
                    .filter(|f| f["required"].as_bool() == Some(true))
                    .map(|f| {
                        let value = match f["kind"].as_str() {
                            Some("number") => "1".to_owned(),
                            Some("date") => "2026-01-05".to_owned(),
                            Some("choice") => f["choices"][0].as_str().unwrap_or_default().to_owned(),
                            _ => "压力测试".to_owned(),
                        };
                        (f["key"].as_str().unwrap_or_default().to_owned(), value)
                    })
                    .collect();
                Some(Item {
                    id: i["id"].as_str()?.to_owned(),
                    materials: i["materials"].as_array().map_or(0, Vec::len),
                    fields,
                })
            })
            .collect();
        if items.is_empty() {
            bail!("{community} has no adopted, published service item to take requests for");
        }
        Ok(items)
    }

    /// Names, pinyin, initials and number tails of a page of the community's residents.
    async fn search_terms(&self, s: &Session, community: &str) -> Result<Vec<(String, String)>> {
        let v = self.get_json(s, &format!("/api/v1/communities/{community}/residents?limit=200&sort=name")).await?;
        let mut terms = Vec::new();
        for r in v["items"].as_array().map(Vec::as_slice).unwrap_or_default() {
            let name = r["name"].as_str().unwrap_or_default();
            if name.chars().count() >= 2 {
                terms.push(name.to_owned());
                let syllables: Vec<&str> = name.to_pinyin().flatten().map(|p| p.plain()).collect();
                if !syllables.is_empty() {
                    terms.push(syllables.concat());
                    terms.push(syllables.iter().filter_map(|p| p.get(..1)).collect());
                }
            }
            for masked in [r["document_masked"].as_str(), r["phone_masked"].as_str()].into_iter().flatten() {
                let tail: String = masked.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
                if tail.chars().all(|c| c.is_ascii_alphanumeric()) && tail.len() == 4 {
                    terms.push(tail);
                }
            }
        }
        Ok(terms.into_iter().map(|t| (community.to_owned(), t)).collect())
    }

    /// Households of the grid worker's community.
    async fn households(&self, s: &Session) -> Result<Vec<String>> {
        let v = self.get_json(s, &format!("/api/v1/communities/{}/residents?limit=200", s.node)).await?;
        let mut ids: Vec<String> = v["items"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter_map(|r| r["household_id"].as_str().map(str::to_owned))
            .collect();
        ids.sort();
        ids.dedup();
        Ok(ids)
    }

    pub async fn run(&self, op: Op, rng: &mut Rng) -> Outcome {
        let result = match op {
            Op::Create => {
                let d = rng.below(self.desks.len() as u64) as usize;
                return self.create_at(d, rng).await;
            }
            Op::Queue => self.queue(rng).await,
            Op::Move => return self.move_one(rng).await,
            Op::Lookup => return self.lookup(rng).await,
            Op::Dashboard => self.dashboard().await,
            Op::Visit => self.visit(rng).await,
            Op::Search => self.search(rng).await,
        };
        match result {
            Ok(()) => Outcome::Ok,
            Err(e) => Outcome::Error(e),
        }
    }

    /// Sends a request and reads the whole body (a browser would); errors carry the status.
    async fn send(&self, what: &str, rb: RequestBuilder, want: StatusCode) -> Result<String, String> {
        let r = rb.send().await.map_err(|e| format!("{what}: {e}"))?;
        let status = r.status();
        let body = r.text().await.map_err(|e| format!("{what}: {e}"))?;
        if status == want { Ok(body) } else { Err(status_error(what, status, &body)) }
    }

    /// A window worker takes a request: usually with every material (accepted at once), one
    /// time in three with none (it waits for materials and is accepted later by `move`).
    async fn create_at(&self, d: usize, rng: &mut Rng) -> Outcome {
        let Some(desk) = self.desks.get(d) else { return Outcome::Skipped };
        let Some(item) = rng.choose(&desk.items) else { return Outcome::Skipped };
        let complete = rng.below(3) != 0;
        let received: Vec<usize> = if complete { (0..item.materials).collect() } else { Vec::new() };
        let phone = format!("139{:08}", rng.below(100_000_000));
        const SURNAMES: [&str; 8] = ["王", "李", "张", "刘", "陈", "林", "黄", "郑"];
        const GIVEN: [&str; 8] = ["秀英", "建华", "丽", "志强", "桂英", "海燕", "伟", "晓东"];
        let name = format!(
            "{}{}",
            SURNAMES[rng.below(SURNAMES.len() as u64) as usize],
            GIVEN[rng.below(GIVEN.len() as u64) as usize]
        );
        let body = json!({
            "item_id": item.id,
            "applicant_name": name,
            "applicant_phone": phone,
            "address": "江滨中大道 88 号 3 栋 502",
            "description": "压力测试 / load test",
            "fields": item.fields,
            "received": received,
        });
        let rb = self.client.post(self.url(&format!("/api/v1/communities/{}/requests", desk.community))).json(&body);
        let text = match self.send("create", self.authed(rb, &desk.session, true), StatusCode::CREATED).await {
            Ok(t) => t,
            Err(e) => return Outcome::Error(e),
        };
        let v: Value = serde_json::from_str(&text).unwrap_or_default();
        let (Some(id), Some(number), Some(state)) = (v["id"].as_str(), v["number"].as_str(), v["state"].as_str())
        else {
            return Outcome::Error(format!("create: no id, number or state in {text}"));
        };
        if let Ok(mut p) = desk.pending.lock() {
            p.push_back(Pending { id: id.to_owned(), state: state.to_owned() });
        }
        if let Ok(mut k) = self.known.lock() {
            k.push(Known { number: number.to_owned(), phone, uses: 0 });
        }
        Outcome::Ok
    }

    async fn queue(&self, rng: &mut Rng) -> Result<(), String> {
        let desk = rng.choose(&self.desks).ok_or("no desk")?;
        let path = format!("/api/v1/communities/{}/requests?state={}&limit=20", desk.community, self.queue_state);
        let rb = self.authed(self.client.get(self.url(&path)), &desk.session, false);
        self.send("queue", rb, StatusCode::OK).await.map(drop)
    }

    /// Accepts a request waiting for materials, or completes one in progress (the oldest the
    /// tool took at a random desk).
    async fn move_one(&self, rng: &mut Rng) -> Outcome {
        let start = rng.below(self.desks.len() as u64) as usize;
        let found = (0..self.desks.len()).find_map(|i| {
            let desk = &self.desks[(start + i) % self.desks.len()];
            desk.pending.lock().ok()?.pop_front().map(|p| (desk, p))
        });
        let Some((desk, p)) = found else { return Outcome::Skipped };
        let (action, next) = match p.state.as_str() {
            "submitted" | "awaiting_materials" => ("accept", Some("in_progress")),
            "in_progress" | "transferred" => ("complete", None),
            _ => return Outcome::Skipped,
        };
        let body = json!({ "action": action, "reason": "压力测试办结" });
        let rb = self.client.post(self.url(&format!("/api/v1/requests/{}/moves", p.id))).json(&body);
        match self.send("move", self.authed(rb, &desk.session, true), StatusCode::OK).await {
            Ok(_) => {
                if let (Some(next), Ok(mut q)) = (next, desk.pending.lock()) {
                    q.push_back(Pending { id: p.id, state: next.to_owned() });
                }
                Outcome::Ok
            }
            Err(e) => Outcome::Error(e),
        }
    }

    /// A resident's look-up; each number is used fewer times than linli's per-number limit, so
    /// a 429 here means the per-address limit (see `--forwarded-for`).
    async fn lookup(&self, rng: &mut Rng) -> Outcome {
        let pair = self.known.lock().ok().and_then(|mut k| {
            if k.is_empty() {
                return None;
            }
            let i = rng.below(k.len() as u64) as usize;
            k[i].uses += 1;
            let pair = (k[i].number.clone(), k[i].phone.clone());
            if k[i].uses >= LOOKUPS_PER_NUMBER {
                k.swap_remove(i);
            }
            Some(pair)
        });
        let Some((number, phone)) = pair else { return Outcome::Skipped };
        let mut rb = self.client.post(self.url("/api/v1/lookup")).json(&json!({ "number": number, "phone": phone }));
        if self.forwarded_for {
            // 10.x.y.z: a fresh documentation-free private address per look-up.
            let n = self.next_ip.fetch_add(1, Ordering::Relaxed);
            rb = rb.header("x-forwarded-for", format!("10.{}.{}.{}", (n >> 16) & 255, (n >> 8) & 255, n & 255));
        }
        let r = match rb.send().await {
            Ok(r) => r,
            Err(e) => return Outcome::Error(format!("lookup: {e}")),
        };
        let status = r.status();
        let body = r.text().await.unwrap_or_default();
        match status {
            StatusCode::OK => Outcome::Ok,
            StatusCode::TOO_MANY_REQUESTS => Outcome::Limited,
            s => Outcome::Error(status_error("lookup", s, &body)),
        }
    }

    async fn dashboard(&self) -> Result<(), String> {
        let s = self.supervisor.as_ref().ok_or("no supervisor signed in")?;
        let rb = self.authed(self.client.get(self.url(&format!("/oversight/compare/{}", self.district))), s, false);
        self.send("dashboard", rb, StatusCode::OK).await.map(drop)
    }

    async fn visit(&self, rng: &mut Rng) -> Result<(), String> {
        let (s, households) = self.grid.as_ref().ok_or("no grid worker signed in")?;
        let h = rng.choose(households).ok_or("no household")?;
        let body = json!({ "purpose": "日常走访", "findings": "家中一切正常（压力测试）" });
        let rb = self.client.post(self.url(&format!("/api/v1/households/{h}/visits"))).json(&body);
        self.send("visit", self.authed(rb, s, true), StatusCode::CREATED).await.map(drop)
    }

    async fn search(&self, rng: &mut Rng) -> Result<(), String> {
        let (community, q) = rng.choose(&self.terms).ok_or("no search terms")?;
        let desk = self.desks.iter().find(|d| &d.community == community).ok_or("no desk")?;
        let path = format!("/api/v1/communities/{community}/residents?q={}&limit=20", percent_encode(q));
        let rb = self.client.get(self.url(&path));
        self.send("search", self.authed(rb, &desk.session, false), StatusCode::OK).await.map(drop)
    }
}

/// Percent-encodes a query value (UTF-8 bytes; unreserved characters as they are).
fn percent_encode(s: &str) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}
