-- Consent and the staff audit trail (issue 11, points 5 and 6). Same portable
-- conventions as 0001: TEXT ids, BIGINT milliseconds, no engine-specific types.

-- A student's birth year (only the year: the age is needed to within a year), set by an
-- admin, `ownpace users add --birth-year` or a roster's birthDate. NULL: unknown.
ALTER TABLE users ADD COLUMN birth_year BIGINT;

-- A guardian's consent, one row per scope ('use': using Ownpace; 'outside': features
-- that send data outside the server). `notice_version` names the privacy notice the
-- guardian was shown (a hash of its text). A consent is never updated except to close
-- it: `withdrawn_at` and `withdrawn_by` say when and by whom it was withdrawn (or
-- replaced by a newer one), so the history stays.
CREATE TABLE consents (
    id TEXT PRIMARY KEY,
    student_id TEXT NOT NULL,
    guardian_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    notice_version TEXT NOT NULL,
    given_at BIGINT NOT NULL,
    withdrawn_at BIGINT,
    withdrawn_by TEXT
);
CREATE INDEX consents_student ON consents (student_id, withdrawn_at);

-- What a change to a student's record was about, in words (a skill's title, a class's
-- name, a goal's title, a year): the access log's "pinned 'Adding fractions'".
ALTER TABLE audit_log ADD COLUMN detail TEXT;

-- The staff audit trail admins read at /admin/audit: sign-ins, failed sign-ins, denied
-- attempts, role changes, guardian links, exports, erasures. `actor_id` is who did it
-- (NULL for an anonymous caller), `subject_id` the account it is about. Rows that an
-- anonymous caller can cause are counted, not multiplied: `bucket` names a kind, account,
-- address and time window, and a repeat adds to `count` and moves `last_at`.
CREATE TABLE staff_audit (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    last_at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    actor_id TEXT,
    subject_id TEXT,
    detail TEXT NOT NULL,
    address TEXT NOT NULL,
    count BIGINT NOT NULL,
    bucket TEXT UNIQUE
);
CREATE INDEX staff_audit_at ON staff_audit (at);
CREATE INDEX staff_audit_kind ON staff_audit (kind, at);
