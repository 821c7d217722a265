-- The counts behind the service figures, per community and day (requests and complaints by the
-- day they were received, ratings by the day they were given). Kept in the same transaction as
-- the records they count (oversight/tally.rs), so a district dashboard adds up a few thousand
-- rows instead of recounting a year of requests; `linli figures check` compares them with a
-- recount and `linli figures rebuild` recomputes them. Requests and complaints that are late
-- while still open are counted live, as "late" changes with the clock, not with a write.
CREATE TABLE figures_day (
    community_code      TEXT NOT NULL REFERENCES node (code),
    day                 TEXT NOT NULL,
    received            INTEGER NOT NULL DEFAULT 0,
    finished            INTEGER NOT NULL DEFAULT 0,
    finished_late       INTEGER NOT NULL DEFAULT 0,
    working_days_sum    INTEGER NOT NULL DEFAULT 0,
    working_days_n      INTEGER NOT NULL DEFAULT 0,
    ratings             INTEGER NOT NULL DEFAULT 0,
    satisfied           INTEGER NOT NULL DEFAULT 0,
    complaints          INTEGER NOT NULL DEFAULT 0,
    complaints_answered INTEGER NOT NULL DEFAULT 0,
    complaints_in_time  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (community_code, day)
) STRICT, WITHOUT ROWID;

-- Open items by deadline, for the live "late while open" part of the figures; it holds what
-- that count reads, so the count never visits the table.
CREATE INDEX work_item_open_due ON work_item (community_code, kind, due_at, created_at, state) WHERE closed_at IS NULL;

-- When a complaint was first replied to (the first 'reply' in its history), kept by the same
-- write; the complaints still waiting for one are few, and this index finds them.
ALTER TABLE complaint ADD COLUMN replied_at TEXT;
UPDATE complaint SET replied_at = (SELECT min(e.at) FROM work_item_event e WHERE e.work_item_id = complaint.work_item_id
    AND e.community_code = complaint.community_code AND e.action = 'reply');
CREATE INDEX complaint_unanswered ON complaint (community_code) WHERE replied_at IS NULL;
