-- Co-creation content of step 4: problems (opportunity areas) raised by the
-- team, the forum or the public, their moderation, scores, selection and
-- reasoned responses.
--
-- submitter_email is a public proposer's private contact: only
-- coordinators ever read it. Scores are keyed by who scored: a team member
-- (scorer_id is a user id) or a forum member (scorer_id is a forum
-- member's id, recorded by the coordinator), one score each per problem.
-- scorer_id has no foreign key because it points at one of two tables;
-- both are step 1 content, closed before step 4 opens.

-- +goose Up
CREATE TABLE problems (
    id                BIGSERIAL   PRIMARY KEY,
    plan_id           BIGINT      NOT NULL REFERENCES action_plans (id) ON DELETE CASCADE,
    title             TEXT        NOT NULL,
    description       TEXT        NOT NULL,
    policy_area       TEXT        NOT NULL,
    source            TEXT        NOT NULL,
    submitter         TEXT        NOT NULL DEFAULT '',
    submitter_email   TEXT        NOT NULL DEFAULT '',
    status            TEXT        NOT NULL,
    moderation_reason TEXT        NOT NULL DEFAULT '',
    moderated_by      BIGINT      REFERENCES users (id) ON DELETE SET NULL,
    moderated_at      TIMESTAMPTZ,
    selected          BOOLEAN     NOT NULL DEFAULT FALSE,
    reasoned_response TEXT        NOT NULL DEFAULT '',
    -- NULL for the public, who have no account.
    created_by        BIGINT      REFERENCES users (id) ON DELETE SET NULL,
    -- NULL keys are distinct, so problems recorded without a key never collide.
    idempotency_key   TEXT,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    CONSTRAINT problems_plan_id_idempotency_key_key UNIQUE (plan_id, idempotency_key),
    CONSTRAINT problems_source_check CHECK (source IN ('team', 'forum', 'public')),
    CONSTRAINT problems_status_check CHECK (status IN ('pending', 'published', 'hidden')),
    -- Only the public's proposals wait for moderation.
    CONSTRAINT problems_pending_public CHECK (status <> 'pending' OR source = 'public'),
    CONSTRAINT problems_hidden_reason CHECK (status <> 'hidden' OR moderation_reason <> '')
);
CREATE INDEX problems_plan_id_idx ON problems (plan_id, id);

CREATE TABLE problem_scores (
    problem_id  BIGINT      NOT NULL REFERENCES problems (id) ON DELETE CASCADE,
    scorer_kind TEXT        NOT NULL,
    scorer_id   BIGINT      NOT NULL,
    plan_id     BIGINT      NOT NULL REFERENCES action_plans (id) ON DELETE CASCADE,
    score       INTEGER     NOT NULL,
    recorded_by BIGINT      REFERENCES users (id) ON DELETE SET NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (problem_id, scorer_kind, scorer_id),
    CONSTRAINT problem_scores_scorer_kind_check CHECK (scorer_kind IN ('team_member', 'forum_member')),
    CONSTRAINT problem_scores_score_check CHECK (score BETWEEN 1 AND 5)
);
CREATE INDEX problem_scores_plan_id_idx ON problem_scores (plan_id);
