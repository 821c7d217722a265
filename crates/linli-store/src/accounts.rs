//! Account administration, as an actor: listing and reading accounts in one's subtree
//! (personal fields masked), creating, changing, disabling, resetting, unlocking, and the
//! logged reveal of a whole phone or ID number.

use linli_domain::account::UserInput;
use linli_domain::ids::{mask_id_number, mask_phone};
use linli_domain::{Action, IdNumber, Invalid, Resource, Role, password};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::acting::Acting;
use crate::audit::{AuditTx, Entry, escape_like};
use crate::node::stored_code;
use crate::privacy::Field;
use crate::tx::WritePool;
use crate::user::{User, UserRow, select_user};
use crate::{Store, StoreError, StoreResult, Ts, now};

/// An account as administrators see it: personal fields masked.
#[derive(Debug, Clone, Serialize)]
pub struct UserSummary {
    #[serde(flatten)]
    pub user: User,
    pub phone_masked: Option<String>,
    pub id_number_masked: Option<String>,
    pub locked: bool,
}

/// Which blank personal fields of an account update keep the stored value: a form never shows
/// them whole, so it cannot send them back; an API client that leaves a field out keeps it too.
#[derive(Debug, Clone, Copy, Default)]
pub struct KeepBlank {
    pub phone: bool,
    pub id_number: bool,
}

impl KeepBlank {
    pub const BOTH: KeepBlank = KeepBlank { phone: true, id_number: true };
    pub const NONE: KeepBlank = KeepBlank { phone: false, id_number: false };
}

/// Filters and paging for the account list.
#[derive(Debug, Clone, Default)]
pub struct UserQuery {
    /// Part of the name or username.
    pub q: Option<String>,
    pub role: Option<Role>,
    pub limit: i64,
    pub offset: i64,
}

/// The end of the last allowed day, China time: access stops at the next midnight.
fn end_of_day(d: time::Date) -> OffsetDateTime {
    let next = d.next_day().unwrap_or(d);
    next.midnight().assume_offset(time::macros::offset!(+8)).to_offset(time::UtcOffset::UTC)
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    #[sqlx(flatten)]
    user: UserRow,
    phone_enc: Option<Vec<u8>>,
    id_number_enc: Option<Vec<u8>>,
    id_number_idx: Option<Vec<u8>>,
}

impl Acting<'_> {
    fn summary(&self, r: SummaryRow) -> StoreResult<UserSummary> {
        let user = User::try_from(r.user)?;
        let keys = self.store.keys()?;
        let id = user.id;
        let phone_masked =
            r.phone_enc.map(|e| keys.decrypt(Field::Phone, &id, &e).map(|p| mask_phone(&p))).transpose()?;
        let id_number_masked =
            r.id_number_enc.map(|e| keys.decrypt(Field::IdNumber, &id, &e).map(|p| mask_id_number(&p))).transpose()?;
        let locked = user.locked_until.is_some_and(|u| u > now());
        Ok(UserSummary { user, phone_masked, id_number_masked, locked })
    }

    /// Accounts in the actor's subtree, filtered and paged; with the total.
    pub async fn users(&self, q: &UserQuery) -> StoreResult<(Vec<UserSummary>, i64)> {
        self.check_right(Resource::User, Action::Read)?;
        let text =
            q.q.as_ref()
                .map(|t| t.trim())
                .filter(|t| !t.is_empty())
                .map(|t| format!("%{}%", escape_like(&t.to_lowercase())));
        let role = q.role.map(|r| r.as_str());
        let filter = "WHERE u.node_code LIKE $1 \
             AND ($2 IS NULL OR lower(u.username) LIKE $2 ESCAPE '\\' OR u.display_name LIKE $2 ESCAPE '\\') \
             AND ($3 IS NULL OR u.role = $3)";
        let list = format!(
            "{} , u.phone_enc, u.id_number_enc, u.id_number_idx FROM app_user u JOIN node n ON n.code = u.node_code {filter} \
             ORDER BY u.node_code, u.username LIMIT $4 OFFSET $5",
            select_user!("")
        );
        let count = format!("SELECT count(*) FROM app_user u {filter}");
        let pattern = self.scope_pattern();
        let rows: Vec<SummaryRow> = on_db!(self.store, |pool| sqlx::query_as(sqlx::AssertSqlSafe(list.as_str()))
            .bind(&pattern)
            .bind(&text)
            .bind(role)
            .bind(q.limit)
            .bind(q.offset)
            .fetch_all(pool)
            .await)?;
        let total: i64 = on_db!(self.store, |pool| sqlx::query_scalar(sqlx::AssertSqlSafe(count.as_str()))
            .bind(&pattern)
            .bind(&text)
            .bind(role)
            .fetch_one(pool)
            .await)?;
        let users = rows.into_iter().map(|r| self.summary(r)).collect::<StoreResult<Vec<_>>>()?;
        Ok((users, total))
    }

    async fn summary_row(&self, id: Uuid) -> StoreResult<SummaryRow> {
        let row: Option<SummaryRow> = on_db!(self.store, |pool| {
            sqlx::query_as(select_user!(
            ", u.phone_enc, u.id_number_enc, u.id_number_idx FROM app_user u JOIN node n ON n.code = u.node_code WHERE u.id = $1"
        ))
        .bind(id)
        .fetch_optional(pool)
        .await
        })?;
        row.ok_or(StoreError::NotFound("user"))
    }

    /// One account. The right comes before the lookup, so an actor without it cannot tell an
    /// existing account from a missing one.
    pub async fn user(&self, id: Uuid) -> StoreResult<UserSummary> {
        self.check_right(Resource::User, Action::Read)?;
        let s = self.summary(self.summary_row(id).await?)?;
        self.check(Resource::User, Action::Read, &s.user.node_code)?;
        Ok(s)
    }

    /// The account an administrative action changes: its right first, then the account (which
    /// must be readable and in reach).
    async fn user_to_change(&self, id: Uuid, action: Action) -> StoreResult<UserSummary> {
        self.check_right(Resource::User, action)?;
        let before = self.user(id).await?;
        self.check(Resource::User, action, &before.user.node_code)?;
        Ok(before)
    }

    /// Finds the account holding an ID number, by its blind index (the number itself is never
    /// searched in clear).
    pub async fn user_by_id_number(&self, id_number: &IdNumber) -> StoreResult<UserSummary> {
        self.check_right(Resource::User, Action::Read)?;
        let idx = self.store.keys()?.blind_index(id_number.as_str());
        let id: Option<Uuid> = on_db!(self.store, |pool| sqlx::query_scalar(
            "SELECT id FROM app_user WHERE id_number_idx = $1 AND node_code LIKE $2"
        )
        .bind(&idx)
        .bind(self.scope_pattern())
        .fetch_optional(pool)
        .await)?;
        // Every lookup is recorded, found or not: ID numbers are guessable, and the log shows
        // anyone trying numbers one after another.
        let chain = self.actor.principal.node.map_or_else(|| crate::audit::GLOBAL_CHAIN.to_owned(), |n| n.to_string());
        let entry = Entry::new(
            chain,
            "user.lookup_id_number",
            "user",
            id.map(|i| i.to_string()).unwrap_or_default(),
            json!({ "id_number": id_number.masked(), "found": id.is_some() }),
        );
        self.store.record(self.actor, &entry).await?;
        self.user(id.ok_or(StoreError::NotFound("user"))?).await
    }

    /// Creates an account with a generated initial password (returned once, never stored in
    /// clear) that must be changed at first sign-in.
    pub async fn create_user(&self, input: &UserInput) -> StoreResult<(UserSummary, String)> {
        let f = input.validate(true, crate::today())?;
        self.check(Resource::User, Action::Create, &f.node_code).map_err(crate::node::not_found_is_forbidden)?;
        self.store
            .node(f.node_code)
            .await
            .map_err(|_| StoreError::Invalid(Invalid::one("node_code", "node_missing")))?;
        let username = f.username.clone().ok_or_else(|| StoreError::Invalid(Invalid::one("username", "required")))?;
        let initial = password::generate_initial();
        let hash =
            password::hash(&initial).map_err(|e| StoreError::Db(sqlx::Error::Protocol(format!("hashing: {e}"))))?;
        let keys = self.store.keys()?;
        let id = Uuid::now_v7();
        let entry = Entry::new(
            f.node_code.to_string(),
            "user.create",
            "user",
            id.to_string(),
            json!({ "username": username.as_str(), "name": f.display_name, "role": f.role.as_str(),
                    "phone": f.phone.as_ref().map(|p| p.masked()), "id_number": f.id_number.as_ref().map(|i| i.masked()) }),
        );
        let at = Ts(now());
        let done: Result<(), sqlx::Error> = on_db!(self.store, |pool| {
            async {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "INSERT INTO app_user (id, username, display_name, role, node_code, password_hash, must_change_password, \
                 password_changed_at, created_at, updated_at, phone_enc, id_number_enc, id_number_idx, access_until) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $8, $9, $10, $11, $12)",
            )
            .bind(id)
            .bind(username.as_str())
            .bind(&f.display_name)
            .bind(f.role.as_str())
            .bind(f.node_code.as_str())
            .bind(&hash)
            .bind(true)
            .bind(at)
            .bind(f.phone.as_ref().map(|p| keys.encrypt(Field::Phone, &id, p.as_str())))
            .bind(f.id_number.as_ref().map(|i| keys.encrypt(Field::IdNumber, &id, i.as_str())))
            .bind(f.id_number.as_ref().map(|i| keys.blind_index(i.as_str())))
            .bind(f.access_until.map(|d| Ts(end_of_day(d))))
            .execute(&mut *tx)
            .await?;
            tx.append_audit(self.actor, &entry).await?;
            tx.commit().await
        }.await
        });
        done.map_err(StoreError::unique("user", "username"))?;
        Ok((self.user(id).await?, initial))
    }

    /// Changes name, role, node, personal fields and access window; moving an account needs
    /// the right at both the old and the new node.
    ///
    /// `keep` says which blank personal fields keep their stored value rather than clearing it
    /// (forms never get
    /// the whole values back, so they cannot send them again); otherwise blank clears it.
    pub async fn update_user(&self, id: Uuid, input: &UserInput, keep: KeepBlank) -> StoreResult<UserSummary> {
        let before = self.user_to_change(id, Action::Update).await?;
        let stored = self.summary_row(id).await?;
        let f = input.validate(false, crate::today())?;
        self.check(Resource::User, Action::Update, &f.node_code).map_err(crate::node::not_found_is_forbidden)?;
        self.store
            .node(f.node_code)
            .await
            .map_err(|_| StoreError::Invalid(Invalid::one("node_code", "node_missing")))?;
        if self.actor.user_id() == Some(id) && f.role != before.user.role {
            return Err(StoreError::Invalid(Invalid::one("role", "own_role")));
        }
        let keys = self.store.keys()?;
        let phone_enc = match &f.phone {
            Some(p) => Some(keys.encrypt(Field::Phone, &id, p.as_str())),
            None if keep.phone => stored.phone_enc.clone(),
            None => None,
        };
        let (id_enc, id_idx) = match &f.id_number {
            Some(i) => (Some(keys.encrypt(Field::IdNumber, &id, i.as_str())), Some(keys.blind_index(i.as_str()))),
            None if keep.id_number => (stored.id_number_enc.clone(), stored.id_number_idx.clone()),
            None => (None, None),
        };
        let phone_after =
            f.phone.as_ref().map(|p| p.masked()).or_else(|| keep.phone.then(|| before.phone_masked.clone()).flatten());
        let id_after = f
            .id_number
            .as_ref()
            .map(|i| i.masked())
            .or_else(|| keep.id_number.then(|| before.id_number_masked.clone()).flatten());
        let entry = Entry::new(
            f.node_code.to_string(),
            "user.update",
            "user",
            id.to_string(),
            json!({
                "before": { "name": before.user.display_name, "role": before.user.role.as_str(), "node": before.user.node_code,
                            "phone": before.phone_masked, "id_number": before.id_number_masked },
                "after": { "name": f.display_name, "role": f.role.as_str(), "node": f.node_code,
                           "phone": phone_after, "id_number": id_after }
            }),
        );
        let at = Ts(now());
        let changed = self.store.sessions_changing();
        let done = audited!(self, &entry, |tx| {
            sqlx::query(
                "UPDATE app_user SET display_name = $2, role = $3, node_code = $4, phone_enc = $5, id_number_enc = $6, \
                 id_number_idx = $7, access_until = $8, updated_at = $9 WHERE id = $1",
            )
            .bind(id)
            .bind(&f.display_name)
            .bind(f.role.as_str())
            .bind(f.node_code.as_str())
            .bind(&phone_enc)
            .bind(&id_enc)
            .bind(&id_idx)
            .bind(f.access_until.map(|d| Ts(end_of_day(d))))
            .bind(at)
            .execute(&mut *tx)
            .await?;
            if f.node_code != before.user.node_code {
                // The community an account leaves keeps a record of the move too.
                let left = Entry::new(
                    before.user.node_code.to_string(),
                    "user.moved_out",
                    "user",
                    id.to_string(),
                    json!({ "to": f.node_code }),
                );
                tx.append_audit(self.actor, &left).await?;
            }
            if f.role != before.user.role || f.node_code != before.user.node_code {
                // New rights take effect at the next sign-in: end the sessions that carry the old ones.
                sqlx::query("DELETE FROM user_session WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
            }
        });
        drop(changed);
        done?;
        self.user(id).await
    }

    /// Disables an account (ending its sessions) or enables it again.
    pub async fn set_user_disabled(&self, id: Uuid, disabled: bool) -> StoreResult<UserSummary> {
        let before = self.user_to_change(id, Action::Delete).await?;
        if self.actor.user_id() == Some(id) {
            return Err(StoreError::Invalid(Invalid::one("id", "own_account")));
        }
        let action = if disabled { "user.disable" } else { "user.enable" };
        let entry = Entry::new(
            before.user.node_code.to_string(),
            action,
            "user",
            id.to_string(),
            json!({ "username": before.user.username }),
        );
        let at = Ts(now());
        let disabled_at = disabled.then_some(at);
        let changed = self.store.sessions_changing();
        let done = audited!(self, &entry, |tx| {
            sqlx::query("UPDATE app_user SET disabled_at = $2, updated_at = $3 WHERE id = $1")
                .bind(id)
                .bind(disabled_at)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM user_session WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
        });
        drop(changed);
        done?;
        self.user(id).await
    }

    /// A new initial password (returned once); the account must change it, its lock is lifted
    /// and its sessions end.
    pub async fn reset_user_password(&self, id: Uuid) -> StoreResult<String> {
        let initial = password::generate_initial();
        let hash =
            password::hash(&initial).map_err(|e| StoreError::Db(sqlx::Error::Protocol(format!("hashing: {e}"))))?;
        self.set_user_password(id, &hash, true).await?;
        Ok(initial)
    }

    /// Sets an account's password hash (from `linli user passwd`); its sessions end.
    pub async fn set_user_password(&self, id: Uuid, hash: &str, must_change: bool) -> StoreResult<()> {
        let before = self.user_to_change(id, Action::Update).await?;
        let entry = Entry::new(
            before.user.node_code.to_string(),
            "user.password_reset",
            "user",
            id.to_string(),
            json!({ "username": before.user.username }),
        );
        self.store.replace_password(self.actor, id, hash, must_change, None, &entry).await
    }

    /// Lifts a lock before it runs out.
    pub async fn unlock_user(&self, id: Uuid) -> StoreResult<UserSummary> {
        let before = self.user_to_change(id, Action::Update).await?;
        let entry = Entry::new(
            before.user.node_code.to_string(),
            "user.unlock",
            "user",
            id.to_string(),
            json!({ "username": before.user.username }),
        );
        let changed = self.store.sessions_changing();
        let done = audited!(self, &entry, |tx| {
            sqlx::query("UPDATE app_user SET failed_logins = 0, locked_until = NULL WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        });
        drop(changed);
        done?;
        self.user(id).await
    }

    /// A whole phone or ID number of an account: needs the reveal right there, and is logged.
    pub async fn reveal_user_field(&self, id: Uuid, field: Field) -> StoreResult<String> {
        let resource = match field {
            Field::Phone => Resource::Phone,
            Field::IdNumber => Resource::IdNumber,
        };
        self.check_right(resource, Action::Reveal)?;
        self.check_right(Resource::User, Action::Read)?;
        let row = self.summary_row(id).await?;
        let node = stored_code(&row.user.node_code)?;
        self.check(Resource::User, Action::Read, &node)?;
        let (resource, enc, action) = match field {
            Field::Phone => (Resource::Phone, row.phone_enc, "phone.reveal"),
            Field::IdNumber => (Resource::IdNumber, row.id_number_enc, "id_number.reveal"),
        };
        self.check(resource, Action::Reveal, &node)?;
        let enc = enc.ok_or(StoreError::NotFound(resource.as_str()))?;
        let value = self.store.keys()?.decrypt(field, &id, &enc)?;
        let entry =
            Entry::new(node.to_string(), action, "user", id.to_string(), json!({ "username": row.user.username }));
        self.store.record(self.actor, &entry).await?;
        Ok(value)
    }

    /// The actor changes their own password; their other sessions end in the same transaction.
    pub async fn change_own_password(&self, new_hash: &str, keep_session: &str) -> StoreResult<()> {
        let id = self.actor.user_id().ok_or(StoreError::Forbidden)?;
        let me = self.store.user(id).await?;
        let entry = Entry::new(
            me.node_code.to_string(),
            "user.password_change",
            "user",
            id.to_string(),
            json!({ "username": me.username }),
        );
        self.store.replace_password(self.actor, id, new_hash, false, Some(keep_session), &entry).await
    }
}

impl Store {
    /// Sets a password hash and ends the account's sessions (all, or all but one), audited, in
    /// one transaction.
    pub(crate) async fn replace_password(
        &self,
        actor: &crate::Actor,
        id: Uuid,
        hash: &str,
        must_change: bool,
        keep_session: Option<&str>,
        entry: &Entry,
    ) -> StoreResult<()> {
        let keep = keep_session.map(crate::secret::token_hash).unwrap_or_default();
        let at = Ts(now());
        let changed = self.sessions_changing();
        let done: Result<u64, sqlx::Error> = on_db!(self, |pool| {
            async {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query(
                "UPDATE app_user SET password_hash = $2, must_change_password = $3, failed_logins = 0, locked_until = NULL, \
                 password_changed_at = $4, updated_at = $4 WHERE id = $1",
            )
            .bind(id)
            .bind(hash)
            .bind(must_change)
            .bind(at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            sqlx::query("DELETE FROM user_session WHERE user_id = $1 AND token_hash <> $2")
                .bind(id)
                .bind(&keep)
                .execute(&mut *tx)
                .await?;
            tx.append_audit(actor, entry).await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(n)
        }.await
        });
        drop(changed);
        if done? == 0 {
            return Err(StoreError::NotFound("user"));
        }
        Ok(())
    }
}
