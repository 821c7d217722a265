-- Foundation: the administrative tree, users and their sessions, the working-day calendar.
-- Kept aligned with migrations/postgres/0001_foundation.sql: same tables, columns and order.
-- STRICT tables make a type mix-up fail loudly instead of storing the wrong thing.

-- 行政区划: province → city → district → street → community, keyed by the 12-digit code.
CREATE TABLE node (
    code        TEXT PRIMARY KEY CHECK (length(code) = 12),
    parent_code TEXT REFERENCES node (code),
    level       TEXT NOT NULL CHECK (level IN ('province', 'city', 'district', 'street', 'community')),
    name        TEXT NOT NULL,
    retired_at  TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;
CREATE INDEX node_parent ON node (parent_code);

-- Staff, residents and volunteers who sign in. A user sees its node and everything below.
CREATE TABLE app_user (
    id                   BLOB PRIMARY KEY,
    username             TEXT NOT NULL UNIQUE,
    display_name         TEXT NOT NULL,
    role                 TEXT NOT NULL,
    node_code            TEXT NOT NULL REFERENCES node (code),
    password_hash        TEXT NOT NULL,
    must_change_password INTEGER NOT NULL DEFAULT 0,
    failed_logins        INTEGER NOT NULL DEFAULT 0,
    locked_until         TEXT,
    disabled_at          TEXT,
    password_changed_at  TEXT NOT NULL,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
) STRICT;
CREATE INDEX app_user_node ON app_user (node_code);

-- Sessions: the cookie holds a random token; only its SHA-256 is stored.
CREATE TABLE user_session (
    token_hash   BLOB PRIMARY KEY,
    user_id      BLOB NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    reauth_at    TEXT,
    ip           TEXT,
    user_agent   TEXT
) STRICT;
CREATE INDEX user_session_user ON user_session (user_id);
CREATE INDEX user_session_expires ON user_session (expires_at);

-- Exceptions to Monday–Friday: public holidays and swapped working days (调休).
CREATE TABLE calendar_day (
    day        TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name       TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT
) STRICT;
