-- Accounts (issue 11, point 7). Same portable conventions as 0001.

-- An admin's forced reset: the next sign-in must choose a new password first.
ALTER TABLE users ADD COLUMN must_change_password BIGINT NOT NULL DEFAULT 0;

-- The idle timeout beside the absolute one, and what the session list shows of a session:
-- when it was last used and a short description of the browser ("Firefox on Windows"),
-- never the full User-Agent.
ALTER TABLE sessions ADD COLUMN last_seen_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN device TEXT NOT NULL DEFAULT '';
UPDATE sessions SET last_seen_at = created_at;
CREATE INDEX sessions_expiry ON sessions (expires_at);
CREATE INDEX sessions_last_seen ON sessions (last_seen_at);
