-- Export, erasure and retention (issue 11, points 2-4). Same portable conventions as 0001.

-- A student's or guardian's request that the school erase the student's record. Shown to
-- admins as pending until an admin erases the student (the rows go with the student).
CREATE TABLE erasure_requests (
    id TEXT PRIMARY KEY,
    student_id TEXT NOT NULL REFERENCES users (id),
    requested_by TEXT NOT NULL,
    requested_at BIGINT NOT NULL
);
CREATE INDEX erasure_requests_student ON erasure_requests (student_id);

-- One row per erasure. It names only the random pseudonym the student's statistics were
-- moved to, never the username or name. `subject_hash` is an HMAC of the erased user id
-- with the install's `erasure` secret (server_secrets): enough to find the same student
-- again in a backup restored from before the erasure (`ownpace reapply-erasures`),
-- useless without the secret. `reason` is what the admin wrote, with the student's
-- username and name removed; `via` says how (admin page, command line, retention, reapplied).
CREATE TABLE erasure_log (
    id TEXT PRIMARY KEY,
    pseudonym TEXT NOT NULL UNIQUE,
    subject_hash TEXT NOT NULL,
    erased_at BIGINT NOT NULL,
    erased_by TEXT,
    via TEXT NOT NULL,
    reason TEXT NOT NULL
);

-- Leases of background jobs run once across several servers (the daily retention run):
-- a server takes a lease with one conditional statement, and only when the previous one
-- expired.
CREATE TABLE job_leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
