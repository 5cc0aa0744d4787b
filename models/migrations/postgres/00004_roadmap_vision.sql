-- Co-creation content of step 2 (the roadmap of steps 3-10) and step 7
-- (the strategic vision). Dates are 'YYYY-MM-DD' text, as in 00001.
-- The rules on the values (inside the plan's period, responsible named)
-- are the domain's, checked at write and again at the step's gate; the
-- constraints here only keep the rows well formed.

-- +goose Up
CREATE TABLE roadmap_entries (
    plan_id      BIGINT      NOT NULL REFERENCES action_plans (id) ON DELETE CASCADE,
    step         INTEGER     NOT NULL,
    starts_on    VARCHAR(10) NOT NULL,
    ends_on      VARCHAR(10) NOT NULL,
    responsible  TEXT        NOT NULL,
    stakeholders TEXT        NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (plan_id, step),
    CONSTRAINT roadmap_entries_step_check CHECK (step BETWEEN 3 AND 10),
    CONSTRAINT roadmap_entries_starts_on_check CHECK (starts_on ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
    CONSTRAINT roadmap_entries_ends_on_check CHECK (ends_on ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$')
);

CREATE TABLE strategic_visions (
    plan_id    BIGINT      NOT NULL PRIMARY KEY REFERENCES action_plans (id) ON DELETE CASCADE,
    text       TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
