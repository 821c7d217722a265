-- Supervision and evaluation, continued: satisfaction surveys, supervisors' comments and
-- follow-ups, and each community's own complaint time limits. Kept aligned with the other
-- engine's file.

-- 满意度调查. The questions are a JSON list checked by the domain (linli_domain::oversight::
-- survey); they are frozen once the survey opens, so stored answers always fit them.
CREATE TABLE survey (
    id              UUID PRIMARY KEY,
    community_code  TEXT NOT NULL REFERENCES node (code),
    title           TEXT NOT NULL,
    intro           TEXT NOT NULL DEFAULT '',
    -- 'residents' or a register category ('elderly_60', 'living_alone', …).
    audience        TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('draft', 'open', 'closed')),
    questions       TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    opened_at       TIMESTAMPTZ,
    closed_at       TIMESTAMPTZ
);
CREATE INDEX survey_community ON survey (community_code, created_at);

-- The slip each resident of a category survey receives: its code answers the survey once.
CREATE TABLE survey_invitation (
    code            TEXT PRIMARY KEY,
    survey_id       UUID NOT NULL REFERENCES survey (id),
    community_code  TEXT NOT NULL REFERENCES node (code),
    resident_id     UUID NOT NULL REFERENCES resident (id),
    used_at         TIMESTAMPTZ,
    UNIQUE (survey_id, resident_id)
);

-- One filled-in questionnaire: from a resident's account, with an invitation code, or keyed
-- in from paper by staff. Nothing in it leads back to who answered (the survey says 不记名): no
-- account, no code, a generic recorder and the day only; who took part is kept apart, below.
CREATE TABLE survey_response (
    id              UUID PRIMARY KEY,
    survey_id       UUID NOT NULL REFERENCES survey (id),
    community_code  TEXT NOT NULL REFERENCES node (code),
    channel         TEXT NOT NULL CHECK (channel IN ('account', 'code', 'paper')),
    answers         TEXT NOT NULL,
    recorded_by     TEXT NOT NULL,
    submitted_at    TIMESTAMPTZ NOT NULL
);
-- Which accounts answered (one answer each), without linking to the answer.
CREATE TABLE survey_participant (
    survey_id       UUID NOT NULL REFERENCES survey (id),
    user_id         UUID NOT NULL REFERENCES app_user (id),
    community_code  TEXT NOT NULL REFERENCES node (code),
    PRIMARY KEY (survey_id, user_id)
);
CREATE INDEX survey_response_survey ON survey_response (survey_id, submitted_at);

-- 点评 and 督办: a supervisor's note on a community's figures; a follow-up has a deadline, the
-- community's answer and the supervisor's verdict (state NULL for a plain comment).
CREATE TABLE supervision_note (
    id              UUID PRIMARY KEY,
    community_code  TEXT NOT NULL REFERENCES node (code),
    period          TEXT NOT NULL DEFAULT '',
    body            TEXT NOT NULL,
    author_id       UUID REFERENCES app_user (id),
    author_name     TEXT NOT NULL,
    author_node     TEXT NOT NULL REFERENCES node (code),
    created_at      TIMESTAMPTZ NOT NULL,
    state           TEXT CHECK (state IN ('open', 'answered', 'closed')),
    due_at          TIMESTAMPTZ,
    answer          TEXT NOT NULL DEFAULT '',
    answered_by     TEXT NOT NULL DEFAULT '',
    answered_at     TIMESTAMPTZ,
    closed_at       TIMESTAMPTZ,
    version         BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX supervision_note_community ON supervision_note (community_code, created_at);

-- Every move of a follow-up, with what was said.
CREATE TABLE supervision_note_event (
    id              UUID PRIMARY KEY,
    note_id         UUID NOT NULL REFERENCES supervision_note (id),
    community_code  TEXT NOT NULL REFERENCES node (code),
    action          TEXT NOT NULL,
    text            TEXT NOT NULL DEFAULT '',
    actor_name      TEXT NOT NULL,
    at              TIMESTAMPTZ NOT NULL
);
CREATE INDEX supervision_note_event_note ON supervision_note_event (note_id, at);

-- A community's own complaint time limits in working days (absent: 5, 5, 5).
CREATE TABLE complaint_setting (
    community_code  TEXT PRIMARY KEY REFERENCES node (code),
    reply_days      INTEGER NOT NULL CHECK (reply_days BETWEEN 1 AND 30),
    verdict_days    INTEGER NOT NULL CHECK (verdict_days BETWEEN 1 AND 30),
    escalated_days  INTEGER NOT NULL CHECK (escalated_days BETWEEN 1 AND 30),
    updated_at      TIMESTAMPTZ NOT NULL,
    updated_by      TEXT NOT NULL
);

-- The reply deadline a complaint was accepted with, so "answered in time" keeps meaning what
-- it meant when the community's limits change later (NULL on older rows: five working days).
ALTER TABLE complaint ADD COLUMN reply_due_at TIMESTAMPTZ;
