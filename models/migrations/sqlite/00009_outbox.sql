-- Notifications leave through an outbox: every notification is recorded per
-- recipient and channel before anything is sent, so a retried or replayed
-- Notify activity adds nothing twice and each delivery is tracked (status,
-- attempts, last error). Channels: in_app (the inbox row, delivered at
-- once), email and webhook. Users choose their channels; coordinators
-- register webhooks per plan, with a log of every delivery attempt.
-- Mirrors postgres/00009_outbox.sql.

-- +goose Up
-- A missing row means the defaults: every channel on.
CREATE TABLE notification_settings (
    user_id INTEGER NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    email      BOOLEAN     NOT NULL DEFAULT TRUE,
    in_app     BOOLEAN     NOT NULL DEFAULT TRUE,
    updated_at DATETIME NOT NULL,
    CONSTRAINT notification_settings_one_channel CHECK (email OR in_app)
);

-- The secret signs deliveries (HMAC-SHA256), so it is stored as given.
-- events is a comma-separated list of notification kinds; '' means all.
CREATE TABLE plan_webhooks (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id    INTEGER     NOT NULL REFERENCES action_plans (id) ON DELETE CASCADE,
    url        TEXT        NOT NULL,
    secret     TEXT        NOT NULL,
    events     TEXT        NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at DATETIME NOT NULL,
    CONSTRAINT plan_webhooks_url_check CHECK (url <> ''),
    CONSTRAINT plan_webhooks_secret_check CHECK (secret <> '')
);
CREATE INDEX plan_webhooks_plan_id_idx ON plan_webhooks (plan_id, id);

-- recipient is "user:<id>" or "webhook:<id>": with dedup_key and channel
-- it names one delivery, so recording it again is a no-op.
CREATE TABLE notification_outbox (
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
    CONSTRAINT notification_outbox_status_check CHECK (status IN ('pending', 'delivered', 'failed')),
    CONSTRAINT notification_outbox_dedup_key_check CHECK (dedup_key <> ''),
    CONSTRAINT notification_outbox_recipient_check CHECK (user_id IS NOT NULL OR webhook_id IS NOT NULL)
);
CREATE INDEX notification_outbox_status_idx ON notification_outbox (status, id);
CREATE INDEX notification_outbox_user_id_idx ON notification_outbox (user_id);
CREATE INDEX notification_outbox_webhook_id_idx ON notification_outbox (webhook_id);
CREATE INDEX notification_outbox_plan_id_idx ON notification_outbox (plan_id);

-- One row per attempt to call a webhook: the delivery log.
CREATE TABLE webhook_deliveries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id  INTEGER     NOT NULL REFERENCES plan_webhooks (id) ON DELETE CASCADE,
    outbox_id   INTEGER     NOT NULL REFERENCES notification_outbox (id) ON DELETE CASCADE,
    attempt     INTEGER     NOT NULL,
    status_code INTEGER,
    error       TEXT        NOT NULL DEFAULT '',
    duration_ms INTEGER     NOT NULL DEFAULT 0,
    delivered   BOOLEAN     NOT NULL DEFAULT FALSE,
    created_at  DATETIME NOT NULL
);
CREATE INDEX webhook_deliveries_webhook_id_idx ON webhook_deliveries (webhook_id, id);
CREATE INDEX webhook_deliveries_outbox_id_idx ON webhook_deliveries (outbox_id);
