-- Check-ins (issue 9, point 2): a class's rhythm, the student's prepared answers, and the
-- check-ins held (the teacher's notes, which the guardian may see when marked shared, and
-- the agreed actions, each of which can become a goal, a pin or an assignment). Check-ins
-- do not count toward grades, so they are rows, not events. Same portable conventions as
-- 0001: TEXT ids, BIGINT ms, 0/1 flags.

-- How often a class's students meet their teacher, in days (7 weekly, 14 fortnightly, …).
CREATE TABLE checkin_rhythms (
    class_id TEXT PRIMARY KEY REFERENCES classes (id),
    every_days BIGINT NOT NULL,
    set_by TEXT NOT NULL REFERENCES users (id),
    set_at BIGINT NOT NULL
);

-- The student's answers to the three prompts before their next check-in in a class; moved
-- into the check-in when it is held.
CREATE TABLE checkin_preps (
    student_id TEXT NOT NULL REFERENCES users (id),
    class_id TEXT NOT NULL REFERENCES classes (id),
    went_well TEXT NOT NULL,
    was_hard TEXT NOT NULL,
    next_step TEXT NOT NULL,
    saved_at BIGINT NOT NULL,
    PRIMARY KEY (student_id, class_id)
);

-- A check-in held: history, kept per student.
CREATE TABLE checkins (
    id TEXT PRIMARY KEY,
    student_id TEXT NOT NULL REFERENCES users (id),
    class_id TEXT NOT NULL REFERENCES classes (id),
    teacher_id TEXT NOT NULL REFERENCES users (id),
    held_at BIGINT NOT NULL,
    went_well TEXT NOT NULL,
    was_hard TEXT NOT NULL,
    next_step TEXT NOT NULL
);
CREATE INDEX checkins_student ON checkins (student_id, held_at);
CREATE INDEX checkins_class ON checkins (class_id, held_at);

-- The teacher's notes of a check-in; `shared` = 1: the guardian may see it.
-- `student_id` repeats the check-in's, so erasing a student finds every row by one column.
CREATE TABLE checkin_notes (
    id TEXT PRIMARY KEY,
    checkin_id TEXT NOT NULL REFERENCES checkins (id),
    student_id TEXT NOT NULL REFERENCES users (id),
    position BIGINT NOT NULL,
    text TEXT NOT NULL,
    shared BIGINT NOT NULL
);
CREATE INDEX checkin_notes_checkin ON checkin_notes (checkin_id, position);

-- The actions agreed at a check-in: `kind` is `goal`, `pin` or `assignment`; the skill and
-- the date it needs; once made, when and the id of what it became (a goal, an override).
CREATE TABLE checkin_actions (
    id TEXT PRIMARY KEY,
    checkin_id TEXT NOT NULL REFERENCES checkins (id),
    student_id TEXT NOT NULL REFERENCES users (id),
    position BIGINT NOT NULL,
    text TEXT NOT NULL,
    kind TEXT NOT NULL,
    skill_id TEXT,
    due_at BIGINT,
    made_at BIGINT,
    made_id TEXT
);
CREATE INDEX checkin_actions_checkin ON checkin_actions (checkin_id, position);
