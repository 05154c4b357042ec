-- The teacher's pages read one kind of a student's events at a time (the lessons finished,
-- the latest placement, the answers behind a goal's forecast): this index makes each of those
-- a seek into that student's events of that kind, so the pages stay fast with a year of
-- history (issue 16; `cargo bench -p ownpace --bench pages`).
CREATE INDEX events_student_kind ON events (student_id, course_id, kind, occurred_at);
