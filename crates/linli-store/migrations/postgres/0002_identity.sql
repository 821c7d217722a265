-- Identity: community profiles and organisations (ch. 4), personal fields on accounts
-- (encrypted), API tokens, and the hash-chained audit log.
-- Kept aligned with migrations/sqlite/0002_identity.sql.

ALTER TABLE app_user ADD COLUMN phone_enc BYTEA;
ALTER TABLE app_user ADD COLUMN id_number_enc BYTEA;
ALTER TABLE app_user ADD COLUMN id_number_idx BYTEA;
ALTER TABLE app_user ADD COLUMN access_until TIMESTAMPTZ;
CREATE INDEX app_user_id_number_idx ON app_user (id_number_idx);

CREATE TABLE community_profile (
    community_code TEXT PRIMARY KEY REFERENCES node (code),
    address        TEXT NOT NULL DEFAULT '',
    area_km2       DOUBLE PRECISION,
    service_hours  TEXT NOT NULL DEFAULT '',
    phone          TEXT NOT NULL DEFAULT '',
    email          TEXT NOT NULL DEFAULT '',
    introduction   TEXT NOT NULL DEFAULT '',
    updated_at     TIMESTAMPTZ NOT NULL,
    updated_by     TEXT NOT NULL
);

CREATE TABLE organisation (
    id               UUID PRIMARY KEY,
    community_code   TEXT NOT NULL REFERENCES node (code),
    kind             TEXT NOT NULL CHECK (kind IN ('party', 'residents_committee', 'supervision_committee',
                         'service_station', 'social_organisation', 'owners_committee', 'property_company', 'resident_unit')),
    name             TEXT NOT NULL,
    responsibilities TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    retired_at       TIMESTAMPTZ
);
CREATE INDEX organisation_community ON organisation (community_code);

CREATE TABLE organisation_member (
    id              UUID PRIMARY KEY,
    community_code  TEXT NOT NULL REFERENCES node (code),
    organisation_id UUID NOT NULL REFERENCES organisation (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    post            TEXT NOT NULL DEFAULT '',
    phone_enc       BYTEA,
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX organisation_member_org ON organisation_member (organisation_id);

CREATE TABLE api_token (
    id           UUID PRIMARY KEY,
    name         TEXT NOT NULL,
    token_hash   BYTEA NOT NULL UNIQUE,
    node_code    TEXT NOT NULL REFERENCES node (code),
    scopes       TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);

CREATE TABLE audit_log (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    chain       TEXT NOT NULL,
    seq         BIGINT NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    actor_kind  TEXT NOT NULL,
    actor_id    TEXT,
    actor_name  TEXT NOT NULL,
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    summary     TEXT NOT NULL,
    ip          TEXT,
    prev_hash   BYTEA NOT NULL,
    hash        BYTEA NOT NULL,
    UNIQUE (chain, seq)
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_action ON audit_log (action);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- The head (last seq and hash) of every audit chain, updated in the same transaction as the
-- append: deleting the newest entries, or a whole chain, no longer goes unnoticed.
CREATE TABLE audit_head (
    chain TEXT PRIMARY KEY,
    seq   BIGINT NOT NULL,
    hash  BYTEA NOT NULL
);

-- Installation settings, e.g. the fingerprint of the key personal data is encrypted with, so
-- linli refuses to start with another key instead of writing values nobody can read.
CREATE TABLE setting (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
