-- A daily digest instead of single e-mails: the user's choice, the outbox
-- status of e-mails held for it, and one row per digest sent, so a retried
-- SendDigest activity never sends the same digest twice.
-- Mirrors postgres/00011_digest.sql.

-- +goose Up
-- digest_hour is the hour (UTC) the digest goes out.
ALTER TABLE notification_settings ADD COLUMN digest BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE notification_settings ADD COLUMN digest_hour INTEGER NOT NULL DEFAULT 7
    CONSTRAINT notification_settings_digest_hour_check CHECK (digest_hour BETWEEN 0 AND 23);

-- queued: an e-mail held for the user's next digest (never delivered alone).
-- SQLite cannot change a CHECK constraint: the outbox is rebuilt, with its
-- child, the delivery log, so that no ON DELETE CASCADE fires while the old
-- tables are dropped (foreign_keys is ON and cannot change inside the
-- migration's transaction). Renaming the new outbox rewrites the reference
-- of the new delivery log.
CREATE TABLE notification_outbox_new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    dedup_key    TEXT        NOT NULL,
    channel      TEXT        NOT NULL,
    recipient    TEXT        NOT NULL,
    user_id      INTEGER REFERENCES users (id) ON DELETE CASCADE,
    webhook_id   INTEGER REFERENCES plan_webhooks (id) ON DELETE CASCADE,
    plan_id      INTEGER REFERENCES action_plans (id) ON DELETE CASCADE,
    step_number  INTEGER,
    kind         TEXT        NOT NULL,
    subject      TEXT        NOT NULL DEFAULT '',
    body         TEXT        NOT NULL DEFAULT '',
    status       TEXT        NOT NULL DEFAULT 'pending',
    attempts     INTEGER     NOT NULL DEFAULT 0,
    last_error   TEXT        NOT NULL DEFAULT '',
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL,
    delivered_at DATETIME,
    CONSTRAINT notification_outbox_key UNIQUE (dedup_key, recipient, channel),
    CONSTRAINT notification_outbox_channel_check CHECK (channel IN ('in_app', 'email', 'webhook')),
    CONSTRAINT notification_outbox_status_check CHECK (status IN ('pending', 'queued', 'delivered', 'failed')),
    CONSTRAINT notification_outbox_dedup_key_check CHECK (dedup_key <> ''),
    CONSTRAINT notification_outbox_recipient_check CHECK (user_id IS NOT NULL OR webhook_id IS NOT NULL)
);
INSERT INTO notification_outbox_new (id, dedup_key, channel, recipient, user_id, webhook_id, plan_id, step_number, kind,
    subject, body, status, attempts, last_error, created_at, updated_at, delivered_at)
SELECT id, dedup_key, channel, recipient, user_id, webhook_id, plan_id, step_number, kind,
    subject, body, status, attempts, last_error, created_at, updated_at, delivered_at
FROM notification_outbox;

CREATE TABLE webhook_deliveries_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id  INTEGER     NOT NULL REFERENCES plan_webhooks (id) ON DELETE CASCADE,
    outbox_id   INTEGER     NOT NULL REFERENCES notification_outbox_new (id) ON DELETE CASCADE,
    attempt     INTEGER     NOT NULL,
    status_code INTEGER,
    error       TEXT        NOT NULL DEFAULT '',
    duration_ms INTEGER     NOT NULL DEFAULT 0,
    delivered   BOOLEAN     NOT NULL DEFAULT FALSE,
    created_at  DATETIME NOT NULL
);
INSERT INTO webhook_deliveries_new (id, webhook_id, outbox_id, attempt, status_code, error, duration_ms, delivered, created_at)
SELECT id, webhook_id, outbox_id, attempt, status_code, error, duration_ms, delivered, created_at
FROM webhook_deliveries;

DROP TABLE webhook_deliveries;
DROP TABLE notification_outbox;
ALTER TABLE notification_outbox_new RENAME TO notification_outbox;
ALTER TABLE webhook_deliveries_new RENAME TO webhook_deliveries;

CREATE INDEX notification_outbox_status_idx ON notification_outbox (status, id);
CREATE INDEX notification_outbox_user_id_idx ON notification_outbox (user_id);
CREATE INDEX notification_outbox_webhook_id_idx ON notification_outbox (webhook_id);
CREATE INDEX notification_outbox_plan_id_idx ON notification_outbox (plan_id);
CREATE INDEX notification_outbox_queued_idx ON notification_outbox (user_id, id) WHERE status = 'queued';
CREATE INDEX webhook_deliveries_webhook_id_idx ON webhook_deliveries (webhook_id, id);
CREATE INDEX webhook_deliveries_outbox_id_idx ON webhook_deliveries (outbox_id);

-- digest_key names one digest of one user (its scheduled instant).
CREATE TABLE notification_digests (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    digest_key TEXT     NOT NULL,
    until      DATETIME NOT NULL,
    entries    INTEGER  NOT NULL,
    sent_at    DATETIME NOT NULL,
    CONSTRAINT notification_digests_key UNIQUE (digest_key),
    CONSTRAINT notification_digests_key_check CHECK (digest_key <> '')
);
CREATE INDEX notification_digests_user_id_idx ON notification_digests (user_id, id);
