-- Pilot post-tests of held-out items (issue 12, point 5). Same portable conventions as
-- 0001: TEXT, BIGINT, DOUBLE PRECISION.

-- How many items per skill a pilot holds out for its post-test (0: none), and, once it
-- starts, the JSON list of the held-out item ids, drawn from the pilot's seed and frozen
-- with the plan. Its members never get those items in practice.
ALTER TABLE pilots ADD COLUMN post_test_per_skill BIGINT NOT NULL DEFAULT 0;
ALTER TABLE pilots ADD COLUMN held_out TEXT NOT NULL DEFAULT '[]';

-- A post-test score (0-100) a teacher entered for a member who took the test on paper:
-- it overrides the score computed from the member's post-test answers.
ALTER TABLE pilot_members ADD COLUMN paper_score DOUBLE PRECISION;
