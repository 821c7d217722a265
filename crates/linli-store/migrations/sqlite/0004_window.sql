-- The one-stop window (standard ch. 7–8, Appendix A): the service catalogue, the work-item
-- engine's tables (shared by every time-limited flow), service requests, consultations,
-- appointments and the notification outbox. Kept aligned with the other engine's file.

-- 服务项目, owned by a node: a district's or street's catalogue, or a community's own items.
CREATE TABLE service_item (
    id              BLOB PRIMARY KEY,
    node_code       TEXT NOT NULL REFERENCES node (code),
    code            TEXT NOT NULL,
    name            TEXT NOT NULL,
    pinyin          TEXT NOT NULL,
    initials        TEXT NOT NULL,
    category        TEXT NOT NULL CHECK (category IN ('welfare', 'convenience', 'safety', 'other')),
    subcategory     TEXT NOT NULL DEFAULT '',
    description     TEXT NOT NULL DEFAULT '',
    eligibility     TEXT NOT NULL DEFAULT '',
    materials       TEXT NOT NULL,            -- JSON list of {name, form, count, note}
    legal_basis     TEXT NOT NULL DEFAULT '',
    steps           TEXT NOT NULL,            -- JSON list of strings
    time_limit_days INTEGER NOT NULL CHECK (time_limit_days BETWEEN 0 AND 60),
    fee             TEXT NOT NULL,
    channels        TEXT NOT NULL,            -- comma-separated channel codes
    post            TEXT NOT NULL DEFAULT '',
    fields          TEXT NOT NULL,            -- JSON list of {key, label, kind, required, choices}
    published       INTEGER NOT NULL,
    example         INTEGER NOT NULL,
    effective_from  TEXT,
    effective_to    TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    retired_at      TEXT,
    UNIQUE (node_code, code)
) STRICT;

-- A community's catalogue: the items it adopted (its own are adopted when created), and the
-- window that handles each.
CREATE TABLE community_service (
    community_code  TEXT NOT NULL REFERENCES node (code),
    item_id         BLOB NOT NULL REFERENCES service_item (id),
    service_window  TEXT NOT NULL DEFAULT '',
    adopted_at      TEXT NOT NULL,
    PRIMARY KEY (community_code, item_id)
) STRICT;
CREATE INDEX community_service_item ON community_service (item_id);

-- 工单: anything time-limited moving through a declared flow (workflow.rs). The queue index
-- serves every worker's list: a community's open items of a kind by deadline.
CREATE TABLE work_item (
    id              BLOB PRIMARY KEY,
    community_code  TEXT NOT NULL REFERENCES node (code),
    kind            TEXT NOT NULL,
    number          TEXT NOT NULL UNIQUE,
    state           TEXT NOT NULL,
    title           TEXT NOT NULL,
    owner_id        BLOB REFERENCES app_user (id),
    owner_name      TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    accepted_at     TEXT,
    due_at          TEXT,
    closed_at       TEXT,
    updated_at      TEXT NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1
) STRICT;
CREATE INDEX work_item_queue ON work_item (community_code, kind, state, due_at);
CREATE INDEX work_item_created ON work_item (community_code, kind, created_at);
CREATE INDEX work_item_owner ON work_item (owner_id, state);

-- Every move and note on a work item: who, when, from which state to which, and why.
CREATE TABLE work_item_event (
    id              BLOB PRIMARY KEY,
    community_code  TEXT NOT NULL REFERENCES node (code),
    work_item_id    BLOB NOT NULL REFERENCES work_item (id),
    action          TEXT NOT NULL,
    from_state      TEXT NOT NULL,
    to_state        TEXT NOT NULL,
    actor_id        BLOB,
    actor_name      TEXT NOT NULL,
    at              TEXT NOT NULL,
    reason          TEXT NOT NULL DEFAULT '',
    details         TEXT NOT NULL DEFAULT '{}'
) STRICT;
CREATE INDEX work_item_event_item ON work_item_event (work_item_id, at);

-- Files handed in with a work item (scans of materials, photos).
CREATE TABLE work_item_attachment (
    id              BLOB PRIMARY KEY,
    community_code  TEXT NOT NULL REFERENCES node (code),
    work_item_id    BLOB NOT NULL REFERENCES work_item (id),
    name            TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    size            INTEGER NOT NULL,
    sha256          TEXT NOT NULL,
    data            BLOB NOT NULL,
    uploaded_by     TEXT NOT NULL,
    at              TEXT NOT NULL
) STRICT;
CREATE INDEX work_item_attachment_item ON work_item_attachment (work_item_id);

-- The daily sequence behind human-readable numbers.
CREATE TABLE work_item_sequence (
    community_code  TEXT NOT NULL REFERENCES node (code),
    day             TEXT NOT NULL,
    last            INTEGER NOT NULL,
    PRIMARY KEY (community_code, day)
) STRICT;

-- A service request's own facts. The item's name and limit are copied at intake, so later
-- catalogue edits never rewrite what the resident was told.
CREATE TABLE service_request (
    work_item_id      BLOB PRIMARY KEY REFERENCES work_item (id),
    community_code    TEXT NOT NULL REFERENCES node (code),
    item_id           BLOB NOT NULL REFERENCES service_item (id),
    item_name         TEXT NOT NULL,
    time_limit_days   INTEGER NOT NULL,
    source            TEXT NOT NULL CHECK (source IN ('window', 'online', 'phone', 'open311')),
    mode              TEXT NOT NULL CHECK (mode IN ('window', 'home', 'proxy')),
    applicant_name    TEXT NOT NULL,
    phone_enc         BLOB NOT NULL,
    phone_idx         BLOB NOT NULL,
    applicant_user_id BLOB REFERENCES app_user (id),
    address           TEXT NOT NULL DEFAULT '',
    description       TEXT NOT NULL DEFAULT '',
    field_values      TEXT NOT NULL,          -- JSON list of [key, label, value]
    missing           TEXT NOT NULL,          -- JSON list of materials still missing
    transfer_office   TEXT NOT NULL DEFAULT '',
    transfer_due_at   TEXT,
    token             TEXT UNIQUE             -- Open311 token for a request posted through the API
) STRICT;
CREATE INDEX service_request_applicant ON service_request (applicant_user_id);
CREATE INDEX service_request_item ON service_request (item_id);

-- 咨询: an enquiry at the window or by phone, which may become a request.
CREATE TABLE consultation (
    id              BLOB PRIMARY KEY,
    community_code  TEXT NOT NULL REFERENCES node (code),
    item_id         BLOB REFERENCES service_item (id),
    topic           TEXT NOT NULL,
    answer          TEXT NOT NULL DEFAULT '',
    asker_name      TEXT NOT NULL DEFAULT '',
    channel         TEXT NOT NULL,
    worker_id       BLOB,
    worker_name     TEXT NOT NULL,
    at              TEXT NOT NULL,
    work_item_id    BLOB REFERENCES work_item (id)
) STRICT;
CREATE INDEX consultation_community ON consultation (community_code, at);

-- 预约: time slots with a capacity, and residents' bookings of them.
CREATE TABLE appointment_slot (
    id              BLOB PRIMARY KEY,
    community_code  TEXT NOT NULL REFERENCES node (code),
    item_id         BLOB REFERENCES service_item (id),
    service_window  TEXT NOT NULL DEFAULT '',
    starts_at       TEXT NOT NULL,
    ends_at         TEXT NOT NULL,
    capacity        INTEGER NOT NULL CHECK (capacity BETWEEN 1 AND 100),
    created_at      TEXT NOT NULL,
    cancelled_at    TEXT
) STRICT;
CREATE INDEX appointment_slot_day ON appointment_slot (community_code, starts_at);

CREATE TABLE appointment (
    id              BLOB PRIMARY KEY,
    community_code  TEXT NOT NULL REFERENCES node (code),
    slot_id         BLOB NOT NULL REFERENCES appointment_slot (id),
    item_id         BLOB REFERENCES service_item (id),
    user_id         BLOB REFERENCES app_user (id),
    name            TEXT NOT NULL,
    phone_enc       BLOB NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('booked', 'cancelled', 'attended', 'no_show')),
    note            TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
) STRICT;
CREATE INDEX appointment_slot_state ON appointment (slot_id, state);
CREATE INDEX appointment_user ON appointment (user_id);

-- Notifications waiting to be sent (and sent): written in the same transaction as the change
-- they tell of, delivered afterwards by the configured sender.
CREATE TABLE outbox (
    id              BLOB PRIMARY KEY,
    community_code  TEXT NOT NULL REFERENCES node (code),
    work_item_id    BLOB REFERENCES work_item (id),
    channel         TEXT NOT NULL,
    recipient_enc   BLOB NOT NULL,
    body            TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    sent_at         TEXT,
    claimed_until   TEXT,             -- a sender is working on it until then
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX outbox_pending ON outbox (sent_at, created_at);
