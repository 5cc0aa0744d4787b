-- Implementation (step 9): who acts on a commitment, and the projection of
-- each commitment's workflow (runs, milestone progress, progress reports,
-- delay explanations, amendments, withdrawals, and its audit trail).
--
-- The workflow is the authority; these rows are written only by the
-- projection activity (ApplyCommitmentProjection). Mutable rows carry the
-- state version through commitment_runs.state_version; history rows
-- (reports, delay explanations) are append-only and keyed so a retried or
-- reordered projection inserts each once. The schedule state (on track,
-- due soon, overdue, done late, done on time) is not stored: it depends on
-- today, so the API derives it from due_on, status and completed_at.

-- +goose Up
-- A user who leads the commitment or is responsible for a milestone may
-- report progress on it and receives its reminders.
ALTER TABLE commitments ADD COLUMN lead_user_id BIGINT REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE milestones ADD COLUMN responsible_user_id BIGINT REFERENCES users (id) ON DELETE SET NULL;

-- policy is the plan's reminder policy (JSON) the workflow runs with: it
-- also says from when a milestone counts as due soon.
CREATE TABLE commitment_runs (
    commitment_id  BIGINT      NOT NULL PRIMARY KEY REFERENCES commitments (id) ON DELETE CASCADE,
    plan_id        BIGINT      NOT NULL REFERENCES action_plans (id) ON DELETE CASCADE,
    workflow_id    TEXT        NOT NULL,
    status         TEXT        NOT NULL,
    completion     TEXT        NOT NULL,
    policy         TEXT        NOT NULL DEFAULT '{}',
    state_version  INTEGER     NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    CONSTRAINT commitment_runs_workflow_id_key UNIQUE (workflow_id),
    CONSTRAINT commitment_runs_status_check CHECK (status IN ('active', 'completed', 'withdrawn')),
    CONSTRAINT commitment_runs_completion_check CHECK (completion IN ('not_started', 'limited', 'substantial', 'completed')),
    CONSTRAINT commitment_runs_state_version_check CHECK (state_version >= 1)
);
CREATE INDEX commitment_runs_plan_id_idx ON commitment_runs (plan_id);

-- title and due_on are the milestone's current ones: an approved amendment
-- changes them here, while milestones keeps what step 5 approved.
CREATE TABLE milestone_progress (
    milestone_id   BIGINT      NOT NULL PRIMARY KEY REFERENCES milestones (id) ON DELETE CASCADE,
    plan_id        BIGINT      NOT NULL REFERENCES action_plans (id) ON DELETE CASCADE,
    commitment_id  BIGINT      NOT NULL REFERENCES commitments (id) ON DELETE CASCADE,
    title          TEXT        NOT NULL,
    status         TEXT        NOT NULL,
    percent        INTEGER     NOT NULL DEFAULT 0,
    due_on         VARCHAR(10) NOT NULL,
    completed_at   TIMESTAMPTZ,
    reminders_sent INTEGER     NOT NULL DEFAULT 0,
    updated_at     TIMESTAMPTZ NOT NULL,
    CONSTRAINT milestone_progress_status_check CHECK (status IN ('not_started', 'in_progress', 'completed')),
    CONSTRAINT milestone_progress_percent_check CHECK (percent BETWEEN 0 AND 100),
    CONSTRAINT milestone_progress_due_on_check CHECK (due_on ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
    CONSTRAINT milestone_progress_reminders_sent_check CHECK (reminders_sent >= 0)
);
CREATE INDEX milestone_progress_commitment_id_idx ON milestone_progress (commitment_id);
CREATE INDEX milestone_progress_plan_id_idx ON milestone_progress (plan_id);

-- evidence is a JSON array of links.
CREATE TABLE progress_reports (
    milestone_id   BIGINT      NOT NULL REFERENCES milestones (id) ON DELETE CASCADE,
    seq            INTEGER     NOT NULL,
    plan_id        BIGINT      NOT NULL REFERENCES action_plans (id) ON DELETE CASCADE,
    commitment_id  BIGINT      NOT NULL REFERENCES commitments (id) ON DELETE CASCADE,
    status         TEXT        NOT NULL,
    percent        INTEGER     NOT NULL,
    narrative      TEXT        NOT NULL DEFAULT '',
    evidence       TEXT        NOT NULL DEFAULT '[]',
    reported_by    BIGINT      NOT NULL REFERENCES users (id),
    reported_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (milestone_id, seq),
    CONSTRAINT progress_reports_seq_check CHECK (seq >= 1),
    CONSTRAINT progress_reports_status_check CHECK (status IN ('not_started', 'in_progress', 'completed')),
    CONSTRAINT progress_reports_percent_check CHECK (percent BETWEEN 0 AND 100)
);
CREATE INDEX progress_reports_commitment_id_idx ON progress_reports (commitment_id);
CREATE INDEX progress_reports_plan_id_idx ON progress_reports (plan_id);

-- An explanation is identified by its milestone, author and instant (the
-- workflow's clock, at the microsecond both dialects keep): the state may
-- drop old ones on continue-as-new, the public record never does.
CREATE TABLE delay_explanations (
    id             BIGSERIAL   PRIMARY KEY,
    plan_id        BIGINT      NOT NULL REFERENCES action_plans (id) ON DELETE CASCADE,
    commitment_id  BIGINT      NOT NULL REFERENCES commitments (id) ON DELETE CASCADE,
    milestone_id   BIGINT      NOT NULL REFERENCES milestones (id) ON DELETE CASCADE,
    text           TEXT        NOT NULL,
    explained_by   BIGINT      NOT NULL REFERENCES users (id),
    explained_at   TIMESTAMPTZ NOT NULL,
    CONSTRAINT delay_explanations_milestone_at_by_key UNIQUE (milestone_id, explained_at, explained_by),
    CONSTRAINT delay_explanations_text_check CHECK (text <> '')
);
CREATE INDEX delay_explanations_commitment_id_idx ON delay_explanations (commitment_id);
CREATE INDEX delay_explanations_plan_id_idx ON delay_explanations (plan_id);

-- Both dates stay, whatever the outcome. approvers and decisions are JSON
-- arrays (user ids; {round, approver_id, decision, comment, decided_at}).
CREATE TABLE amendments (
    commitment_id  BIGINT      NOT NULL REFERENCES commitments (id) ON DELETE CASCADE,
    seq            INTEGER     NOT NULL,
    plan_id        BIGINT      NOT NULL REFERENCES action_plans (id) ON DELETE CASCADE,
    milestone_id   BIGINT      NOT NULL REFERENCES milestones (id) ON DELETE CASCADE,
    old_due_on     VARCHAR(10) NOT NULL,
    new_due_on     VARCHAR(10) NOT NULL,
    new_title      TEXT        NOT NULL DEFAULT '',
    reason         TEXT        NOT NULL,
    requested_by   BIGINT      NOT NULL REFERENCES users (id),
    requested_at   TIMESTAMPTZ NOT NULL,
    status         TEXT        NOT NULL,
    approvers      TEXT        NOT NULL DEFAULT '[]',
    decisions      TEXT        NOT NULL DEFAULT '[]',
    updated_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (commitment_id, seq),
    CONSTRAINT amendments_seq_check CHECK (seq >= 1),
    CONSTRAINT amendments_status_check CHECK (status IN ('pending', 'approved', 'rejected')),
    CONSTRAINT amendments_old_due_on_check CHECK (old_due_on ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
    CONSTRAINT amendments_new_due_on_check CHECK (new_due_on ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$')
);
CREATE INDEX amendments_milestone_id_idx ON amendments (milestone_id);
CREATE INDEX amendments_plan_id_idx ON amendments (plan_id);

-- Withdrawal requests by round: the approvers may reject one and a later
-- one be asked; every request stays in the public record.
CREATE TABLE withdrawals (
    commitment_id  BIGINT      NOT NULL REFERENCES commitments (id) ON DELETE CASCADE,
    round          INTEGER     NOT NULL,
    plan_id        BIGINT      NOT NULL REFERENCES action_plans (id) ON DELETE CASCADE,
    reason         TEXT        NOT NULL,
    requested_by   BIGINT      NOT NULL REFERENCES users (id),
    requested_at   TIMESTAMPTZ NOT NULL,
    status         TEXT        NOT NULL,
    approvers      TEXT        NOT NULL DEFAULT '[]',
    decisions      TEXT        NOT NULL DEFAULT '[]',
    updated_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (commitment_id, round),
    CONSTRAINT withdrawals_round_check CHECK (round >= 1),
    CONSTRAINT withdrawals_status_check CHECK (status IN ('pending', 'approved', 'rejected'))
);
CREATE INDEX withdrawals_plan_id_idx ON withdrawals (plan_id);

-- A commitment's own audit trail (events of its workflow, keyed
-- "commitment-<id>/<seq>"). Kept apart from audit_events, the plan's
-- trail, whose seq numbers the plan's workflow alone.
CREATE TABLE commitment_events (
    id             BIGSERIAL   PRIMARY KEY,
    plan_id        BIGINT      NOT NULL REFERENCES action_plans (id) ON DELETE CASCADE,
    commitment_id  BIGINT      NOT NULL REFERENCES commitments (id) ON DELETE CASCADE,
    event_key      TEXT        NOT NULL,
    seq            BIGINT      NOT NULL,
    kind           TEXT        NOT NULL,
    actor_id       BIGINT      REFERENCES users (id),
    payload        TEXT        NOT NULL DEFAULT '{}',
    occurred_at    TIMESTAMPTZ NOT NULL,
    CONSTRAINT commitment_events_event_key_key UNIQUE (event_key)
);
CREATE INDEX commitment_events_commitment_id_seq_idx ON commitment_events (commitment_id, seq);
CREATE INDEX commitment_events_plan_id_idx ON commitment_events (plan_id);
