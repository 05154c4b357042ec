-- Projects together (issue 10, points 1-3): project rounds, students' rankings, groups
-- (proposed, then published), their members (dated: a member leaves by closing the row,
-- like an enrolment), pairs a teacher keeps apart, and the group space: milestones, a log
-- of posts, uploaded files and the final submission. Rows, not events: what counts toward
-- mastery (the teacher's assessment) is recorded as events by part B. Same portable
-- conventions as 0001: TEXT ids (UUIDv7), BIGINT milliseconds, 0/1 flags; file content is
-- base64 text like `course_assets`, so one SQL text serves SQLite and PostgreSQL.

-- A round: a teacher offers some of the course's projects to a class. Students rank them
-- until `closes_at`; work is due at `due_at`. `status` is `ranking` (open to rank),
-- `proposed` (groups proposed, not yet shown to students), `published` (groups shown and
-- working) or `finished`. `seed` makes the proposal reproducible.
CREATE TABLE project_rounds (
    id TEXT PRIMARY KEY,
    class_id TEXT NOT NULL REFERENCES classes (id),
    course_id TEXT NOT NULL,
    title TEXT NOT NULL,
    opened_by TEXT NOT NULL REFERENCES users (id),
    opens_at BIGINT NOT NULL,
    closes_at BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    status TEXT NOT NULL,
    seed BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    published_at BIGINT,
    finished_at BIGINT
);
CREATE INDEX project_rounds_class ON project_rounds (class_id, created_at);

-- The projects a round offers, in the teacher's order, with the group size for this round
-- (the project's own `group_min`/`group_max` unless the teacher overrode them).
CREATE TABLE round_projects (
    round_id TEXT NOT NULL REFERENCES project_rounds (id),
    project_id TEXT NOT NULL,
    position BIGINT NOT NULL,
    group_min BIGINT NOT NULL,
    group_max BIGINT NOT NULL,
    PRIMARY KEY (round_id, project_id)
);

-- A student's ranking of a round's projects: rank 1 is their first choice. A new ranking
-- replaces the student's rows for the round.
CREATE TABLE round_rankings (
    round_id TEXT NOT NULL REFERENCES project_rounds (id),
    student_id TEXT NOT NULL REFERENCES users (id),
    project_id TEXT NOT NULL,
    rank BIGINT NOT NULL,
    ranked_at BIGINT NOT NULL,
    PRIMARY KEY (round_id, student_id, project_id)
);
CREATE INDEX round_rankings_student ON round_rankings (student_id, round_id);

-- A group working on one project in a round. `published_at` NULL: still a proposal only
-- the teacher sees. The final submission: its text and link, when and by which member;
-- after it the group's work is read-only.
CREATE TABLE project_groups (
    id TEXT PRIMARY KEY,
    round_id TEXT NOT NULL REFERENCES project_rounds (id),
    project_id TEXT NOT NULL,
    name TEXT NOT NULL,
    position BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    published_at BIGINT,
    submitted_at BIGINT,
    submission_text TEXT,
    submission_link TEXT,
    submitted_by TEXT REFERENCES users (id)
);
CREATE INDEX project_groups_round ON project_groups (round_id, position);

-- Who is in a group: dated like enrolments. A member who leaves (or is moved) has their
-- row closed (`left_at`, `left_by`); a move opens a row in the other group. `reason` is
-- the proposal's reason for the placement, in words ("first choice; mixes levels …"), or
-- the teacher's "moved by hand".
CREATE TABLE group_members (
    id TEXT PRIMARY KEY,
    group_id TEXT NOT NULL REFERENCES project_groups (id),
    student_id TEXT NOT NULL REFERENCES users (id),
    joined_at BIGINT NOT NULL,
    left_at BIGINT,
    left_by TEXT REFERENCES users (id),
    reason TEXT NOT NULL
);
CREATE INDEX group_members_group ON group_members (group_id, left_at);
CREATE INDEX group_members_student ON group_members (student_id, left_at);

-- Pairs of students a teacher keeps apart in a class's groups (`student_a` < `student_b`).
CREATE TABLE keep_apart (
    class_id TEXT NOT NULL REFERENCES classes (id),
    student_a TEXT NOT NULL REFERENCES users (id),
    student_b TEXT NOT NULL REFERENCES users (id),
    set_by TEXT NOT NULL REFERENCES users (id),
    set_at BIGINT NOT NULL,
    PRIMARY KEY (class_id, student_a, student_b)
);

-- A group's milestones with dates, set by the teacher or added by a member.
CREATE TABLE group_milestones (
    id TEXT PRIMARY KEY,
    group_id TEXT NOT NULL REFERENCES project_groups (id),
    title TEXT NOT NULL,
    due_at BIGINT NOT NULL,
    added_by TEXT NOT NULL REFERENCES users (id),
    added_at BIGINT NOT NULL,
    done_at BIGINT
);
CREATE INDEX group_milestones_group ON group_milestones (group_id, due_at);

-- The group's shared log: posts with text and an optional link.
CREATE TABLE group_posts (
    id TEXT PRIMARY KEY,
    group_id TEXT NOT NULL REFERENCES project_groups (id),
    author_id TEXT NOT NULL REFERENCES users (id),
    text TEXT NOT NULL,
    link TEXT,
    posted_at BIGINT NOT NULL
);
CREATE INDEX group_posts_group ON group_posts (group_id, posted_at);

-- Files uploaded to a group: the type checked on content, images with their metadata
-- stripped, a display name cleaned of paths and control characters, stored here (never
-- under a client's path). `in_submission` = 1: part of the final submission.
CREATE TABLE group_files (
    id TEXT PRIMARY KEY,
    group_id TEXT NOT NULL REFERENCES project_groups (id),
    uploaded_by TEXT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    content_base64 TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL,
    in_submission BIGINT NOT NULL
);
CREATE INDEX group_files_group ON group_files (group_id, uploaded_at);
CREATE INDEX group_files_uploader ON group_files (uploaded_by);
