-- Two-factor sign-in for staff (issue 11, point 7). Same portable conventions as 0001.

-- A staff member's TOTP secret (RFC 6238, base32). `confirmed_at` is NULL until a first
-- code proves the authenticator app holds it; `last_step` is the newest 30-second step
-- accepted, so a code is accepted once.
CREATE TABLE two_factor (
    user_id TEXT PRIMARY KEY REFERENCES users (id),
    secret TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    confirmed_at BIGINT,
    last_step BIGINT NOT NULL DEFAULT 0
);

-- Recovery codes, each usable once, stored only as SHA-256 (120 random bits each).
CREATE TABLE recovery_codes (
    user_id TEXT NOT NULL REFERENCES users (id),
    code_hash TEXT NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (user_id, code_hash)
);
