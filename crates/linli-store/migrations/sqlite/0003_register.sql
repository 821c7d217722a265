-- The community register (居民台账): grids, buildings, households, residents and their history,
-- and grid workers' household visits (GB/T 34300). Kept aligned with the other engine's file.

-- 网格: a patch of ~300–500 households and the workers responsible for it.
CREATE TABLE grid (
    id             BLOB PRIMARY KEY,
    community_code TEXT NOT NULL REFERENCES node (code),
    code           TEXT NOT NULL,
    name           TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    retired_at     TEXT,
    UNIQUE (community_code, code)
) STRICT;

CREATE TABLE grid_worker (
    grid_id        BLOB NOT NULL REFERENCES grid (id) ON DELETE CASCADE,
    user_id        BLOB NOT NULL REFERENCES app_user (id),
    community_code TEXT NOT NULL REFERENCES node (code),
    PRIMARY KEY (grid_id, user_id)
) STRICT;

-- 楼栋.
CREATE TABLE building (
    id             BLOB PRIMARY KEY,
    community_code TEXT NOT NULL REFERENCES node (code),
    name           TEXT NOT NULL,
    address        TEXT NOT NULL DEFAULT '',
    grid_id        BLOB REFERENCES grid (id),
    created_at     TEXT NOT NULL,
    retired_at     TEXT,
    UNIQUE (community_code, name)
) STRICT;
CREATE INDEX building_grid ON building (grid_id);

-- 户: a household at an address (building, unit, room), with its head.
CREATE TABLE household (
    id             BLOB PRIMARY KEY,
    community_code TEXT NOT NULL REFERENCES node (code),
    building_id    BLOB NOT NULL REFERENCES building (id),
    unit           TEXT NOT NULL DEFAULT '',
    room           TEXT NOT NULL,
    head_id        BLOB,
    created_at     TEXT NOT NULL,
    dissolved_at   TEXT,
    UNIQUE (building_id, unit, room)
) STRICT;
CREATE INDEX household_community ON household (community_code);

-- 居民. The document number is encrypted (document_enc) with a blind index (document_idx) for
-- exact lookup and duplicates, and its last four characters kept for searching by them.
CREATE TABLE resident (
    id               BLOB PRIMARY KEY,
    community_code   TEXT NOT NULL REFERENCES node (code),
    household_id     BLOB NOT NULL REFERENCES household (id),
    name             TEXT NOT NULL,
    pinyin           TEXT NOT NULL,
    initials         TEXT NOT NULL,
    gender           TEXT NOT NULL CHECK (gender IN ('male', 'female')),
    document_kind    TEXT NOT NULL,
    document_enc     BLOB NOT NULL,
    document_idx     BLOB NOT NULL,
    document_tail    TEXT NOT NULL,
    birth_date       TEXT NOT NULL,
    ethnicity        TEXT,
    phone_enc        BLOB,
    phone_tail       TEXT,
    residence_type   TEXT NOT NULL,
    relation         TEXT NOT NULL,
    employment       TEXT,
    disability_kind  TEXT,
    disability_grade INTEGER,
    status           TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'moved_out', 'deceased')),
    status_date      TEXT,
    note             TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    UNIQUE (community_code, document_idx)
) STRICT;
CREATE INDEX resident_household ON resident (household_id);
-- Every search runs inside one community (a few thousand to tens of thousands of rows): this
-- index narrows to the community, its state and ages; names, pinyin, initials and the last
-- digits of ID and phone numbers are then matched on those rows (LIKE '%…%' and
-- case-insensitive prefixes use no plain index anyway). Fewer indexes keep imports fast.
CREATE INDEX resident_birth ON resident (community_code, status, birth_date);

-- 人员类别: fixed categories by code, the community's own as `custom:<word>`.
CREATE TABLE resident_tag (
    resident_id    BLOB NOT NULL REFERENCES resident (id) ON DELETE CASCADE,
    community_code TEXT NOT NULL REFERENCES node (code),
    tag            TEXT NOT NULL,
    PRIMARY KEY (resident_id, tag)
) STRICT;
CREATE INDEX resident_tag_search ON resident_tag (community_code, tag);

-- Moves, deaths and changes, dated: the register is never silently overwritten.
CREATE TABLE resident_event (
    id             BLOB PRIMARY KEY,
    community_code TEXT NOT NULL REFERENCES node (code),
    resident_id    BLOB NOT NULL REFERENCES resident (id),
    household_id   BLOB NOT NULL REFERENCES household (id),
    kind           TEXT NOT NULL,
    on_date        TEXT NOT NULL,
    details        TEXT NOT NULL,
    recorded_by    TEXT NOT NULL,
    recorded_at    TEXT NOT NULL
) STRICT;
CREATE INDEX resident_event_resident ON resident_event (resident_id, on_date);
CREATE INDEX resident_event_household ON resident_event (household_id, on_date);

-- 走访: a grid worker's household visit.
CREATE TABLE visit (
    id             BLOB PRIMARY KEY,
    community_code TEXT NOT NULL REFERENCES node (code),
    household_id   BLOB NOT NULL REFERENCES household (id),
    grid_id        BLOB REFERENCES grid (id),
    worker_id      BLOB REFERENCES app_user (id),
    worker_name    TEXT NOT NULL,
    visited_on     TEXT NOT NULL,
    purpose        TEXT NOT NULL,
    findings       TEXT NOT NULL DEFAULT '',
    follow_up      INTEGER NOT NULL DEFAULT 0,
    follow_up_note TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL
) STRICT;
CREATE INDEX visit_household ON visit (household_id, visited_on);
CREATE INDEX visit_community ON visit (community_code, visited_on);

-- How often vulnerable residents are to be visited, per community.
ALTER TABLE community_profile ADD COLUMN visit_interval_days INTEGER NOT NULL DEFAULT 30;

-- An uploaded workbook between its preview and its import (removed after an hour).
CREATE TABLE import_upload (
    id             BLOB PRIMARY KEY,
    community_code TEXT NOT NULL REFERENCES node (code),
    user_id        BLOB NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    filename       TEXT NOT NULL,
    content        BLOB NOT NULL,
    created_at     TEXT NOT NULL
) STRICT;
