-- Admin tools for a real roster (issue 16). Same portable conventions as 0001.

-- Enrolments carry when a student joined and left a class (shared/CONTRACTS.md): removing a
-- student closes the open enrolment (`left_at`), it never deletes it, so history stays
-- attached and retention can count from `left_at`. A student who comes back gets a new row;
-- at most one enrolment of a student in a class is open at a time. Rows that existed before
-- this migration count as joined when their class was created.
CREATE TABLE enrollments_v2 (
    class_id TEXT NOT NULL REFERENCES classes (id),
    student_id TEXT NOT NULL REFERENCES users (id),
    joined_at BIGINT NOT NULL,
    left_at BIGINT,
    PRIMARY KEY (class_id, student_id, joined_at)
);
INSERT INTO enrollments_v2 (class_id, student_id, joined_at, left_at)
    SELECT e.class_id, e.student_id, c.created_at, NULL
    FROM enrollments e JOIN classes c ON c.id = e.class_id;
DROP TABLE enrollments;
ALTER TABLE enrollments_v2 RENAME TO enrollments;
CREATE INDEX enrollments_student ON enrollments (student_id);
CREATE UNIQUE INDEX enrollments_open ON enrollments (class_id, student_id) WHERE left_at IS NULL;

-- The school's own identifiers (OneRoster `sourcedId`) of accounts and classes, so a CSV
-- export of its information system can be imported again and a later full OneRoster import
-- can match what exists. NULL when the record was made in Ownpace.
ALTER TABLE users ADD COLUMN sourced_id TEXT;
CREATE UNIQUE INDEX users_sourced_id ON users (sourced_id);
ALTER TABLE classes ADD COLUMN sourced_id TEXT;
CREATE UNIQUE INDEX classes_sourced_id ON classes (sourced_id);

-- One-time set-up codes an admin hands out, so passwords never travel: only the SHA-256 of
-- the code is stored; using it sets the account's password and deletes it.
CREATE TABLE setup_codes (
    code_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX setup_codes_user ON setup_codes (user_id);

-- What the page after a form says (Post/Redirect/Get): one message per session and page,
-- written by the form's handler and deleted by the page that shows it.
CREATE TABLE flash_messages (
    session_hash TEXT NOT NULL,
    path TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (session_hash, path)
);

-- CSV roster files an admin uploaded and has not yet confirmed (the preview step). Deleted
-- when applied, and a day after upload at the latest.
CREATE TABLE roster_imports (
    id TEXT PRIMARY KEY,
    admin_id TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    users_csv TEXT NOT NULL,
    enrollments_csv TEXT NOT NULL
);
