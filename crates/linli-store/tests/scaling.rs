//! Keeps the Citus plan of docs/SCALING.md true as the code grows: every statement the hot
//! operations execute must either touch only reference tables or pin each distributed table
//! it touches to one community by its distribution column (`community_code`; `chain` for the
//! audit log). Statements that do not yet are declared below, each with its reason and what
//! Citus needs instead; a new statement outside that list fails, and so does a declared
//! exception no hot operation runs any more (so the list shrinks as the code is fixed).
//!
//! The SQL is captured from sqlx's own statement log (`tracing` target `sqlx::query`, on by
//! default at DEBUG), so what is checked is what really ran, binds and all branches taken.
//! PostgreSQL only: both engines run the same SQL text (`on_db!` compiles one string twice),
//! and the SQLite driver logs from its worker thread after handing the rows back, which would
//! make attributing statements to operations racy.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, OnceLock};

use linli_domain::DivisionCode;
use linli_domain::window::request::{RequestInput, Source};
use linli_store::register::{ResidentQuery, VisitInput};
use linli_store::window::{MoveInput, QueueQuery};
use linli_store::{Actor, Store};
use linli_testkit::{Engine, TestDb};
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt as _};
use tracing_subscriber::{Layer, Registry};

const MAIN: &str = "350103001001";
const STREET: &str = "350103001000";

/// Shared by every community (small, read everywhere, written rarely): Citus reference tables,
/// copied to every worker so joins with them stay local.
const REFERENCE: [&str; 6] = ["api_token", "app_user", "calendar_day", "node", "service_item", "setting"];

/// Distributed by a column other than `community_code`: the audit log by its chain, which is
/// the node's code, so a community's chain lives on the same shard as the community's rows;
/// sessions by their token's hash, the key every request looks them up by.
const OTHER_DISTRIBUTION: [(&str, &str); 3] =
    [("audit_head", "chain"), ("audit_log", "chain"), ("user_session", "token_hash")];

/// Tables that belong to one community but lack the column today (docs/SCALING.md, "changes").
const NEEDS_COMMUNITY_CODE: [&str; 0] = [];

/// Why a statement may touch a distributed table without pinning it to a community.
#[derive(Debug, Clone, Copy)]
enum Why {
    /// The operation starts from an id (a link, a form) and this statement finds its community:
    /// on Citus it becomes a fan-out to every shard (one primary-key probe each) until the id
    /// carries the community (URL or key), see docs/SCALING.md.
    EntryById,
    /// By primary key of a row whose community the operation already read: on Citus add
    /// `AND community_code = $n` (already bound in the caller) so it routes to one shard.
    KnownCommunity,
}

/// (a fragment of the statement, lower-case with single spaces; why it is allowed). Each is a
/// known change for the move to Citus, listed in docs/SCALING.md.
const EXCEPTIONS: &[(&str, Why)] = &[
    // A request's page, a move: the link carries only the id.
    ("from work_item w where w.id = $1 and w.kind = 'service_request'", Why::EntryById),
    // A visit is recorded from the household's page.
    ("from household h join building b on b.id = h.building_id where h.id = $1", Why::EntryById),
    // A survey's results: the link carries only the id (with its response and invitation counts).
    ("from survey s where s.id = $1", Why::EntryById),
    // The request's own facts, history and moves once its work_item row named the community.
    ("from service_request where work_item_id = $1", Why::KnownCommunity),
    ("from work_item_event where work_item_id = $1", Why::KnownCommunity),
    ("update work_item set state = $3,", Why::KnownCommunity),
    ("update service_request set rating_code = $2 where work_item_id = $1", Why::KnownCommunity),
    // The answers of a survey already loaded (its community checked).
    ("select answers from survey_response where survey_id = $1", Why::KnownCommunity),
];

// ---------------------------------------------------------------------------------------------
// Capturing sqlx's statement log.

type Buffer = Arc<Mutex<Option<Vec<String>>>>;

struct Capture(Buffer);

#[derive(Default)]
struct StatementFields {
    summary: String,
    statement: String,
}

impl Visit for StatementFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "summary" => self.summary = value.to_owned(),
            "db.statement" => self.statement = value.to_owned(),
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if matches!(field.name(), "summary" | "db.statement") {
            self.record_str(field, &format!("{value:?}"));
        }
    }
}

impl<S: tracing::Subscriber> Layer<S> for Capture {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        if event.metadata().target() != "sqlx::query" {
            return;
        }
        let mut f = StatementFields::default();
        event.record(&mut f);
        // sqlx puts the whole SQL in `db.statement` unless it is at most four words long, when
        // the summary is the statement.
        let sql = if f.statement.trim().is_empty() { f.summary } else { f.statement };
        if let Some(buf) = self.0.lock().expect("capture lock").as_mut() {
            buf.push(sql);
        }
    }
}

/// The process-wide capture (the global subscriber can be set once).
fn buffer() -> &'static Buffer {
    static BUFFER: OnceLock<Buffer> = OnceLock::new();
    BUFFER.get_or_init(|| {
        let buf: Buffer = Arc::default();
        let subscriber =
            Registry::default().with(Capture(buf.clone()).with_filter(
                tracing_subscriber::filter::Targets::new().with_target("sqlx::query", tracing::Level::TRACE),
            ));
        tracing::subscriber::set_global_default(subscriber).expect("no other global subscriber in this test binary");
        buf
    })
}

/// Every statement sqlx ran while `op` ran, labelled with the operation's name.
struct Recorder {
    statements: Vec<(&'static str, String)>,
}

impl Recorder {
    async fn run<T>(&mut self, name: &'static str, op: impl Future<Output = T>) -> T {
        *buffer().lock().expect("capture lock") = Some(Vec::new());
        let out = op.await;
        let got = buffer().lock().expect("capture lock").take().unwrap_or_default();
        assert!(!got.is_empty(), "{name}: no statement captured — is sqlx's statement logging off?");
        self.statements.extend(got.into_iter().map(|s| (name, s)));
        out
    }
}

// ---------------------------------------------------------------------------------------------
// Reading the SQL: which tables a statement touches, and whether each is pinned.

/// How the schema distributes: table → its distribution column, or None for reference tables.
struct Plan {
    tables: BTreeMap<String, Option<&'static str>>,
}

impl Plan {
    fn new(columns: &[(String, String)]) -> Plan {
        let mut tables = BTreeMap::new();
        let names: BTreeSet<&str> = columns.iter().map(|(t, _)| t.as_str()).collect();
        for t in names {
            let has = columns.iter().any(|(tt, c)| tt == t && c == "community_code");
            let class = if let Some((_, col)) = OTHER_DISTRIBUTION.iter().find(|(n, _)| *n == t) {
                Some(*col)
            } else if has || NEEDS_COMMUNITY_CODE.contains(&t) {
                Some("community_code")
            } else if REFERENCE.contains(&t) {
                None
            } else {
                panic!("table {t} is neither distributed by community_code nor declared: place it in the plan");
            };
            tables.insert(t.to_owned(), class);
        }
        Plan { tables }
    }
}

/// Lower-case words and single punctuation; a string literal becomes the one token `$lit`.
fn tokens(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut in_string = false;
    for c in sql.chars() {
        if in_string {
            in_string = c != '\'';
            continue;
        }
        if c.is_ascii_alphanumeric() || c == '_' || c == '$' {
            word.push(c.to_ascii_lowercase());
            continue;
        }
        if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        if c == '\'' {
            in_string = true;
            out.push("$lit".to_owned());
        } else if !c.is_whitespace() {
            out.push(c.to_string());
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

const NOT_AN_ALIAS: [&str; 16] = [
    "on",
    "where",
    "join",
    "left",
    "inner",
    "cross",
    "set",
    "values",
    "order",
    "group",
    "limit",
    "returning",
    "using",
    "(",
    ")",
    ",",
];

/// A bound value or a literal: what pins a column to one community.
fn is_value(t: Option<&String>) -> bool {
    t.is_some_and(|t| t.starts_with('$'))
}

/// The distributed tables a statement touches without pinning them to one community: each
/// must have its distribution column compared with a value (`= $1`, `LIKE $1`, `IN ($1, …)`),
/// or equated with that of a pinned table, or (an INSERT's target) be given it as a column.
fn unpinned(plan: &Plan, sql: &str) -> Vec<String> {
    let t = tokens(sql);
    // (table, alias, distribution column) of every distributed table the statement names.
    let mut uses = Vec::new();
    for i in 1..t.len() {
        let after = t[i - 1].as_str();
        let names_table =
            matches!(after, "from" | "join" | "into") || (after == "update" && (i < 2 || t[i - 2] != "do"));
        let Some(Some(col)) = names_table.then(|| plan.tables.get(&t[i])).flatten() else { continue };
        let mut alias = t[i].clone();
        if let Some(next) = t.get(i + 1) {
            let next = if next == "as" { t.get(i + 2).unwrap_or(next) } else { next };
            if !NOT_AN_ALIAS.contains(&next.as_str()) && !plan.tables.contains_key(next) {
                alias = next.clone();
            }
        }
        uses.push((t[i].clone(), alias, *col, after == "into"));
    }
    let single = uses.len() == 1;
    // Positions (start, end) of each use's column reference: `alias.col`, or bare `col` alone.
    let refs = |alias: &str, col: &str| -> Vec<(usize, usize)> {
        let mut v = Vec::new();
        for k in 0..t.len() {
            if k + 2 < t.len() && t[k] == alias && t[k + 1] == "." && t[k + 2] == col {
                v.push((k, k + 2));
            } else if single && t[k] == col && (k == 0 || t[k - 1] != ".") {
                v.push((k, k));
            }
        }
        v
    };
    let mut pinned = vec![false; uses.len()];
    // Pinned to a value directly.
    for (u, (_, alias, col, insert)) in uses.iter().enumerate() {
        pinned[u] = (*insert && t.iter().any(|w| w == col))
            || refs(alias, col).into_iter().any(|(a, b)| {
                let op = t.get(b + 1).map(String::as_str);
                let rhs_value = match op {
                    Some("=" | "like") => is_value(t.get(b + 2)),
                    Some("in") => t.get(b + 2).is_some_and(|p| p == "(") && is_value(t.get(b + 3)),
                    _ => false,
                };
                rhs_value || (a >= 2 && t[a - 1] == "=" && is_value(t.get(a - 2)))
            });
    }
    // Pinned through a join on the distribution column with a pinned table.
    let mut changed = true;
    while changed {
        changed = false;
        for u in 0..uses.len() {
            if pinned[u] {
                continue;
            }
            let (_, alias, col, _) = &uses[u];
            let joined = refs(alias, col).into_iter().any(|(a, b)| {
                let other = |k: usize| {
                    uses.iter().position(|(_, al, c, _)| t.get(k) == Some(al) && t.get(k + 2) == Some(&c.to_string()))
                };
                let right = (t.get(b + 1).is_some_and(|o| o == "=")).then(|| other(b + 2)).flatten();
                let left = (a >= 4 && t[a - 1] == "=").then(|| other(a - 4)).flatten();
                right.or(left).is_some_and(|o| pinned[o])
            });
            if joined {
                pinned[u] = true;
                changed = true;
            }
        }
    }
    uses.into_iter().zip(pinned).filter(|(_, p)| !p).map(|((table, ..), _)| table).collect()
}

fn normalise(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// Every statement that breaks the plan without a declared reason, and every declared reason
/// no statement needed.
fn judge(plan: &Plan, statements: &[(&'static str, String)]) -> (Vec<String>, Vec<&'static str>) {
    let mut used = BTreeSet::new();
    let mut bad = Vec::new();
    for (op, sql) in statements {
        let loose = unpinned(plan, sql);
        if loose.is_empty() {
            continue;
        }
        let n = normalise(sql);
        match EXCEPTIONS.iter().find(|(fragment, _)| n.contains(fragment)) {
            Some((fragment, why)) => {
                if used.insert(*fragment) {
                    println!("{why:?}: {op}: {} in {fragment}", loose.join(", "));
                }
            }
            None => bad.push(format!("{op}: {} not pinned to a community in\n    {n}", loose.join(", "))),
        }
    }
    let stale = EXCEPTIONS.iter().map(|(f, _)| *f).filter(|f| !used.contains(f)).collect();
    (bad, stale)
}

// ---------------------------------------------------------------------------------------------
// The hot operations, on a real database.

fn code(s: &str) -> DivisionCode {
    DivisionCode::parse(s).expect("valid code in test")
}

async fn as_user(store: &Store, username: &str) -> Actor {
    let u = store.user_by_username(username).await.expect("demo user");
    Actor::user(&u, Some("127.0.0.1".into()))
}

fn mv(action: &str, reason: &str) -> MoveInput {
    MoveInput { action: action.into(), reason: reason.into(), ..MoveInput::default() }
}

async fn hot_statements(store: &Store) -> Vec<(&'static str, String)> {
    store.seed_demo().await.expect("demo");
    store.seed_demo_register().await.expect("register");
    store.seed_demo_window().await.expect("window");
    store.seed_demo_surveys().await.expect("surveys");
    let (desk, head, street, grid) = (
        as_user(store, "chuangkou").await,
        as_user(store, "shuji").await,
        as_user(store, "jiedao").await,
        as_user(store, "wangge").await,
    );
    let (desk, head, street, grid) =
        (store.acting(&desk), store.acting(&head), store.acting(&street), store.acting(&grid));
    let repair = desk.catalogue(code(MAIN)).await.expect("catalogue").into_iter().find(|i| i.code == "BM-004");
    let repair = repair.expect("the demo catalogue has BM-004").id;
    let household = head
        .residents(&ResidentQuery { community: Some(code(MAIN)), limit: 1, ..Default::default() })
        .await
        .expect("a resident")
        .0[0]
        .household_id;
    let survey = head.surveys(code(MAIN)).await.expect("surveys")[0].id;
    // Warm the calendar cache as a running server has it; its read is a reference table anyway.
    desk.window_queue(code(MAIN), &QueueQuery { limit: 20, ..Default::default() }).await.expect("queue");

    let mut r = Recorder { statements: Vec::new() };
    let queue = QueueQuery { limit: 20, ..Default::default() };
    r.run("window_queue", desk.window_queue(code(MAIN), &queue)).await.expect("queue");
    let searched = QueueQuery { q: "维修".into(), mine: true, ..queue.clone() };
    r.run("window_queue (search, mine)", desk.window_queue(code(MAIN), &searched)).await.expect("queue");
    r.run("window_summary", desk.window_summary(code(MAIN))).await.expect("summary");
    let input = RequestInput {
        applicant_name: "李秀英".into(),
        applicant_phone: "13905910011".into(),
        fields: BTreeMap::from([("f1".to_owned(), "水电维修".to_owned())]),
        ..RequestInput::default()
    };
    let taken =
        r.run("take_request", desk.take_request(code(MAIN), repair, &input, Source::Window)).await.expect("take");
    r.run("request detail", desk.request(taken.id)).await.expect("detail");
    r.run("move_request (complete)", desk.move_request(taken.id, &mv("complete", "已修好"))).await.expect("complete");
    for q in ["王", "wang", "wf", "1234"] {
        let query = ResidentQuery { community: Some(code(MAIN)), q: Some(q.into()), limit: 20, ..Default::default() };
        r.run("residents (community)", head.residents(&query)).await.expect("search");
    }
    // A street supervisor searches the whole street: the subtree prefix (LIKE '350103001%').
    let query = ResidentQuery { q: Some("王".into()), limit: 20, ..Default::default() };
    r.run("residents (street)", street.residents(&query)).await.expect("street search");
    let visit = VisitInput { purpose: "日常走访".into(), ..Default::default() };
    r.run("record_visit", grid.record_visit(household, &visit)).await.expect("visit");
    r.run("service_figures", head.service_figures(code(MAIN), 12)).await.expect("figures");
    r.run("compare_communities", street.compare_communities(code(STREET), 12)).await.expect("compare");
    r.run("complaints (community)", head.complaints(code(MAIN), false)).await.expect("complaints");
    r.run("complaints (street)", street.complaints(code(STREET), true)).await.expect("street complaints");
    r.run("survey_results", head.survey_results(survey)).await.expect("results");
    r.statements
}

#[tokio::test]
async fn hot_queries_stay_within_one_community() {
    buffer();
    let db = TestDb::new(Engine::Postgres).await;
    let plan = Plan::new(&db.store().schema_columns().await.expect("schema"));
    let statements = hot_statements(db.store()).await;
    let (bad, stale) = judge(&plan, &statements);
    assert!(
        bad.is_empty(),
        "statements that would cross communities on Citus (filter by community_code, or declare why in EXCEPTIONS):\n{}",
        bad.join("\n")
    );
    assert!(stale.is_empty(), "declared exceptions no hot operation runs any more (remove them): {stale:?}");
}

// The check itself can fail: the hot queries with their community filter dropped are caught.
#[test]
fn a_dropped_community_filter_is_caught() {
    let columns: Vec<(String, String)> = [
        ("work_item", "id"),
        ("work_item", "community_code"),
        ("service_request", "work_item_id"),
        ("service_request", "community_code"),
        ("node", "code"),
        ("audit_log", "chain"),
    ]
    .iter()
    .map(|(t, c)| ((*t).to_owned(), (*c).to_owned()))
    .collect();
    let plan = Plan::new(&columns);
    let pinned = "SELECT w.id FROM work_item w JOIN service_request r ON r.work_item_id = w.id \
                  AND r.community_code = w.community_code WHERE w.community_code = $1 AND w.kind = 'x'";
    assert!(unpinned(&plan, pinned).is_empty());
    let dropped = pinned.replace("w.community_code = $1 AND ", "");
    assert_eq!(unpinned(&plan, &dropped), ["work_item", "service_request"]);
    let join_by_id = pinned.replace(" AND r.community_code = w.community_code", "");
    assert_eq!(unpinned(&plan, &join_by_id), ["service_request"]);
    assert_eq!(unpinned(&plan, "UPDATE work_item SET state = $2 WHERE id = $1"), ["work_item"]);
    assert!(unpinned(&plan, "UPDATE work_item SET state = $2 WHERE id = $1 AND community_code = $3").is_empty());
    assert!(unpinned(&plan, "INSERT INTO work_item (id, community_code) VALUES ($1, $2)").is_empty());
    assert!(unpinned(&plan, "SELECT code FROM node WHERE parent_code = $1").is_empty());
    assert_eq!(unpinned(&plan, "SELECT seq FROM audit_log WHERE at > $1"), ["audit_log"]);
    assert!(unpinned(&plan, "SELECT seq FROM audit_log WHERE chain = $1").is_empty());
    // Reading the column is not filtering by it.
    assert_eq!(unpinned(&plan, "SELECT w.community_code FROM work_item w WHERE w.id = $1"), ["work_item"]);
    assert!(unpinned(&plan, "SELECT id FROM work_item WHERE community_code LIKE $1 AND kind = $2").is_empty());
    // A literal that happens to spell the column does not count.
    assert_eq!(unpinned(&plan, "SELECT id FROM work_item WHERE title = 'community_code'"), ["work_item"]);
    let statements = vec![("op", dropped)];
    assert_eq!(judge(&plan, &statements).0.len(), 1);
}
