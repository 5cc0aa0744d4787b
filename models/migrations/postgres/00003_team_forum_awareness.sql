-- Co-creation content of steps 1 and 3: the team's profiles, the forum
-- with its members and meetings, the monitoring body, and the awareness
-- activities.

-- +goose Up
-- A team member is a plan member: the profile goes when the membership
-- does, so the team never lists someone who left the plan.
CREATE TABLE team_profiles (
    plan_id      BIGINT      NOT NULL REFERENCES action_plans (id) ON DELETE CASCADE,
    user_id      BIGINT      NOT NULL,
    title        TEXT        NOT NULL,
    organisation TEXT        NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (plan_id, user_id),
    CONSTRAINT team_profiles_membership_fkey FOREIGN KEY (plan_id, user_id)
        REFERENCES plan_memberships (plan_id, user_id) ON DELETE CASCADE,
    CONSTRAINT team_profiles_text_check CHECK (title <> '' AND organisation <> '')
);

-- One forum per plan.
CREATE TABLE forums (
    plan_id         BIGINT      NOT NULL PRIMARY KEY REFERENCES action_plans (id) ON DELETE CASCADE,
    name            TEXT        NOT NULL,
    is_new          BOOLEAN     NOT NULL DEFAULT FALSE,
    purpose         TEXT        NOT NULL DEFAULT '',
    meeting_cadence TEXT        NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    CONSTRAINT forums_name_check CHECK (name <> '')
);

CREATE TABLE forum_members (
    id           BIGSERIAL PRIMARY KEY,
    plan_id      BIGINT      NOT NULL REFERENCES action_plans (id) ON DELETE CASCADE,
    name         TEXT        NOT NULL,
    organisation TEXT        NOT NULL DEFAULT '',
    sector       TEXT        NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    CONSTRAINT forum_members_forum_fkey FOREIGN KEY (plan_id) REFERENCES forums (plan_id) ON DELETE CASCADE,
    CONSTRAINT forum_members_sector_check CHECK (sector IN ('government', 'non_government')),
    CONSTRAINT forum_members_name_check CHECK (name <> '')
);
CREATE INDEX forum_members_plan_id_idx ON forum_members (plan_id, id);

CREATE TABLE forum_meetings (
    id          BIGSERIAL PRIMARY KEY,
    plan_id     BIGINT      NOT NULL REFERENCES action_plans (id) ON DELETE CASCADE,
    held_on     VARCHAR(10) NOT NULL,
    agenda      TEXT        NOT NULL,
    minutes     TEXT        NOT NULL DEFAULT '',
    minutes_url TEXT        NOT NULL DEFAULT '',
    attendees   INTEGER     NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    CONSTRAINT forum_meetings_forum_fkey FOREIGN KEY (plan_id) REFERENCES forums (plan_id) ON DELETE CASCADE,
    CONSTRAINT forum_meetings_held_on_check CHECK (held_on ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
    CONSTRAINT forum_meetings_minutes_check CHECK (minutes <> '' OR minutes_url <> ''),
    CONSTRAINT forum_meetings_attendees_check CHECK (attendees >= 1)
);
CREATE INDEX forum_meetings_plan_id_idx ON forum_meetings (plan_id, held_on, id);

-- One monitoring body per plan; its members are the plan members with the
-- monitoring_body role.
CREATE TABLE monitoring_bodies (
    plan_id                BIGINT      NOT NULL PRIMARY KEY REFERENCES action_plans (id) ON DELETE CASCADE,
    name                   TEXT        NOT NULL,
    kind                   TEXT        NOT NULL,
    independence_statement TEXT        NOT NULL DEFAULT '',
    created_at             TIMESTAMPTZ NOT NULL,
    updated_at             TIMESTAMPTZ NOT NULL,
    CONSTRAINT monitoring_bodies_kind_check CHECK (kind IN ('person', 'group', 'organisation')),
    CONSTRAINT monitoring_bodies_name_check CHECK (name <> '')
);

CREATE TABLE awareness_activities (
    id           BIGSERIAL PRIMARY KEY,
    plan_id      BIGINT      NOT NULL REFERENCES action_plans (id) ON DELETE CASCADE,
    kind         TEXT        NOT NULL,
    held_on      VARCHAR(10) NOT NULL,
    audience     TEXT        NOT NULL,
    description  TEXT        NOT NULL,
    reach        INTEGER     NOT NULL DEFAULT 0,
    evidence_url TEXT        NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    CONSTRAINT awareness_activities_kind_check CHECK (kind IN ('event', 'campaign', 'media', 'online', 'other')),
    CONSTRAINT awareness_activities_held_on_check CHECK (held_on ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
    CONSTRAINT awareness_activities_reach_check CHECK (reach >= 0)
);
CREATE INDEX awareness_activities_plan_id_idx ON awareness_activities (plan_id, held_on, id);
