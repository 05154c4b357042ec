-- Assignments and calendar feeds (issue 9, points 4 and 6). Same portable conventions as
-- 0001: TEXT ids, BIGINT UTC milliseconds, 0/1 flags.

-- An assignment's current state: a skill, lesson or project of the class's course,
-- assigned to the whole class (`whole_class` = 1: its current students) or to the
-- students listed in `assignment_students`, from `starts_at` to `due_at`. Every change is
-- also appended to `assignment_history`, which is the record; this row is its projection.
CREATE TABLE assignments (
    id TEXT PRIMARY KEY,
    class_id TEXT NOT NULL REFERENCES classes (id),
    course_id TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id TEXT NOT NULL,
    whole_class BIGINT NOT NULL,
    starts_at BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    withdrawn_at BIGINT
);
CREATE INDEX assignments_class ON assignments (class_id, due_at);

-- The students of an assignment given to a group or to one student.
CREATE TABLE assignment_students (
    assignment_id TEXT NOT NULL REFERENCES assignments (id),
    student_id TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (assignment_id, student_id)
);
CREATE INDEX assignment_students_student ON assignment_students (student_id);

-- Append-only: created / changed / withdrawn (who, when, the dates then), and `done`
-- rows naming the student whose project the teacher marked done.
CREATE TABLE assignment_history (
    id TEXT PRIMARY KEY,
    assignment_id TEXT NOT NULL REFERENCES assignments (id),
    kind TEXT NOT NULL,
    changed_by TEXT NOT NULL REFERENCES users (id),
    changed_at BIGINT NOT NULL,
    starts_at BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    student_id TEXT REFERENCES users (id)
);
CREATE INDEX assignment_history_assignment ON assignment_history (assignment_id, changed_at);

-- A calendar feed's secret: only its SHA-256 is kept. `scope` is `own` (a student's
-- assignments and goals, or a guardian's children's) or `class:<id>` (a teacher's class).
-- One feed per owner and scope: a reset replaces the hash, so the old URL stops working.
CREATE TABLE calendar_feeds (
    owner_id TEXT NOT NULL REFERENCES users (id),
    scope TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (owner_id, scope)
);
