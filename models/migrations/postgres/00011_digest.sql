-- A daily digest instead of single e-mails: the user's choice, the outbox
-- status of e-mails held for it, and one row per digest sent, so a retried
-- SendDigest activity never sends the same digest twice.
-- Mirrors sqlite/00011_digest.sql.

-- +goose Up
-- digest_hour is the hour (UTC) the digest goes out.
ALTER TABLE notification_settings ADD COLUMN digest BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE notification_settings ADD COLUMN digest_hour INTEGER NOT NULL DEFAULT 7
    CONSTRAINT notification_settings_digest_hour_check CHECK (digest_hour BETWEEN 0 AND 23);

-- queued: an e-mail held for the user's next digest (never delivered alone).
ALTER TABLE notification_outbox DROP CONSTRAINT notification_outbox_status_check;
ALTER TABLE notification_outbox ADD CONSTRAINT notification_outbox_status_check
    CHECK (status IN ('pending', 'queued', 'delivered', 'failed'));
CREATE INDEX notification_outbox_queued_idx ON notification_outbox (user_id, id) WHERE status = 'queued';

-- digest_key names one digest of one user (its scheduled instant).
CREATE TABLE notification_digests (
    id         BIGSERIAL PRIMARY KEY,
    user_id    BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    digest_key TEXT        NOT NULL,
    until      TIMESTAMPTZ NOT NULL,
    entries    INTEGER     NOT NULL,
    sent_at    TIMESTAMPTZ NOT NULL,
    CONSTRAINT notification_digests_key UNIQUE (digest_key),
    CONSTRAINT notification_digests_key_check CHECK (digest_key <> '')
);
CREATE INDEX notification_digests_user_id_idx ON notification_digests (user_id, id);
