-- Sign-in for the web workspace: a password per user (argon2id, PHC
-- string; NULL until the user accepts an invitation or resets it), browser
-- sessions, and single-use account links (invitations, password resets)
-- sent by e-mail. Tokens of sessions and links are stored as their SHA-256
-- only, like API tokens, so a leaked database holds no usable token.
-- Mirrors postgres/00014_web_auth.sql.

-- +goose Up
ALTER TABLE users ADD COLUMN password_hash TEXT;

-- expires_at slides forward with use (at most one write a minute, through
-- last_seen_at), so an idle session ends and an active one does not.
CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   TEXT     NOT NULL,
    created_at   DATETIME NOT NULL,
    expires_at   DATETIME NOT NULL,
    last_seen_at DATETIME NOT NULL,
    CONSTRAINT sessions_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);

-- A link works once (used_at), until expires_at; a newer link of the same
-- purpose replaces the user's unused ones (they are deleted).
CREATE TABLE account_links (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT     NOT NULL,
    token_hash TEXT     NOT NULL,
    created_at DATETIME NOT NULL,
    expires_at DATETIME NOT NULL,
    used_at    DATETIME,
    CONSTRAINT account_links_token_hash_key UNIQUE (token_hash),
    CONSTRAINT account_links_purpose_check CHECK (purpose IN ('invitation', 'password_reset'))
);
CREATE INDEX account_links_user_id_idx ON account_links (user_id, purpose);
