//! The administrative tree (行政区划): province → city → district → street → community.

use linli_domain::{Action, DivisionCode, Invalid, Level, Resource};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;

use crate::acting::Acting;
use crate::audit::Entry;
use crate::{Store, StoreError, StoreResult, Ts, now};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Node {
    pub code: DivisionCode,
    pub parent_code: Option<DivisionCode>,
    pub level: Level,
    pub name: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub retired_at: Option<OffsetDateTime>,
}

#[derive(sqlx::FromRow)]
struct NodeRow {
    code: String,
    parent_code: Option<String>,
    level: String,
    name: String,
    retired_at: Option<OffsetDateTime>,
}

impl TryFrom<NodeRow> for Node {
    type Error = StoreError;
    fn try_from(r: NodeRow) -> StoreResult<Node> {
        let code = stored_code(&r.code)?;
        Ok(Node {
            parent_code: r.parent_code.as_deref().map(stored_code).transpose()?,
            level: Level::parse(&r.level).ok_or_else(|| corrupt("node.level", &r.level))?,
            name: r.name,
            retired_at: r.retired_at,
            code,
        })
    }
}

pub(crate) fn stored_code(s: &str) -> StoreResult<DivisionCode> {
    DivisionCode::parse(s).map_err(|_| corrupt("division code", s))
}

/// A stored value that no longer parses: a database edited by hand or by a buggy version.
pub(crate) fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Db(sqlx::Error::Decode(format!("stored {what} is invalid: {value:?}").into()))
}

/// `SELECT <node columns> <rest>` as one static string.
macro_rules! select {
    ($rest:literal) => {
        concat!("SELECT code, parent_code, level, name, retired_at ", $rest)
    };
}

impl Store {
    /// Adds a node under its parent (which must exist, except for a province). Unaudited: for
    /// the demo seed; people go through [`Acting::create_node`].
    pub(crate) async fn create_node(&self, code: DivisionCode, name: &str) -> StoreResult<Node> {
        let name = linli_domain::validation::text(name, 60).map_err(|e| e.at("name"))?;
        let parent = code.parent();
        if let Some(p) = parent {
            self.node(p).await.map_err(|e| match e {
                StoreError::NotFound(_) => StoreError::Invalid(Invalid::one("code", "division_parent_missing")),
                other => other,
            })?;
        }
        let at = Ts(now());
        let sql = "INSERT INTO node (code, parent_code, level, name, created_at, updated_at) \
                   VALUES ($1, $2, $3, $4, $5, $5)";
        exec_db!(self, |pool| sqlx::query(sql)
            .bind(code.as_str())
            .bind(parent.map(|p| p.to_string()))
            .bind(code.level().as_str())
            .bind(&name)
            .bind(at)
            .execute(pool)
            .await)
        .map_err(StoreError::unique("node", "code"))?;
        Ok(Node { code, parent_code: parent, level: code.level(), name, retired_at: None })
    }

    pub async fn node(&self, code: DivisionCode) -> StoreResult<Node> {
        let row: NodeRow = on_db!(self, |pool| sqlx::query_as(select!("FROM node WHERE code = $1"))
            .bind(code.as_str())
            .fetch_one(pool)
            .await)
        .map_err(StoreError::not_found("node"))?;
        row.try_into()
    }

    /// Whether the node exists (retired or not); a code found once is remembered.
    pub(crate) async fn node_exists(&self, code: DivisionCode) -> StoreResult<bool> {
        if self.known_nodes.read().unwrap_or_else(std::sync::PoisonError::into_inner).contains(code.as_str()) {
            return Ok(true);
        }
        let found: Option<i32> = on_db!(self, |pool| sqlx::query_scalar("SELECT 1 FROM node WHERE code = $1")
            .bind(code.as_str())
            .fetch_optional(pool)
            .await)?;
        if found.is_some() {
            self.known_nodes
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .insert(code.as_str().to_owned());
        }
        Ok(found.is_some())
    }

    /// `root` and every node below it, in code order (so parents come before children).
    pub async fn nodes_under(&self, root: DivisionCode) -> StoreResult<Vec<Node>> {
        let pattern = format!("{}%", root.subtree_prefix());
        let rows: Vec<NodeRow> =
            on_db!(self, |pool| sqlx::query_as(select!("FROM node WHERE code LIKE $1 ORDER BY code"))
                .bind(pattern)
                .fetch_all(pool)
                .await)?;
        rows.into_iter().map(Node::try_from).collect()
    }

    /// Every top-level node (provinces), for administrators.
    pub async fn root_nodes(&self) -> StoreResult<Vec<Node>> {
        let rows: Vec<NodeRow> =
            on_db!(self, |pool| sqlx::query_as(select!("FROM node WHERE parent_code IS NULL ORDER BY code"))
                .fetch_all(pool)
                .await)?;
        rows.into_iter().map(Node::try_from).collect()
    }
}

fn node_name(name: &str) -> StoreResult<String> {
    Ok(linli_domain::validation::text(name, 60).map_err(|e| e.at("name"))?)
}

impl Acting<'_> {
    /// The actor's own node and everything below it.
    pub async fn nodes(&self) -> StoreResult<Vec<Node>> {
        self.check_right(Resource::Node, Action::Read)?;
        match self.actor.principal.node {
            Some(root) => self.store.nodes_under(root).await,
            None => {
                let mut all = Vec::new();
                for root in self.store.root_nodes().await? {
                    all.extend(self.store.nodes_under(root.code).await?);
                }
                Ok(all)
            }
        }
    }

    pub async fn node(&self, code: DivisionCode) -> StoreResult<Node> {
        self.check(Resource::Node, Action::Read, &code)?;
        self.store.node(code).await
    }

    pub async fn create_node(&self, code: DivisionCode, name: &str) -> StoreResult<Node> {
        self.check(Resource::Node, Action::Create, &code).map_err(not_found_is_forbidden)?;
        let name = node_name(name)?;
        let parent = code.parent();
        if let Some(p) = parent {
            let up = self.store.node(p).await.map_err(|e| match e {
                StoreError::NotFound(_) => StoreError::Invalid(Invalid::one("code", "division_parent_missing")),
                other => other,
            })?;
            if up.retired_at.is_some() {
                return Err(StoreError::Invalid(Invalid::one("code", "division_parent_retired")));
            }
        }
        let at = Ts(now());
        let entry = Entry::new(code.to_string(), "node.create", "node", code.to_string(), json!({ "name": name }));
        let sql =
            "INSERT INTO node (code, parent_code, level, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)";
        let done = audited!(self, &entry, |tx| {
            sqlx::query(sql)
                .bind(code.as_str())
                .bind(parent.map(|p| p.to_string()))
                .bind(code.level().as_str())
                .bind(&name)
                .bind(at)
                .execute(&mut *tx)
                .await?;
        });
        done.map_err(StoreError::unique("node", "code"))?;
        self.store.node(code).await
    }

    pub async fn rename_node(&self, code: DivisionCode, name: &str) -> StoreResult<Node> {
        self.check(Resource::Node, Action::Update, &code)?;
        let name = node_name(name)?;
        let before = self.store.node(code).await?;
        if before.name == name {
            return Ok(before);
        }
        let entry = Entry::new(
            code.to_string(),
            "node.rename",
            "node",
            code.to_string(),
            json!({ "before": before.name, "after": name }),
        );
        let changed = self.store.sessions_changing();
        self.update_node(&entry, "UPDATE node SET name = $3, updated_at = $2 WHERE code = $1", code, Some(&name))
            .await?;
        // Signed-in users carry their node's name.
        drop(changed);
        self.store.node(code).await
    }

    /// Retires a node (or brings it back). A retired node keeps its history and data but takes
    /// no new children; a node with active children cannot be retired.
    pub async fn set_node_retired(&self, code: DivisionCode, retired: bool) -> StoreResult<Node> {
        self.check(Resource::Node, Action::Delete, &code)?;
        let before = self.store.node(code).await?;
        if before.retired_at.is_some() == retired {
            return Ok(before);
        }
        if retired {
            let active = self
                .store
                .nodes_under(code)
                .await?
                .into_iter()
                .filter(|n| n.code != code && n.retired_at.is_none())
                .count();
            if active > 0 {
                let e = linli_domain::FieldError::new("code", "node_has_active_children").with("count", active);
                return Err(StoreError::Invalid(Invalid(vec![e])));
            }
        }
        let (action, sql) = if retired {
            ("node.retire", "UPDATE node SET retired_at = $2, updated_at = $2 WHERE code = $1")
        } else {
            ("node.reinstate", "UPDATE node SET retired_at = NULL, updated_at = $2 WHERE code = $1")
        };
        let entry = Entry::new(code.to_string(), action, "node", code.to_string(), json!({ "name": before.name }));
        self.update_node(&entry, sql, code, None).await?;
        self.store.node(code).await
    }

    /// Runs `sql` with `$1` = code, `$2` = now and, when given, `$3` = text; then audits.
    async fn update_node(
        &self,
        entry: &Entry,
        sql: &'static str,
        code: DivisionCode,
        text: Option<&str>,
    ) -> StoreResult<()> {
        let at = Ts(now());
        let done = audited!(self, entry, |tx| {
            let q = sqlx::query(sql).bind(code.as_str()).bind(at);
            let q = match text {
                Some(t) => q.bind(t),
                None => q,
            };
            q.execute(&mut *tx).await?;
        });
        Ok(done?)
    }
}

/// Creating outside one's subtree reveals nothing, so it is refused as forbidden.
pub(crate) fn not_found_is_forbidden(e: StoreError) -> StoreError {
    match e {
        StoreError::NotFound(_) => StoreError::Forbidden,
        other => other,
    }
}
