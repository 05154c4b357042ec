-- A goal once achieved stays achieved (issue 15): when every skill it needs first counts as
-- known, the web records the time here, and the forecast reads "done on 12 March" from then
-- on, even after a skill is due for review or missed in one. NULL while never achieved.
ALTER TABLE goals ADD COLUMN achieved_at BIGINT;
