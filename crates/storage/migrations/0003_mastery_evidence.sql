-- Mastery needs a record of correct answers besides the probability (core rule version 2,
-- `ownpace_core::progress::MASTERY_STREAK`): the projection keeps the current run of
-- correct answers. Rows written under the old rule read 0 until the projection is rebuilt
-- from the events (`ownpace rebuild`).
ALTER TABLE mastery ADD COLUMN consecutive_correct BIGINT NOT NULL DEFAULT 0;
