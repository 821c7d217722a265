//! The administrative tree (行政区划): province → city → district → street → community.

use linli_domain::{DivisionCode, Invalid, Level};
use serde::Serialize;
use time::OffsetDateTime;

use crate::{Store, StoreError, StoreResult, Ts, now};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Node {
    pub code: DivisionCode,
    pub parent_code: Option<DivisionCode>,
    pub level: Level,
    pub name: String,
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
    StoreError::Db(sqlx::Error::Decode(
        format!("stored {what} is invalid: {value:?}").into(),
    ))
}

/// `SELECT <node columns> <rest>` as one static string.
macro_rules! select {
    ($rest:literal) => {
        concat!("SELECT code, parent_code, level, name, retired_at ", $rest)
    };
}

impl Store {
    /// Adds a node under its parent (which must exist, except for a province).
    pub async fn create_node(&self, code: DivisionCode, name: &str) -> StoreResult<Node> {
        let name = linli_domain::validation::text(name, 60).map_err(|e| e.at("name"))?;
        let parent = code.parent();
        if let Some(p) = parent {
            self.node(p).await.map_err(|e| match e {
                StoreError::NotFound(_) => {
                    StoreError::Invalid(Invalid::one("code", "division_parent_missing"))
                }
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
        Ok(Node {
            code,
            parent_code: parent,
            level: code.level(),
            name,
            retired_at: None,
        })
    }

    pub async fn node(&self, code: DivisionCode) -> StoreResult<Node> {
        let row: NodeRow = on_db!(self, |pool| sqlx::query_as(select!(
            "FROM node WHERE code = $1"
        ))
        .bind(code.as_str())
        .fetch_one(pool)
        .await)
        .map_err(StoreError::not_found("node"))?;
        row.try_into()
    }

    /// `root` and every node below it, in code order (so parents come before children).
    pub async fn nodes_under(&self, root: DivisionCode) -> StoreResult<Vec<Node>> {
        let pattern = format!("{}%", root.subtree_prefix());
        let rows: Vec<NodeRow> = on_db!(self, |pool| sqlx::query_as(select!(
            "FROM node WHERE code LIKE $1 ORDER BY code"
        ))
        .bind(pattern)
        .fetch_all(pool)
        .await)?;
        rows.into_iter().map(Node::try_from).collect()
    }

    /// Every top-level node (provinces), for administrators.
    pub async fn root_nodes(&self) -> StoreResult<Vec<Node>> {
        let rows: Vec<NodeRow> = on_db!(self, |pool| sqlx::query_as(select!(
            "FROM node WHERE parent_code IS NULL ORDER BY code"
        ))
        .fetch_all(pool)
        .await)?;
        rows.into_iter().map(Node::try_from).collect()
    }
}
