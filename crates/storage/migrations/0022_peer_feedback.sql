-- Peer feedback on the rubric (issue 10, point 4): who reviews which group's submission,
-- the reviews (a level per criterion and three prompts), a teacher's release of a group's
-- feedback, the authors' helpful ratings, and each student's self-assessment. None of it
-- moves mastery (rows, not events). Same portable conventions as 0001: TEXT ids (UUIDv7),
-- BIGINT milliseconds, 0/1 flags.

-- Peer review started on a round, with the number of reviews each student gives (1 or 2).
-- Starting again (for groups that submitted late) updates the row.
CREATE TABLE peer_review_settings (
    round_id TEXT PRIMARY KEY REFERENCES project_rounds (id),
    reviews_per_student BIGINT NOT NULL,
    started_by TEXT NOT NULL REFERENCES users (id),
    started_at BIGINT NOT NULL
);

-- A review assignment and, once `submitted_at` is set, the review itself (final): the
-- points per criterion (rubric order, space-separated) and the three prompts. A teacher
-- may hide the written comments from the authors (`hidden_at`); the text stays for the
-- teacher. Authors never see `reviewer_id`.
CREATE TABLE peer_reviews (
    id TEXT PRIMARY KEY,
    round_id TEXT NOT NULL REFERENCES project_rounds (id),
    group_id TEXT NOT NULL REFERENCES project_groups (id),
    reviewer_id TEXT NOT NULL REFERENCES users (id),
    assigned_at BIGINT NOT NULL,
    submitted_at BIGINT,
    levels TEXT,
    works TEXT,
    improve TEXT,
    question TEXT,
    hidden_at BIGINT,
    hidden_by TEXT REFERENCES users (id)
);
CREATE UNIQUE INDEX peer_reviews_group_reviewer ON peer_reviews (group_id, reviewer_id);
CREATE INDEX peer_reviews_reviewer ON peer_reviews (reviewer_id);
CREATE INDEX peer_reviews_round ON peer_reviews (round_id);

-- A teacher released a group's peer feedback before two reviews were in.
CREATE TABLE peer_feedback_releases (
    group_id TEXT PRIMARY KEY REFERENCES project_groups (id),
    released_by TEXT NOT NULL REFERENCES users (id),
    released_at BIGINT NOT NULL
);

-- An author's rating of a piece of feedback: helpful (1) or not (0); one per member and
-- review, changeable.
CREATE TABLE peer_review_ratings (
    review_id TEXT NOT NULL REFERENCES peer_reviews (id),
    rater_id TEXT NOT NULL REFERENCES users (id),
    helpful BIGINT NOT NULL,
    rated_at BIGINT NOT NULL,
    PRIMARY KEY (review_id, rater_id)
);
CREATE INDEX peer_review_ratings_rater ON peer_review_ratings (rater_id);

-- A student's assessment of their own work in a group on the project's rubric: points per
-- criterion and an optional note. One per student and group, replaced when saved again.
CREATE TABLE self_assessments (
    id TEXT PRIMARY KEY,
    group_id TEXT NOT NULL REFERENCES project_groups (id),
    class_id TEXT NOT NULL REFERENCES classes (id),
    project_id TEXT NOT NULL,
    student_id TEXT NOT NULL REFERENCES users (id),
    levels TEXT NOT NULL,
    note TEXT NOT NULL,
    assessed_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX self_assessments_student_group ON self_assessments (student_id, group_id);
