-- Supervision and evaluation (standard ch. 9): 好差评 ratings of finished service requests and
-- the rectification work items a bad rating opens. Kept aligned with the other engine's file.

-- The code printed on a completion notice, for rating without an account.
ALTER TABLE service_request ADD COLUMN rating_code TEXT;
CREATE UNIQUE INDEX service_request_rating_code ON service_request (rating_code);

-- One rating per finished item; never edited (there is no UPDATE in the code).
CREATE TABLE rating (
    id              UUID PRIMARY KEY,
    community_code  TEXT NOT NULL REFERENCES node (code),
    work_item_id    UUID NOT NULL UNIQUE REFERENCES work_item (id),
    level           TEXT NOT NULL CHECK (level IN ('very_satisfied', 'satisfied', 'fair', 'dissatisfied', 'very_dissatisfied')),
    comment         TEXT NOT NULL DEFAULT '',
    channel         TEXT NOT NULL CHECK (channel IN ('account', 'code', 'window')),
    rater_user_id   UUID REFERENCES app_user (id),
    recorded_by     TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX rating_community ON rating (community_code, created_at);

-- 整改: a work item of its own (kind 'rectification'), tied to the rating and the request.
CREATE TABLE rectification (
    work_item_id    UUID PRIMARY KEY REFERENCES work_item (id),
    community_code  TEXT NOT NULL REFERENCES node (code),
    rating_id       UUID NOT NULL UNIQUE REFERENCES rating (id),
    request_id      UUID NOT NULL REFERENCES work_item (id)
);
CREATE INDEX rectification_request ON rectification (request_id);

-- 投诉: a work item of kind 'complaint' with who complained (or nobody: anonymous), about what,
-- and, once escalated, the street office that took it over.
CREATE TABLE complaint (
    work_item_id      UUID PRIMARY KEY REFERENCES work_item (id),
    community_code    TEXT NOT NULL REFERENCES node (code),
    channel           TEXT NOT NULL CHECK (channel IN ('window', 'phone', 'online', 'anonymous')),
    anonymous         BOOLEAN NOT NULL,
    complainant_name  TEXT NOT NULL DEFAULT '',
    phone_enc         BYTEA NOT NULL,
    user_id           UUID REFERENCES app_user (id),
    subject           TEXT NOT NULL,
    content           TEXT NOT NULL,
    request_id        UUID REFERENCES work_item (id),
    escalated_to      TEXT REFERENCES node (code),
    escalated_at      TIMESTAMPTZ
);
CREATE INDEX complaint_user ON complaint (user_id);
CREATE INDEX complaint_escalated ON complaint (escalated_to);
