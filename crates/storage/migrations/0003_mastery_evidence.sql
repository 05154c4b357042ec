-- Mastery needs a record of correct answers besides the probability (core rule version 2,
-- `ownpace_core::progress::MASTERY_STREAK`): the projection keeps the current run of
-- correct answers. The projection should be rebuilt from the events under the new rule
-- (`ownpace rebuild`); until then a row mastered under the old rule keeps counting as
-- mastered (its run is set to the required 3), so the invariant "mastered_at is set only
-- on a mastered skill" holds for every row.
ALTER TABLE mastery ADD COLUMN consecutive_correct BIGINT NOT NULL DEFAULT 0;
UPDATE mastery SET consecutive_correct = 3 WHERE mastered_at IS NOT NULL;
