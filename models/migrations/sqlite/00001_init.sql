-- Initial schema of the OGP Local application database (SQLite, laptop dev
-- mode). Mirrors migrations/postgres/00001_init.sql version for version.
--
-- Type names matter here: the modernc driver only returns time.Time for
-- columns declared DATETIME, and STRICT tables would forbid that name.
-- INTEGER PRIMARY KEY AUTOINCREMENT never reuses ids, so audit rows and
-- links from notifications cannot silently point at a recycled id.
--
-- Forward-only: there is deliberately no Down section.

-- +goose Up
CREATE TABLE users (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT     NOT NULL,
    email      TEXT     NOT NULL,
    is_admin   BOOLEAN  NOT NULL DEFAULT FALSE,
    created_at DATETIME NOT NULL,
    CONSTRAINT users_email_key UNIQUE (email),
    CONSTRAINT users_email_lower CHECK (email = lower(email) AND email <> '')
);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT     NOT NULL DEFAULT '',
    token_hash   TEXT     NOT NULL,
    created_at   DATETIME NOT NULL,
    last_used_at DATETIME,
    revoked_at   DATETIME,
    CONSTRAINT api_tokens_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX api_tokens_user_id_idx ON api_tokens (user_id);

CREATE TABLE action_plans (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    title                  TEXT     NOT NULL,
    member                 TEXT     NOT NULL,
    starts_on              TEXT     NOT NULL,
    ends_on                TEXT     NOT NULL,
    status                 TEXT     NOT NULL DEFAULT 'co_creation',
    current_step           INTEGER  NOT NULL DEFAULT 1,
    -- NULL only inside the CreatePlan transaction that derives it from id.
    workflow_id            TEXT,
    coordinator_id         INTEGER  NOT NULL REFERENCES users (id),
    created_by             INTEGER  NOT NULL REFERENCES users (id),
    idempotency_key        TEXT,
    reminder_interval_days INTEGER  NOT NULL DEFAULT 0,
    state_version          INTEGER  NOT NULL DEFAULT 0,
    created_at             DATETIME NOT NULL,
    updated_at             DATETIME NOT NULL,
    CONSTRAINT action_plans_workflow_id_key UNIQUE (workflow_id),
    -- NULL keys are distinct, so plans created without a key never collide.
    CONSTRAINT action_plans_created_by_idempotency_key_key UNIQUE (created_by, idempotency_key),
    CONSTRAINT action_plans_status_check CHECK (status IN ('co_creation', 'implementation', 'learning', 'completed')),
    CONSTRAINT action_plans_starts_on_check CHECK (starts_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    CONSTRAINT action_plans_ends_on_check CHECK (ends_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    CONSTRAINT action_plans_dates_order CHECK (ends_on >= starts_on),
    CONSTRAINT action_plans_current_step_check CHECK (current_step >= 0),
    CONSTRAINT action_plans_reminder_interval_check CHECK (reminder_interval_days >= 0)
);
CREATE INDEX action_plans_status_id_idx ON action_plans (status, id);
CREATE INDEX action_plans_coordinator_id_idx ON action_plans (coordinator_id);

CREATE TABLE plan_memberships (
    plan_id    INTEGER  NOT NULL REFERENCES action_plans (id) ON DELETE CASCADE,
    user_id    INTEGER  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    roles      TEXT     NOT NULL DEFAULT '',
    sector     TEXT     NOT NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    PRIMARY KEY (plan_id, user_id),
    CONSTRAINT plan_memberships_sector_check CHECK (sector IN ('government', 'civil_society', 'other'))
);
-- "Which plans is this user on" (authorisation, my-plans listings).
CREATE INDEX plan_memberships_user_id_idx ON plan_memberships (user_id);

CREATE TABLE steps (
    plan_id        INTEGER  NOT NULL REFERENCES action_plans (id) ON DELETE CASCADE,
    number         INTEGER  NOT NULL,
    "key"          TEXT     NOT NULL,
    status         TEXT     NOT NULL DEFAULT 'not_started',
    due_on         TEXT,
    started_at     DATETIME,
    submitted_at   DATETIME,
    submitted_by   INTEGER REFERENCES users (id),
    summary        TEXT     NOT NULL DEFAULT '',
    round          INTEGER  NOT NULL DEFAULT 0,
    approved_at    DATETIME,
    reminders_sent INTEGER  NOT NULL DEFAULT 0,
    updated_at     DATETIME NOT NULL,
    PRIMARY KEY (plan_id, number),
    CONSTRAINT steps_number_check CHECK (number BETWEEN 1 AND 10),
    CONSTRAINT steps_status_check CHECK (status IN ('not_started', 'in_progress', 'awaiting_approval', 'changes_requested', 'approved')),
    CONSTRAINT steps_due_on_check CHECK (due_on IS NULL OR due_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]')
);

-- No foreign key to steps: a decision may be projected before the step rows
-- of a newer version are, and the projection must never fail on ordering.
CREATE TABLE decisions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id     INTEGER  NOT NULL REFERENCES action_plans (id) ON DELETE CASCADE,
    step_number INTEGER  NOT NULL,
    round       INTEGER  NOT NULL,
    approver_id INTEGER  NOT NULL REFERENCES users (id),
    decision    TEXT     NOT NULL,
    comment     TEXT     NOT NULL DEFAULT '',
    decided_at  DATETIME NOT NULL,
    -- Also serves PlanDecisions' (plan_id, step_number, round) ordering.
    CONSTRAINT decisions_plan_step_round_approver_key UNIQUE (plan_id, step_number, round, approver_id),
    CONSTRAINT decisions_decision_check CHECK (decision IN ('approve', 'request_changes'))
);

CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    plan_id     INTEGER REFERENCES action_plans (id) ON DELETE CASCADE,
    step_number INTEGER,
    kind        TEXT     NOT NULL,
    subject     TEXT     NOT NULL DEFAULT '',
    body        TEXT     NOT NULL DEFAULT '',
    dedup_key   TEXT     NOT NULL,
    created_at  DATETIME NOT NULL,
    read_at     DATETIME,
    CONSTRAINT notifications_dedup_key_user_id_key UNIQUE (dedup_key, user_id),
    CONSTRAINT notifications_dedup_key_check CHECK (dedup_key <> '')
);
-- Inbox listing, newest first; the partial index keeps "unread" cheap as
-- read notifications accumulate.
CREATE INDEX notifications_user_created_idx ON notifications (user_id, created_at DESC, id DESC);
CREATE INDEX notifications_user_unread_idx ON notifications (user_id, created_at DESC, id DESC) WHERE read_at IS NULL;
CREATE INDEX notifications_plan_id_idx ON notifications (plan_id);

CREATE TABLE audit_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id     INTEGER  NOT NULL REFERENCES action_plans (id) ON DELETE CASCADE,
    event_key   TEXT     NOT NULL,
    seq         INTEGER  NOT NULL,
    kind        TEXT     NOT NULL,
    actor_id    INTEGER REFERENCES users (id),
    step_number INTEGER,
    payload     TEXT     NOT NULL DEFAULT '{}',
    occurred_at DATETIME NOT NULL,
    CONSTRAINT audit_events_event_key_key UNIQUE (event_key)
);
CREATE INDEX audit_events_plan_id_seq_idx ON audit_events (plan_id, seq);
