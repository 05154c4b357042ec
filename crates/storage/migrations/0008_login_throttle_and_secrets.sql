-- What an outside test broke (issue 11, point 8). Same portable conventions as 0001.

-- Per-install secrets (HMAC keys for the login form's token, page timing stamps, device
-- cookies and throttle keys). Made once by the first server to start; every server
-- process of the school reads the same row.
CREATE TABLE server_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- The login throttle replaces `login_failures`, which stored every submitted username
-- whole and was never pruned. A row is one counter: an account, an address or a trusted
-- device, named by an HMAC of what it counts (fixed length; never the typed username).
-- `failures` counts the attempts charged in the window that began at `window_at` (an
-- attempt is charged before its password is checked, so concurrent attempts cannot pass
-- the limit; a success refunds it); `delay_ms` is the current delay between attempts and
-- `next_at` when the next attempt may be checked.
DROP TABLE login_failures;
CREATE TABLE login_throttle (
    key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    delay_ms BIGINT NOT NULL,
    window_at BIGINT NOT NULL,
    next_at BIGINT NOT NULL
);
CREATE INDEX login_throttle_window ON login_throttle (window_at);
