//! API tokens for integrations (hotline systems, Open311 clients): each belongs to a node,
//! carries a set of rights (`node:read`, `calendar:update` …), can expire and be revoked. The
//! token is shown once at creation; only its SHA-256 is stored.

use std::collections::BTreeSet;

use linli_domain::rights::{Principal, Rights, TokenScope};
use linli_domain::validation::text;
use linli_domain::{Action, DivisionCode, FieldError, Invalid, Resource};
use serde::Serialize;
use serde_json::json;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::acting::{Acting, Actor, Who};
use crate::audit::Entry;
use crate::node::stored_code;
use crate::secret::{random_token, token_hash};
use crate::{Store, StoreError, StoreResult, Ts, now};

/// Every token starts with this, so leaked ones are easy to recognise (and to scan for).
pub const PREFIX: &str = "linli_";

#[derive(Debug, Clone, Serialize)]
pub struct ApiToken {
    pub id: Uuid,
    pub name: String,
    pub node_code: DivisionCode,
    pub scopes: Vec<String>,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: Uuid,
    name: String,
    node_code: String,
    scopes: String,
    created_by: String,
    created_at: OffsetDateTime,
    expires_at: Option<OffsetDateTime>,
    last_used_at: Option<OffsetDateTime>,
    revoked_at: Option<OffsetDateTime>,
}

impl TryFrom<TokenRow> for ApiToken {
    type Error = StoreError;
    fn try_from(r: TokenRow) -> StoreResult<ApiToken> {
        Ok(ApiToken {
            id: r.id,
            name: r.name,
            node_code: stored_code(&r.node_code)?,
            scopes: r.scopes.split_whitespace().map(str::to_owned).collect(),
            created_by: r.created_by,
            created_at: r.created_at,
            expires_at: r.expires_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
        })
    }
}

const COLUMNS: &str = "id, name, node_code, scopes, created_by, created_at, expires_at, last_used_at, revoked_at";

/// Parses scope names, naming every one that is unknown or not grantable to a token.
pub fn parse_scopes(names: &[String]) -> Result<BTreeSet<TokenScope>, Invalid> {
    let mut out = BTreeSet::new();
    let mut errors = Vec::new();
    for (i, n) in names.iter().enumerate() {
        match TokenScope::parse(n) {
            Some(s) => {
                out.insert(s);
            }
            None => errors.push(FieldError::new(format!("scopes[{i}]"), "token_scope").with("scope", n)),
        }
    }
    if out.is_empty() && errors.is_empty() {
        errors.push(FieldError::new("scopes", "required"));
    }
    if errors.is_empty() { Ok(out) } else { Err(Invalid(errors)) }
}

impl Acting<'_> {
    pub async fn tokens(&self) -> StoreResult<Vec<ApiToken>> {
        self.check_right(Resource::Token, Action::Read)?;
        let sql = format!(
            "SELECT {COLUMNS} FROM api_token WHERE node_code LIKE $1 ORDER BY revoked_at IS NOT NULL, created_at DESC"
        );
        let rows: Vec<TokenRow> = on_db!(self.store, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(self.scope_pattern())
            .fetch_all(pool)
            .await)?;
        rows.into_iter().map(ApiToken::try_from).collect()
    }

    /// Creates a token; returns it with the secret, which is shown this once.
    pub async fn create_token(
        &self,
        name: &str,
        node: DivisionCode,
        scopes: &[String],
        valid_days: Option<u32>,
    ) -> StoreResult<(ApiToken, String)> {
        self.check(Resource::Token, Action::Create, &node).map_err(crate::node::not_found_is_forbidden)?;
        let mut errors = Vec::new();
        let name = match text(name, 60) {
            Ok(n) => Some(n),
            Err(e) => {
                errors.extend(e.at("name").0);
                None
            }
        };
        let scopes = match parse_scopes(scopes) {
            Ok(s) => Some(s),
            Err(e) => {
                errors.extend(e.0);
                None
            }
        };
        if valid_days.is_some_and(|d| d == 0 || d > 3660) {
            errors.push(FieldError::new("valid_days", "token_days").with("max", 3660));
        }
        if self.store.node(node).await.is_err() {
            errors.push(FieldError::new("node_code", "node_missing"));
        }
        let (Some(name), Some(scopes), true) = (name, scopes, errors.is_empty()) else {
            return Err(StoreError::Invalid(Invalid(errors)));
        };
        let secret = format!("{PREFIX}{}", random_token());
        let id = Uuid::now_v7();
        let at = now();
        let expires_at = valid_days.map(|d| at + Duration::days(i64::from(d)));
        let scope_text = scopes.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ");
        let entry = Entry::new(
            node.to_string(),
            "token.create",
            "token",
            id.to_string(),
            json!({ "name": name, "scopes": scope_text }),
        );
        let done = audited!(self, &entry, |tx| {
            sqlx::query(
                "INSERT INTO api_token (id, name, token_hash, node_code, scopes, created_by, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id)
            .bind(&name)
            .bind(token_hash(&secret))
            .bind(node.as_str())
            .bind(&scope_text)
            .bind(&self.actor.name)
            .bind(Ts(at))
            .bind(expires_at.map(Ts))
            .execute(&mut *tx)
            .await?;
        });
        done?;
        let token = self.tokens().await?.into_iter().find(|t| t.id == id).ok_or(StoreError::NotFound("token"))?;
        Ok((token, secret))
    }

    pub async fn revoke_token(&self, id: Uuid) -> StoreResult<()> {
        let token = self.tokens().await?.into_iter().find(|t| t.id == id).ok_or(StoreError::NotFound("token"))?;
        self.check(Resource::Token, Action::Delete, &token.node_code)?;
        if token.revoked_at.is_some() {
            return Ok(());
        }
        let entry = Entry::new(
            token.node_code.to_string(),
            "token.revoke",
            "token",
            id.to_string(),
            json!({ "name": token.name }),
        );
        let done = audited!(self, &entry, |tx| {
            sqlx::query("UPDATE api_token SET revoked_at = $2 WHERE id = $1")
                .bind(id)
                .bind(Ts(now()))
                .execute(&mut *tx)
                .await?;
        });
        Ok(done?)
    }
}

impl Store {
    /// The actor behind a bearer token, or `None` when it is unknown, revoked or expired.
    pub async fn token_actor(&self, secret: &str, ip: Option<String>) -> StoreResult<Option<Actor>> {
        if !secret.starts_with(PREFIX) {
            return Ok(None);
        }
        let at = now();
        let sql = format!(
            "SELECT {COLUMNS} FROM api_token WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)"
        );
        let row: Option<TokenRow> = on_db!(self, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(token_hash(secret))
            .bind(Ts(at))
            .fetch_optional(pool)
            .await)?;
        let Some(t) = row.map(ApiToken::try_from).transpose()? else { return Ok(None) };
        if t.last_used_at.is_none_or(|u| at - u > Duration::minutes(1)) {
            exec_db!(self, |pool| sqlx::query("UPDATE api_token SET last_used_at = $2 WHERE id = $1")
                .bind(t.id)
                .bind(Ts(at))
                .execute(pool)
                .await)?;
        }
        let scopes = t.scopes.iter().filter_map(|s| TokenScope::parse(s)).collect();
        Ok(Some(Actor {
            principal: Principal { rights: Rights::Scopes(scopes), node: Some(t.node_code) },
            who: Who::Token(t.id),
            name: format!("token {}", t.name),
            ip,
        }))
    }
}
