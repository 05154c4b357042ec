-- Ownpace schema. Portable SQL: the same file runs on SQLite and PostgreSQL.
-- Conventions: ids are TEXT (UUIDv7, so they sort by creation time); times are BIGINT
-- milliseconds since the Unix epoch (UTC); flags are BIGINT 0/1; reals DOUBLE PRECISION.

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'teacher', 'student', 'guardian')),
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    disabled BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE courses (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    current_version BIGINT NOT NULL
);

-- Each import of a changed course adds a version; the validated course is kept as JSON.
CREATE TABLE course_versions (
    course_id TEXT NOT NULL REFERENCES courses (id),
    version BIGINT NOT NULL,
    content_hash TEXT NOT NULL,
    content TEXT NOT NULL,
    imported_at BIGINT NOT NULL,
    PRIMARY KEY (course_id, version)
);

CREATE TABLE course_assets (
    course_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    path TEXT NOT NULL,
    media_type TEXT NOT NULL,
    content_base64 TEXT NOT NULL,
    PRIMARY KEY (course_id, version, path),
    FOREIGN KEY (course_id, version) REFERENCES course_versions (course_id, version)
);

CREATE TABLE classes (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    course_id TEXT NOT NULL REFERENCES courses (id),
    created_at BIGINT NOT NULL
);

CREATE TABLE class_teachers (
    class_id TEXT NOT NULL REFERENCES classes (id),
    teacher_id TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (class_id, teacher_id)
);

CREATE TABLE enrollments (
    class_id TEXT NOT NULL REFERENCES classes (id),
    student_id TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (class_id, student_id)
);
CREATE INDEX enrollments_student ON enrollments (student_id);

CREATE TABLE guardianships (
    guardian_id TEXT NOT NULL REFERENCES users (id),
    student_id TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (guardian_id, student_id)
);

-- The append-only log of learner interactions. Never updated; mastery is a projection.
CREATE TABLE events (
    id TEXT PRIMARY KEY,
    student_id TEXT NOT NULL REFERENCES users (id),
    course_id TEXT NOT NULL,
    course_version BIGINT NOT NULL,
    kind TEXT NOT NULL,
    -- Space-separated skill ids the event concerns (as tagged when it happened).
    skills TEXT NOT NULL,
    item_id TEXT,
    response TEXT,
    correct BIGINT,
    occurred_at BIGINT NOT NULL,
    duration_ms BIGINT,
    idempotency_key TEXT NOT NULL,
    data TEXT,
    UNIQUE (student_id, idempotency_key)
);
CREATE INDEX events_student_time ON events (student_id, occurred_at);

-- Projection of the events: per student, course and skill.
CREATE TABLE mastery (
    student_id TEXT NOT NULL REFERENCES users (id),
    course_id TEXT NOT NULL,
    skill_id TEXT NOT NULL,
    p_mastery DOUBLE PRECISION NOT NULL,
    attempts BIGINT NOT NULL,
    correct BIGINT NOT NULL,
    consecutive_wrong BIGINT NOT NULL,
    mastered_at BIGINT,
    last_at BIGINT NOT NULL,
    PRIMARY KEY (student_id, course_id, skill_id)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE login_failures (
    username TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX login_failures_username ON login_failures (username, at);

-- Every read of a student's record by another person (SPEC C13).
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor_id TEXT NOT NULL,
    action TEXT NOT NULL,
    student_id TEXT
);
CREATE INDEX audit_log_student ON audit_log (student_id, at);

-- Fitted learner-model parameters, newest version wins (`ownpace fit`).
CREATE TABLE model_params (
    version BIGINT PRIMARY KEY,
    model TEXT NOT NULL,
    params TEXT NOT NULL,
    fitted_at BIGINT NOT NULL,
    events_used BIGINT NOT NULL
);
