-- Plan settings beyond the reminder interval, and calendar feed tokens.
-- Mirrors postgres/00010.

-- +goose Up
-- reminder_policy is the plan's milestone reminder policy as JSON
-- (durations in Go syntax, e.g. {"before":["336h0m0s"],...}), written by
-- the projection of the plan's workflow; NULL means the default policy.
ALTER TABLE action_plans ADD COLUMN reminder_policy TEXT;

-- One secret calendar feed token per user (GET /calendar/{token}.ics).
-- The token is kept as is, not hashed: GET /me/calendar shows the same
-- subscription URL again, and the feed only reads due dates. Resetting
-- replaces it, so the old URL stops working.
CREATE TABLE calendar_tokens (
    user_id    INTEGER  NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    token      TEXT     NOT NULL,
    created_at DATETIME NOT NULL,
    CONSTRAINT calendar_tokens_token_key UNIQUE (token),
    CONSTRAINT calendar_tokens_token_check CHECK (length(token) >= 32)
);
