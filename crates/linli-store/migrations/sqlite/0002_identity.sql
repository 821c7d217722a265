-- Identity: community profiles and organisations (ch. 4), personal fields on accounts
-- (encrypted), API tokens, and the hash-chained audit log.
-- Kept aligned with migrations/postgres/0002_identity.sql.

-- Encrypted personal fields (AES-256-GCM, see privacy.rs) and a blind index for lookup by ID.
ALTER TABLE app_user ADD COLUMN phone_enc BLOB;
ALTER TABLE app_user ADD COLUMN id_number_enc BLOB;
ALTER TABLE app_user ADD COLUMN id_number_idx BLOB;
-- Assessors' access is time-boxed: no sign-in after this moment.
ALTER TABLE app_user ADD COLUMN access_until TEXT;
CREATE INDEX app_user_id_number_idx ON app_user (id_number_idx);

-- 社区概况: one row per community.
CREATE TABLE community_profile (
    community_code TEXT PRIMARY KEY REFERENCES node (code),
    address        TEXT NOT NULL DEFAULT '',
    area_km2       REAL,
    service_hours  TEXT NOT NULL DEFAULT '',
    phone          TEXT NOT NULL DEFAULT '',
    email          TEXT NOT NULL DEFAULT '',
    introduction   TEXT NOT NULL DEFAULT '',
    updated_at     TEXT NOT NULL,
    updated_by     TEXT NOT NULL
) STRICT;

-- Organisations in a community (党组织, 居委会, 居务监督委员会, 服务站, 社会组织, 业委会, 物业, 驻区单位).
CREATE TABLE organisation (
    id               BLOB PRIMARY KEY,
    community_code   TEXT NOT NULL REFERENCES node (code),
    kind             TEXT NOT NULL CHECK (kind IN ('party', 'residents_committee', 'supervision_committee',
                         'service_station', 'social_organisation', 'owners_committee', 'property_company', 'resident_unit')),
    name             TEXT NOT NULL,
    responsibilities TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    retired_at       TEXT
) STRICT;
CREATE INDEX organisation_community ON organisation (community_code);

-- The people of an organisation and their posts (书记, 主任, 委员 …).
CREATE TABLE organisation_member (
    id              BLOB PRIMARY KEY,
    community_code  TEXT NOT NULL REFERENCES node (code),
    organisation_id BLOB NOT NULL REFERENCES organisation (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    post            TEXT NOT NULL DEFAULT '',
    phone_enc       BLOB,
    created_at      TEXT NOT NULL
) STRICT;
CREATE INDEX organisation_member_org ON organisation_member (organisation_id);

-- API tokens for integrations: scoped to a node and a set of rights; only the hash is kept.
CREATE TABLE api_token (
    id           BLOB PRIMARY KEY,
    name         TEXT NOT NULL,
    token_hash   BLOB NOT NULL UNIQUE,
    node_code    TEXT NOT NULL REFERENCES node (code),
    scopes       TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT,
    last_used_at TEXT,
    revoked_at   TEXT
) STRICT;

-- The audit log: append-only, one hash chain per node (so chains of different communities
-- never wait for each other). `summary` is JSON kept as text, byte for byte, for hashing.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    chain       TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    at          TEXT NOT NULL,
    actor_kind  TEXT NOT NULL,
    actor_id    TEXT,
    actor_name  TEXT NOT NULL,
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    summary     TEXT NOT NULL,
    ip          TEXT,
    prev_hash   BLOB NOT NULL,
    hash        BLOB NOT NULL,
    UNIQUE (chain, seq)
) STRICT;
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_action ON audit_log (action);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- The head (last seq and hash) of every audit chain, updated in the same transaction as the
-- append: deleting the newest entries, or a whole chain, no longer goes unnoticed.
CREATE TABLE audit_head (
    chain TEXT PRIMARY KEY,
    seq   INTEGER NOT NULL,
    hash  BLOB NOT NULL
) STRICT;

-- Installation settings, e.g. the fingerprint of the key personal data is encrypted with, so
-- linli refuses to start with another key instead of writing values nobody can read.
CREATE TABLE setting (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
