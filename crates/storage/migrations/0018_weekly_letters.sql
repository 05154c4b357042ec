-- The weekly letter to guardians (issue 9, point 7). Same portable conventions as 0001:
-- TEXT ids, BIGINT UTC milliseconds, 0/1 flags.

-- A guardian's e-mail address for letters (personal data of the guardian).
CREATE TABLE letter_addresses (
    guardian_id TEXT PRIMARY KEY REFERENCES users (id),
    address TEXT NOT NULL,
    set_by TEXT NOT NULL REFERENCES users (id),
    set_at BIGINT NOT NULL
);

-- Per guardian and child: whether the guardian wants the letter (without a row: yes, once
-- an address is set) and the SHA-256 of the letter's unsubscribe secret (never the secret).
CREATE TABLE letter_subscriptions (
    guardian_id TEXT NOT NULL REFERENCES users (id),
    student_id TEXT NOT NULL REFERENCES users (id),
    subscribed BIGINT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    changed_at BIGINT NOT NULL,
    PRIMARY KEY (guardian_id, student_id)
);

-- One row per letter (guardian, child, week), inserted before sending: the primary key
-- lets exactly one server of several claim it. `status` is `sending`, `sent` or `failed`
-- (retried from `retry_at` until `attempts` reaches the cap); a row left `sending` by a
-- crash is never retried, so no letter goes out twice.
CREATE TABLE letter_sends (
    guardian_id TEXT NOT NULL REFERENCES users (id),
    student_id TEXT NOT NULL REFERENCES users (id),
    week TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    claimed_by TEXT NOT NULL,
    claimed_at BIGINT NOT NULL,
    retry_at BIGINT,
    sent_at BIGINT,
    error TEXT,
    PRIMARY KEY (guardian_id, student_id, week)
);
CREATE INDEX letter_sends_retry ON letter_sends (status, retry_at);
