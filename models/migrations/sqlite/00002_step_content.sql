-- Co-creation content: per step, a version counter and the lock that keeps
-- a submitted step's content exactly as its approvers saw it, and one
-- snapshot of that content per submission round. Mirrors postgres/00002.

-- +goose Up
CREATE TABLE step_contents (
    plan_id    INTEGER  NOT NULL REFERENCES action_plans (id) ON DELETE CASCADE,
    step       INTEGER  NOT NULL,
    version    INTEGER  NOT NULL DEFAULT 0,
    locked     BOOLEAN  NOT NULL DEFAULT FALSE,
    updated_at DATETIME NOT NULL,
    PRIMARY KEY (plan_id, step),
    CONSTRAINT step_contents_step_check CHECK (step BETWEEN 1 AND 10)
);

CREATE TABLE step_snapshots (
    plan_id    INTEGER  NOT NULL REFERENCES action_plans (id) ON DELETE CASCADE,
    step       INTEGER  NOT NULL,
    round      INTEGER  NOT NULL,
    version    INTEGER  NOT NULL,
    digest     TEXT     NOT NULL,
    content    TEXT     NOT NULL,
    created_at DATETIME NOT NULL,
    PRIMARY KEY (plan_id, step, round)
);
