//! Signed-in sessions. The browser holds a random token; the database holds its SHA-256,
//! so a leaked database or backup cannot be replayed as cookies.
//!
//! Two clocks end a session: an absolute expiry fixed at sign-in, and an idle timeout
//! measured from the last request (recorded at most once a minute, to keep reads read-only).

use serde::Serialize;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::secret::{random_token, token_hash};
use crate::user::{User, UserRow, select_user};
use crate::{Store, StoreResult, Ts, now};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Session {
    #[serde(skip)]
    pub token_hash: Vec<u8>,
    pub user_id: Uuid,
    #[serde(skip)]
    pub csrf_token: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub last_seen_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub reauth_at: Option<OffsetDateTime>,
}

/// The cookie value of a new session, and its CSRF token.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
    pub expires_at: OffsetDateTime,
}

/// How often a session's last-seen time is written back at most.
const TOUCH_EVERY: Duration = Duration::minutes(1);

/// How long a session read from the database is trusted without reading it again. Every change
/// this process makes to accounts or sessions empties the cache at once ([`Store::sessions_changing`]);
/// this bounds how long a change made by another process (the `linli user` commands, a second
/// server on the same PostgreSQL) takes to be seen.
const CACHE_FRESH: std::time::Duration = std::time::Duration::from_secs(5);
/// Sessions remembered at most; past this the cache starts again empty.
const CACHE_MAX: usize = 10_000;

/// Recently seen sessions, so a signed-in request does not cost a query before its work.
#[derive(Debug, Default)]
pub(crate) struct SessionCache {
    /// Moves on after every change to accounts or sessions; an entry read before it is stale.
    epoch: std::sync::atomic::AtomicU64,
    seen: std::sync::RwLock<std::collections::HashMap<Vec<u8>, Cached>>,
}

#[derive(Debug)]
struct Cached {
    epoch: u64,
    read_at: std::time::Instant,
    session: Session,
    user: User,
}

impl SessionCache {
    fn epoch(&self) -> u64 {
        self.epoch.load(std::sync::atomic::Ordering::Acquire)
    }

    /// The cached session for `hash`, if it is still exactly what the database would answer:
    /// read since the last change, within [`CACHE_FRESH`], not expired, and not due for its
    /// last-seen time to be written (which the database path does).
    fn get(&self, hash: &[u8], at: OffsetDateTime, idle: Duration) -> Option<(Session, User)> {
        let seen = self.seen.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        let c = seen.get(hash)?;
        let live = c.epoch == self.epoch()
            && c.read_at.elapsed() < CACHE_FRESH
            && c.session.expires_at > at
            && c.session.last_seen_at > at - idle
            && at - c.session.last_seen_at <= TOUCH_EVERY
            && c.user.usable_at(at);
        live.then(|| (c.session.clone(), c.user.clone()))
    }

    fn put(&self, epoch: u64, session: &Session, user: &User) {
        let mut seen = self.seen.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        if seen.len() >= CACHE_MAX {
            seen.clear();
        }
        let cached = Cached { epoch, read_at: std::time::Instant::now(), session: session.clone(), user: user.clone() };
        seen.insert(session.token_hash.clone(), cached);
    }

    pub(crate) fn changed(&self) {
        self.epoch.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        self.seen.write().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
    }
}

/// See [`Store::sessions_changing`].
#[must_use = "the cache is emptied when this is dropped: keep it until the change is written"]
pub(crate) struct SessionsChanging(std::sync::Arc<SessionCache>);

impl Drop for SessionsChanging {
    fn drop(&mut self) {
        self.0.changed();
    }
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    #[sqlx(flatten)]
    user: UserRow,
    s_token_hash: Vec<u8>,
    s_csrf_token: String,
    s_created_at: OffsetDateTime,
    s_last_seen_at: OffsetDateTime,
    s_expires_at: OffsetDateTime,
    s_reauth_at: Option<OffsetDateTime>,
}

impl Store {
    pub async fn create_session(
        &self,
        user_id: Uuid,
        lifetime: Duration,
        ip: Option<&str>,
        user_agent: Option<&str>,
    ) -> StoreResult<NewSession> {
        let token = random_token();
        let csrf_token = random_token();
        let at = now();
        let expires_at = at + lifetime;
        let sql = "INSERT INTO user_session (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at, \
                   reauth_at, ip, user_agent) VALUES ($1, $2, $3, $4, $4, $5, $4, $6, $7)";
        let ua = user_agent.map(|s| s.chars().take(300).collect::<String>());
        exec_db!(self, |pool| sqlx::query(sql)
            .bind(token_hash(&token))
            .bind(user_id)
            .bind(&csrf_token)
            .bind(Ts(at))
            .bind(Ts(expires_at))
            .bind(ip)
            .bind(ua)
            .execute(pool)
            .await)?;
        Ok(NewSession { token, csrf_token, expires_at })
    }

    /// The live session for a cookie token and its user, or `None` when the token is unknown,
    /// expired, idle for longer than `idle`, or the user is disabled.
    pub async fn session(&self, token: &str, idle: Duration) -> StoreResult<Option<(Session, User)>> {
        let at = now();
        let hash = token_hash(token);
        if let Some(found) = self.sessions.get(&hash, at, idle) {
            return Ok(Some(found));
        }
        // Read before the query: a change committed while it runs makes what it read stale.
        let epoch = self.sessions.epoch();
        let row: Option<SessionRow> = on_db!(self, |pool| {
            sqlx::query_as(select_user!(
                ", s.token_hash AS s_token_hash, s.csrf_token AS s_csrf_token, s.created_at AS s_created_at, \
             s.last_seen_at AS s_last_seen_at, s.expires_at AS s_expires_at, s.reauth_at AS s_reauth_at \
             FROM user_session s JOIN app_user u ON u.id = s.user_id JOIN node n ON n.code = u.node_code \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND s.last_seen_at > $3 AND u.disabled_at IS NULL \
             AND (u.access_until IS NULL OR u.access_until > $2)"
            ))
            .bind(&hash)
            .bind(Ts(at))
            .bind(Ts(at - idle))
            .fetch_optional(pool)
            .await
        })?;
        let Some(r) = row else { return Ok(None) };
        let mut session = Session {
            token_hash: r.s_token_hash,
            user_id: r.user.id,
            csrf_token: r.s_csrf_token,
            created_at: r.s_created_at,
            last_seen_at: r.s_last_seen_at,
            expires_at: r.s_expires_at,
            reauth_at: r.s_reauth_at,
        };
        if at - session.last_seen_at > TOUCH_EVERY {
            let sql = "UPDATE user_session SET last_seen_at = $2 WHERE token_hash = $1";
            exec_db!(self, |pool| sqlx::query(sql).bind(&session.token_hash).bind(Ts(at)).execute(pool).await)?;
            session.last_seen_at = at;
        }
        let user = User::try_from(r.user)?;
        self.sessions.put(epoch, &session, &user);
        Ok(Some((session, user)))
    }

    /// Taken before a change to accounts or sessions: empties the cache when dropped — after
    /// the change has committed or failed, and also if its request goes away half-way, when
    /// the change may have committed but nothing after the await runs.
    pub(crate) fn sessions_changing(&self) -> SessionsChanging {
        SessionsChanging(self.sessions.clone())
    }

    /// Ends one session (sign-out).
    pub async fn delete_session(&self, token: &str) -> StoreResult<()> {
        let sql = "DELETE FROM user_session WHERE token_hash = $1";
        let changed = self.sessions_changing();
        let done = exec_db!(self, |pool| sqlx::query(sql).bind(token_hash(token)).execute(pool).await);
        drop(changed);
        done?;
        Ok(())
    }

    /// Marks a session as freshly re-authenticated (the password was just entered again).
    pub async fn touch_reauth(&self, token: &str) -> StoreResult<()> {
        let changed = self.sessions_changing();
        exec_db!(self, |pool| sqlx::query("UPDATE user_session SET reauth_at = $2 WHERE token_hash = $1")
            .bind(token_hash(token))
            .bind(Ts(now()))
            .execute(pool)
            .await)?;
        drop(changed);
        Ok(())
    }

    /// Ends every session of a user, except the one given (sign out everywhere else).
    pub async fn delete_user_sessions(&self, user_id: Uuid, except_token: Option<&str>) -> StoreResult<u64> {
        let keep = except_token.map(token_hash).unwrap_or_default();
        let sql = "DELETE FROM user_session WHERE user_id = $1 AND token_hash <> $2";
        let changed = self.sessions_changing();
        let done = exec_db!(self, |pool| sqlx::query(sql).bind(user_id).bind(keep).execute(pool).await);
        drop(changed);
        Ok(done?)
    }

    /// Removes sessions past their absolute expiry or idle for longer than `idle`.
    pub async fn purge_sessions(&self, idle: Duration) -> StoreResult<u64> {
        let at = now();
        let sql = "DELETE FROM user_session WHERE expires_at <= $1 OR last_seen_at <= $2";
        let changed = self.sessions_changing();
        let done = exec_db!(self, |pool| sqlx::query(sql).bind(Ts(at)).bind(Ts(at - idle)).execute(pool).await);
        drop(changed);
        Ok(done?)
    }
}
