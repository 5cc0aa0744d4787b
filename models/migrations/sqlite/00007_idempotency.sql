-- Idempotency keys of content changes: a retried request with the same
-- key is answered with the stored response instead of running again.
-- Mirrors postgres/00007.

-- +goose Up
CREATE TABLE idempotency_records (
    user_id      INTEGER  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key          TEXT     NOT NULL,
    request_hash TEXT     NOT NULL,
    status       INTEGER  NOT NULL DEFAULT 0,
    content_type TEXT     NOT NULL DEFAULT '',
    response     TEXT     NOT NULL DEFAULT '',
    created_at   DATETIME NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_records_created_at_idx ON idempotency_records (created_at);
