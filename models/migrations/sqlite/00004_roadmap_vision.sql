-- Co-creation content of step 2 (the roadmap of steps 3-10) and step 7
-- (the strategic vision). Mirrors postgres/00004.

-- +goose Up
CREATE TABLE roadmap_entries (
    plan_id      INTEGER  NOT NULL REFERENCES action_plans (id) ON DELETE CASCADE,
    step         INTEGER  NOT NULL,
    starts_on    TEXT     NOT NULL,
    ends_on      TEXT     NOT NULL,
    responsible  TEXT     NOT NULL,
    stakeholders TEXT     NOT NULL,
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL,
    PRIMARY KEY (plan_id, step),
    CONSTRAINT roadmap_entries_step_check CHECK (step BETWEEN 3 AND 10),
    CONSTRAINT roadmap_entries_starts_on_check CHECK (starts_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    CONSTRAINT roadmap_entries_ends_on_check CHECK (ends_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]')
);

CREATE TABLE strategic_visions (
    plan_id    INTEGER  NOT NULL PRIMARY KEY REFERENCES action_plans (id) ON DELETE CASCADE,
    text       TEXT     NOT NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);
