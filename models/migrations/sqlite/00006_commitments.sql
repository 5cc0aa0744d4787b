-- Co-creation content of step 5 (commitments following the OGP commitment
-- template, their relevance to the OGP values and their milestones) and
-- step 6 (each commitment's support network). Mirrors postgres/00006.
--
-- Commitments are numbered 1..n per plan in creation order; a deletion
-- renumbers the ones after it, so the numbers stay the ones the published
-- plan shows. One commitment per problem: the problem it addresses (a
-- problem with a commitment cannot be deleted; deleting the plan removes
-- both). Retried creations are answered once by the API's Idempotency-Key
-- layer (idempotency_records), so these tables keep no key of their own.

-- +goose Up
CREATE TABLE commitments (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id           INTEGER  NOT NULL REFERENCES action_plans (id) ON DELETE CASCADE,
    number            INTEGER  NOT NULL,
    problem_id        INTEGER  NOT NULL REFERENCES problems (id),
    title             TEXT     NOT NULL,
    starts_on         TEXT     NOT NULL,
    ends_on           TEXT     NOT NULL,
    lead_agency       TEXT     NOT NULL DEFAULT '',
    problem_statement TEXT     NOT NULL DEFAULT '',
    status_quo        TEXT     NOT NULL DEFAULT '',
    objective         TEXT     NOT NULL DEFAULT '',
    how_it_solves     TEXT     NOT NULL DEFAULT '',
    additional_info   TEXT     NOT NULL DEFAULT '',
    created_at        DATETIME NOT NULL,
    updated_at        DATETIME NOT NULL,
    CONSTRAINT commitments_plan_id_number_key UNIQUE (plan_id, number),
    CONSTRAINT commitments_plan_id_problem_id_key UNIQUE (plan_id, problem_id),
    CONSTRAINT commitments_number_check CHECK (number >= 1),
    CONSTRAINT commitments_title_check CHECK (title <> ''),
    CONSTRAINT commitments_starts_on_check CHECK (starts_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    CONSTRAINT commitments_ends_on_check CHECK (ends_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    CONSTRAINT commitments_dates_order CHECK (ends_on >= starts_on)
);

-- A commitment's relevance to each OGP value it claims, in the order given.
CREATE TABLE commitment_values (
    plan_id       INTEGER NOT NULL REFERENCES action_plans (id) ON DELETE CASCADE,
    commitment_id INTEGER NOT NULL REFERENCES commitments (id) ON DELETE CASCADE,
    value         TEXT    NOT NULL,
    position      INTEGER NOT NULL,
    justification TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (commitment_id, value),
    CONSTRAINT commitment_values_value_check CHECK (value IN ('transparency', 'accountability', 'participation'))
);
CREATE INDEX commitment_values_plan_id_idx ON commitment_values (plan_id);

CREATE TABLE milestones (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id       INTEGER  NOT NULL REFERENCES action_plans (id) ON DELETE CASCADE,
    commitment_id INTEGER  NOT NULL REFERENCES commitments (id) ON DELETE CASCADE,
    title         TEXT     NOT NULL,
    deliverable   TEXT     NOT NULL DEFAULT '',
    indicator     TEXT     NOT NULL DEFAULT '',
    target        TEXT     NOT NULL DEFAULT '',
    starts_on     TEXT     NOT NULL,
    due_on        TEXT     NOT NULL,
    responsible   TEXT     NOT NULL DEFAULT '',
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL,
    CONSTRAINT milestones_title_check CHECK (title <> ''),
    CONSTRAINT milestones_starts_on_check CHECK (starts_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    CONSTRAINT milestones_due_on_check CHECK (due_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    CONSTRAINT milestones_dates_order CHECK (due_on > starts_on)
);
CREATE INDEX milestones_commitment_id_idx ON milestones (commitment_id);
CREATE INDEX milestones_plan_id_idx ON milestones (plan_id);

-- The contact is private: only coordinators read it, never the public.
CREATE TABLE support_actors (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id       INTEGER  NOT NULL REFERENCES action_plans (id) ON DELETE CASCADE,
    commitment_id INTEGER  NOT NULL REFERENCES commitments (id) ON DELETE CASCADE,
    name          TEXT     NOT NULL,
    organisation  TEXT     NOT NULL DEFAULT '',
    sector        TEXT     NOT NULL,
    role          TEXT     NOT NULL,
    contact       TEXT     NOT NULL DEFAULT '',
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL,
    CONSTRAINT support_actors_name_check CHECK (name <> ''),
    CONSTRAINT support_actors_sector_check CHECK (sector IN ('government', 'civil_society', 'private', 'academia', 'other')),
    CONSTRAINT support_actors_role_check CHECK (role IN ('lead', 'supporter'))
);
CREATE INDEX support_actors_commitment_id_idx ON support_actors (commitment_id);
CREATE INDEX support_actors_plan_id_idx ON support_actors (plan_id);
