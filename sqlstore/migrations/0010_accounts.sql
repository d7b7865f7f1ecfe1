-- Public accounts (issue 6): a user's optional e-mail address and phone, each verified or
-- not; single-use account tokens (e-mail verification, password reset) kept only as SHA-256
-- hashes with their expiry; API tokens' usage counts; the notifications' e-mail outbox.
ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN email_verified_at TEXT;
ALTER TABLE users ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN phone_verified_at TEXT;
CREATE INDEX users_email ON users (email);

CREATE TABLE account_tokens (
    hash       TEXT PRIMARY KEY,             -- SHA-256 of the secret; the secret is never stored
    user_id    TEXT NOT NULL REFERENCES users (id),
    purpose    TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    email      TEXT NOT NULL,                -- the address it was sent to
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);
CREATE INDEX account_tokens_user ON account_tokens (user_id, purpose);

-- Requests made with each API token, added in batches by the servers' counters.
ALTER TABLE tokens ADD COLUMN requests BIGINT NOT NULL DEFAULT 0;

-- The e-mail outbox: a server claims a notification (mail_claim, until mail_claimed_until),
-- sends it and sets mailed_at; a failure counts an attempt and waits for a later claim.
-- Notifications written before this migration count as mailed.
ALTER TABLE notifications ADD COLUMN mailed_at TEXT;
ALTER TABLE notifications ADD COLUMN mail_claim TEXT NOT NULL DEFAULT '';
ALTER TABLE notifications ADD COLUMN mail_claimed_until TEXT;
ALTER TABLE notifications ADD COLUMN mail_attempts INTEGER NOT NULL DEFAULT 0;
UPDATE notifications SET mailed_at = created_at;
CREATE INDEX notifications_outbox ON notifications (mailed_at, created_at);
