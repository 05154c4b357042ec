-- Projects together, part B (issue 10, points 4-7): the solo/group balance setting and
-- time recorded with others, peer helpers and the pairs a teacher made. Teacher
-- assessments are `project-assessment` events (they move mastery, so `rebuild` replays
-- them); the row below keeps what the people read. Same portable conventions as 0001: TEXT ids, BIGINT ms, 0/1 flags.

-- A class's threshold for the solo/group balance: above this share of time alone at a
-- screen over two weeks, a student's next steps offer group work. No row: the default (80).
CREATE TABLE class_balance_settings (
    class_id TEXT PRIMARY KEY REFERENCES classes (id),
    alone_threshold_percent BIGINT NOT NULL,
    set_by TEXT NOT NULL REFERENCES users (id),
    set_at BIGINT NOT NULL
);

-- Time a student spent working with others away from Ownpace ("worked with others: N
-- minutes, what"), recorded by the student (`recorded_by_teacher` NULL) or a teacher.
CREATE TABLE together_time (
    id TEXT PRIMARY KEY,
    student_id TEXT NOT NULL REFERENCES users (id),
    class_id TEXT NOT NULL REFERENCES classes (id),
    minutes BIGINT NOT NULL,
    what TEXT NOT NULL,
    recorded_by_teacher TEXT REFERENCES users (id),
    occurred_at BIGINT NOT NULL
);
CREATE INDEX together_time_student ON together_time (student_id, occurred_at);

-- A student who offers to help classmates on a skill they mastered; `skill_id` '*' means
-- every skill they have mastered in the class's course.
CREATE TABLE peer_helpers (
    student_id TEXT NOT NULL REFERENCES users (id),
    class_id TEXT NOT NULL REFERENCES classes (id),
    skill_id TEXT NOT NULL,
    offered_at BIGINT NOT NULL,
    PRIMARY KEY (student_id, class_id, skill_id)
);

-- A teacher paired a helper with a classmate stuck on a skill (never automatic).
CREATE TABLE peer_help_pairs (
    id TEXT PRIMARY KEY,
    class_id TEXT NOT NULL REFERENCES classes (id),
    student_id TEXT NOT NULL REFERENCES users (id),
    helper_id TEXT NOT NULL REFERENCES users (id),
    skill_id TEXT NOT NULL,
    paired_by TEXT NOT NULL REFERENCES users (id),
    paired_at BIGINT NOT NULL
);
CREATE INDEX peer_help_pairs_class ON peer_help_pairs (class_id, paired_at);
CREATE INDEX peer_help_pairs_student ON peer_help_pairs (student_id);
CREATE INDEX peer_help_pairs_helper ON peer_help_pairs (helper_id);

-- A teacher's assessment of a student's project work: points per criterion (in the
-- rubric's order, space-separated) and written feedback. Each criterion that names skills
-- is also a `project-assessment` event (the evidence that moves mastery).
CREATE TABLE project_assessments (
    id TEXT PRIMARY KEY,
    class_id TEXT NOT NULL REFERENCES classes (id),
    project_id TEXT NOT NULL,
    student_id TEXT NOT NULL REFERENCES users (id),
    assessed_by TEXT NOT NULL REFERENCES users (id),
    levels TEXT NOT NULL,
    feedback TEXT NOT NULL,
    assessed_at BIGINT NOT NULL
);
CREATE INDEX project_assessments_student ON project_assessments (student_id, assessed_at);
