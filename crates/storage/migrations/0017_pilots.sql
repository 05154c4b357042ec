-- Pilot studies in the product (issue 12, points 5-7). Same portable conventions as 0001:
-- TEXT ids, BIGINT milliseconds and 0/1 flags, DOUBLE PRECISION reals.

-- A pilot: its plan (frozen once it starts; later changes are `pilot_amendments`), and,
-- once started, the seed and algorithm its randomisation was drawn with. `conditions` is
-- the plan's list of conditions with their settings as JSON; `classes` the JSON list of
-- the classes taking part (`class_id`, the class it was defined on, among them).
CREATE TABLE pilots (
    id TEXT PRIMARY KEY,
    class_id TEXT NOT NULL REFERENCES classes (id),
    course_id TEXT NOT NULL,
    question TEXT NOT NULL,
    conditions TEXT NOT NULL,
    classes TEXT NOT NULL,
    unit TEXT NOT NULL,
    outcome TEXT NOT NULL,
    duration_days BIGINT NOT NULL,
    min_effect DOUBLE PRECISION NOT NULL,
    pre_test_r2 DOUBLE PRECISION NOT NULL,
    blinded BIGINT NOT NULL,
    mastery_bands BIGINT NOT NULL,
    status TEXT NOT NULL,
    seed BIGINT,
    algorithm TEXT,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    started_at BIGINT,
    finished_at BIGINT
);
CREATE INDEX pilots_class ON pilots (class_id, created_at);

-- A student's place in a started pilot: the condition and stratum the randomisation gave
-- them, the pre-test (share of the course's skills mastered at the start), the outcome
-- (entered, or computed from the events when the pilot finishes) and a guardian's opt-out.
CREATE TABLE pilot_members (
    pilot_id TEXT NOT NULL REFERENCES pilots (id),
    student_id TEXT NOT NULL REFERENCES users (id),
    class_id TEXT NOT NULL,
    condition_index BIGINT NOT NULL,
    stratum TEXT NOT NULL,
    pre_test DOUBLE PRECISION NOT NULL,
    outcome DOUBLE PRECISION,
    opted_out_at BIGINT,
    opted_out_by TEXT REFERENCES users (id),
    PRIMARY KEY (pilot_id, student_id)
);
CREATE INDEX pilot_members_student ON pilot_members (student_id);

-- A change to a started pilot's plan, with its reason: the plan's history.
CREATE TABLE pilot_amendments (
    id TEXT PRIMARY KEY,
    pilot_id TEXT NOT NULL REFERENCES pilots (id),
    field TEXT NOT NULL,
    before_value TEXT NOT NULL,
    after_value TEXT NOT NULL,
    reason TEXT NOT NULL,
    amended_by TEXT NOT NULL REFERENCES users (id),
    amended_at BIGINT NOT NULL
);
CREATE INDEX pilot_amendments_pilot ON pilot_amendments (pilot_id, amended_at);
