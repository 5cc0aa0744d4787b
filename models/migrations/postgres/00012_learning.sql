-- Learning (step 10): the learning plan, and the projection of the
-- monitoring body's assessment rounds (one AssessmentRoundWorkflow each):
-- the round with its full public state, the immutable evidence snapshot it
-- was based on, and its audit trail. Mirrors sqlite/00012.
--
-- The workflow is the authority over a round; assessment_rounds is written
-- by the projection activity under the state version guard. An evidence
-- snapshot is written once per round and never changed: its hash is what
-- the published report cites.

-- +goose Up
CREATE TABLE learning_plans (
    plan_id                     BIGINT      NOT NULL PRIMARY KEY REFERENCES action_plans (id) ON DELETE CASCADE,
    objectives                  TEXT        NOT NULL DEFAULT '',
    accountability_requirements TEXT        NOT NULL DEFAULT '',
    data_collection             TEXT        NOT NULL DEFAULT '',
    data_storage                TEXT        NOT NULL DEFAULT '',
    data_analysis               TEXT        NOT NULL DEFAULT '',
    data_sharing                TEXT        NOT NULL DEFAULT '',
    participants                TEXT        NOT NULL DEFAULT '',
    updated_at                  TIMESTAMPTZ NOT NULL
);

-- state is the round's whole public state (ogp.AssessmentRoundState, JSON).
CREATE TABLE assessment_rounds (
    id            BIGSERIAL   PRIMARY KEY,
    plan_id       BIGINT      NOT NULL REFERENCES action_plans (id) ON DELETE CASCADE,
    kind          TEXT        NOT NULL,
    stage         TEXT        NOT NULL,
    opened_by     BIGINT      REFERENCES users (id) ON DELETE SET NULL,
    workflow_id   TEXT,
    evidence_hash TEXT        NOT NULL DEFAULT '',
    report_hash   TEXT        NOT NULL DEFAULT '',
    published_at  TIMESTAMPTZ,
    state_version BIGINT      NOT NULL DEFAULT 0,
    state         TEXT        NOT NULL DEFAULT '{}',
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    CONSTRAINT assessment_rounds_workflow_id_key UNIQUE (workflow_id),
    CONSTRAINT assessment_rounds_kind_check CHECK (kind IN ('co_creation', 'implementation', 'results')),
    CONSTRAINT assessment_rounds_stage_check CHECK (stage IN ('collecting_evidence', 'self_assessment', 'assessment',
        'public_comment', 'finalising', 'published', 'cancelled')),
    CONSTRAINT assessment_rounds_state_version_check CHECK (state_version >= 0)
);
CREATE INDEX assessment_rounds_plan_id_idx ON assessment_rounds (plan_id, id);

-- content is the canonical JSON the hash (SHA-256, hex) is computed over.
CREATE TABLE evidence_snapshots (
    round_id   BIGINT      NOT NULL PRIMARY KEY REFERENCES assessment_rounds (id) ON DELETE CASCADE,
    hash       TEXT        NOT NULL,
    content    TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT evidence_snapshots_hash_check CHECK (length(hash) = 64)
);

-- A round's own audit trail (events of its workflow, keyed
-- "assessment-<id>/<seq>").
CREATE TABLE round_events (
    id          BIGSERIAL   PRIMARY KEY,
    plan_id     BIGINT      NOT NULL REFERENCES action_plans (id) ON DELETE CASCADE,
    round_id    BIGINT      NOT NULL REFERENCES assessment_rounds (id) ON DELETE CASCADE,
    event_key   TEXT        NOT NULL,
    seq         BIGINT      NOT NULL,
    kind        TEXT        NOT NULL,
    actor_id    BIGINT      REFERENCES users (id),
    payload     TEXT        NOT NULL DEFAULT '{}',
    occurred_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT round_events_event_key_key UNIQUE (event_key)
);
CREATE INDEX round_events_round_id_seq_idx ON round_events (round_id, seq);
CREATE INDEX round_events_plan_id_idx ON round_events (plan_id);
