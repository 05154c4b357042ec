-- The adaptive path: review memory, goals, teacher overrides, interests, placement cap.
-- Same portable conventions as 0001.

-- FSRS memory state of a skill, part of the mastery projection (NULL until first mastered).
ALTER TABLE mastery ADD COLUMN stability DOUBLE PRECISION;
ALTER TABLE mastery ADD COLUMN difficulty DOUBLE PRECISION;
ALTER TABLE mastery ADD COLUMN last_review_at BIGINT;

-- Questions the placement check may ask in this class (teacher's cap).
ALTER TABLE classes ADD COLUMN placement_questions BIGINT NOT NULL DEFAULT 12;

-- A student's goal: a set of skills (or a project's skills) by a date.
CREATE TABLE goals (
    id TEXT PRIMARY KEY,
    student_id TEXT NOT NULL REFERENCES users (id),
    course_id TEXT NOT NULL,
    title TEXT NOT NULL,
    skills TEXT NOT NULL,
    project_id TEXT,
    target_at BIGINT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    closed_at BIGINT
);
CREATE INDEX goals_student ON goals (student_id, course_id);

-- A teacher pins an activity first, or hides it, for one student or a whole class.
CREATE TABLE activity_overrides (
    id TEXT PRIMARY KEY,
    course_id TEXT NOT NULL,
    class_id TEXT REFERENCES classes (id),
    student_id TEXT REFERENCES users (id),
    activity TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('pin', 'hide')),
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX activity_overrides_course ON activity_overrides (course_id);

-- What a student says they like, matched against project interest tags.
CREATE TABLE student_interests (
    student_id TEXT NOT NULL REFERENCES users (id),
    tag TEXT NOT NULL,
    PRIMARY KEY (student_id, tag)
);
