-- Learning together (issue 9): goals agreed with a teacher, and a student's raised hand.
--
-- A goal a student proposes waits for their teacher, who accepts it, adjusts it (a new
-- target date) or declines it, with a comment; a goal a teacher sets is agreed at once.
-- Goals from before this release: those the student set are proposals, the rest agreed.
ALTER TABLE goals ADD COLUMN agreement TEXT NOT NULL DEFAULT 'agreed';
ALTER TABLE goals ADD COLUMN reviewed_by TEXT REFERENCES users (id);
ALTER TABLE goals ADD COLUMN reviewed_at BIGINT;
ALTER TABLE goals ADD COLUMN review_comment TEXT;
UPDATE goals SET agreement = 'proposed' WHERE created_by = student_id;

-- A student asks for help on a skill or an item: at most one open hand per student (the
-- partial unique index holds it even when two requests race). The teacher answers with a
-- short reply or clears it.
CREATE TABLE help_requests (
    id TEXT PRIMARY KEY,
    student_id TEXT NOT NULL REFERENCES users (id),
    course_id TEXT NOT NULL,
    skill_id TEXT,
    item_id TEXT,
    raised_at BIGINT NOT NULL,
    closed_at BIGINT,
    closed_by TEXT REFERENCES users (id),
    reply TEXT
);
CREATE UNIQUE INDEX help_requests_one_open ON help_requests (student_id) WHERE closed_at IS NULL;
CREATE INDEX help_requests_student ON help_requests (student_id, raised_at);

-- In-app notices for students and guardians (a goal agreed or declined, a reply to a
-- raised hand), read or unread. `student_id` is whom the notice is about: the student
-- themself, or the child of the guardian who receives it.
CREATE TABLE notices (
    id TEXT PRIMARY KEY,
    recipient_id TEXT NOT NULL REFERENCES users (id),
    student_id TEXT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    link TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    read_at BIGINT
);
CREATE INDEX notices_recipient ON notices (recipient_id, created_at);
