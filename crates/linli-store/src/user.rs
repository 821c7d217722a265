//! Accounts: who may sign in, with which role, at which node of the tree.

use linli_domain::{DivisionCode, Role, Username};
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::node::{corrupt, stored_code};
use crate::{Store, StoreError, StoreResult, Ts, now};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub node_code: DivisionCode,
    /// The name of the user's node (e.g. 榕华社区), for headers and lists.
    pub node_name: String,
    pub must_change_password: bool,
    pub failed_logins: i32,
    #[serde(with = "time::serde::rfc3339::option")]
    pub locked_until: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub disabled_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub password_changed_at: OffsetDateTime,
    /// Time-boxed access (assessors): no sign-in from this moment on.
    #[serde(with = "time::serde::rfc3339::option")]
    pub access_until: Option<OffsetDateTime>,
}

impl User {
    /// Whether the account may be used at `now` (not disabled, not past its access window).
    pub fn usable_at(&self, now: OffsetDateTime) -> bool {
        self.disabled_at.is_none() && self.access_until.is_none_or(|u| u > now)
    }
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: Username,
    pub display_name: String,
    pub role: Role,
    pub node_code: DivisionCode,
    /// An argon2id PHC string (hash with `linli_domain::password::hash`).
    pub password_hash: String,
    pub must_change_password: bool,
}

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    pub(crate) id: Uuid,
    pub(crate) username: String,
    pub(crate) display_name: String,
    pub(crate) role: String,
    pub(crate) node_code: String,
    pub(crate) node_name: String,
    pub(crate) must_change_password: bool,
    pub(crate) failed_logins: i32,
    pub(crate) locked_until: Option<OffsetDateTime>,
    pub(crate) disabled_at: Option<OffsetDateTime>,
    pub(crate) password_changed_at: OffsetDateTime,
    pub(crate) access_until: Option<OffsetDateTime>,
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(r: UserRow) -> StoreResult<User> {
        Ok(User {
            role: Role::parse(&r.role).ok_or_else(|| corrupt("user.role", &r.role))?,
            node_code: stored_code(&r.node_code)?,
            node_name: r.node_name,
            id: r.id,
            username: r.username,
            display_name: r.display_name,
            must_change_password: r.must_change_password,
            failed_logins: r.failed_logins,
            locked_until: r.locked_until,
            disabled_at: r.disabled_at,
            password_changed_at: r.password_changed_at,
            access_until: r.access_until,
        })
    }
}

/// `SELECT <user columns> <rest>`; `$rest` must join `node n ON n.code = u.node_code`.
macro_rules! select_user {
    ($rest:literal) => {
        concat!(
            "SELECT u.id, u.username, u.display_name, u.role, u.node_code, n.name AS node_name, ",
            "u.must_change_password, u.failed_logins, u.locked_until, u.disabled_at, u.password_changed_at, ",
            "u.access_until ",
            $rest
        )
    };
}
pub(crate) use select_user;

impl Store {
    /// Adds an account without an actor: for the demo seed only (people use [`Acting::create_user`]).
    pub(crate) async fn create_user(&self, new: &NewUser) -> StoreResult<User> {
        self.node(new.node_code).await?;
        let id = Uuid::now_v7();
        let at = Ts(now());
        let sql = "INSERT INTO app_user (id, username, display_name, role, node_code, password_hash, \
                   must_change_password, password_changed_at, created_at, updated_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $8)";
        exec_db!(self, |pool| sqlx::query(sql)
            .bind(id)
            .bind(new.username.as_str())
            .bind(&new.display_name)
            .bind(new.role.as_str())
            .bind(new.node_code.as_str())
            .bind(&new.password_hash)
            .bind(new.must_change_password)
            .bind(at)
            .execute(pool)
            .await)
        .map_err(StoreError::unique("user", "username"))?;
        self.user(id).await
    }

    pub async fn user(&self, id: Uuid) -> StoreResult<User> {
        let row: UserRow = on_db!(self, |pool| sqlx::query_as(select_user!(
            "FROM app_user u JOIN node n ON n.code = u.node_code WHERE u.id = $1"
        ))
        .bind(id)
        .fetch_one(pool)
        .await)
        .map_err(StoreError::not_found("user"))?;
        row.try_into()
    }

    /// The account and its password hash, for signing in.
    pub async fn user_for_login(&self, username: &str) -> StoreResult<Option<(User, String)>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: UserRow,
            password_hash: String,
        }
        let row: Option<Row> = on_db!(self, |pool| {
            sqlx::query_as(select_user!(
                ", u.password_hash FROM app_user u JOIN node n ON n.code = u.node_code WHERE u.username = $1"
            ))
            .bind(username.trim().to_ascii_lowercase())
            .fetch_optional(pool)
            .await
        })?;
        row.map(|r| Ok((User::try_from(r.user)?, r.password_hash))).transpose()
    }

    pub async fn user_by_username(&self, username: &str) -> StoreResult<User> {
        self.user_for_login(username).await?.map(|(u, _)| u).ok_or(StoreError::NotFound("user"))
    }

    /// Records a wrong password for an account, with its audit entry, in one transaction:
    /// the failure counts towards the lock, and the account locks until `lock_until` once
    /// `limit` failures are reached. During a lock nothing is counted or extended, so
    /// anonymous guessing cannot keep an account locked for ever; a lock that has run out
    /// starts the count afresh. `what` names the check in the audit log (sign-in,
    /// re-authentication, password change). Returns the failures so far and whether this
    /// failure locked the account.
    pub async fn record_password_failure(
        &self,
        user: &User,
        actor: &crate::Actor,
        what: &'static str,
        limit: i32,
        lock_until: OffsetDateTime,
    ) -> StoreResult<(i32, bool)> {
        use crate::audit::{AuditTx, Entry};
        use crate::tx::WritePool;
        // One statement, so two concurrent failures cannot both read the old count.
        let sql = "UPDATE app_user SET \
                   failed_logins = CASE WHEN locked_until > $4 THEN failed_logins \
                       WHEN locked_until IS NOT NULL THEN 1 ELSE failed_logins + 1 END, \
                   locked_until = CASE WHEN locked_until > $4 THEN locked_until \
                       WHEN (CASE WHEN locked_until IS NOT NULL THEN 1 ELSE failed_logins + 1 END) >= $2 THEN $3 \
                       ELSE NULL END, \
                   updated_at = $4 WHERE id = $1 RETURNING failed_logins, locked_until";
        let changed = self.sessions_changing();
        let done: Result<(i32, bool), sqlx::Error> = on_db!(self, |pool| async {
            let mut tx = pool.begin_write().await?;
            let (n, locked): (i32, Option<OffsetDateTime>) = sqlx::query_as(sql)
                .bind(user.id)
                .bind(limit)
                .bind(Ts(lock_until))
                .bind(Ts(now()))
                .fetch_one(&mut *tx)
                .await?;
            let newly_locked = locked == Some(crate::truncate(lock_until));
            let action = if newly_locked { "user.locked" } else { what };
            let entry = Entry::new(
                user.node_code.to_string(),
                action,
                "user",
                user.id.to_string(),
                serde_json::json!({ "failures": n }),
            );
            tx.append_audit(actor, &entry).await?;
            tx.commit().await?;
            Ok((n, newly_locked))
        }
        .await);
        drop(changed);
        done.map_err(StoreError::not_found("user"))
    }

    pub async fn record_login_success(&self, id: Uuid) -> StoreResult<()> {
        let sql = "UPDATE app_user SET failed_logins = 0, locked_until = NULL WHERE id = $1 \
                   AND (failed_logins <> 0 OR locked_until IS NOT NULL)";
        let done = exec_db!(self, |pool| sqlx::query(sql).bind(id).execute(pool).await)?;
        if done > 0 {
            self.sessions.changed();
        }
        Ok(())
    }

    /// Users at `root` or below, by username, for administration pages.
    pub async fn users_under(&self, root: DivisionCode) -> StoreResult<Vec<User>> {
        let pattern = format!("{}%", root.subtree_prefix());
        let rows: Vec<UserRow> = on_db!(self, |pool| sqlx::query_as(select_user!(
            "FROM app_user u JOIN node n ON n.code = u.node_code \
             WHERE u.node_code LIKE $1 ORDER BY u.node_code, u.username"
        ))
        .bind(pattern)
        .fetch_all(pool)
        .await)?;
        rows.into_iter().map(User::try_from).collect()
    }
}
