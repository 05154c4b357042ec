-- The teacher's pages read a student's events in one course at a time: the latest ones (the
-- record's history, "last active" on the dashboard, time this week) and one kind at a time
-- (the lessons finished, the latest placement, the answers behind a goal's forecast). These
-- indexes make each of those a seek into that student's events in that course, so the pages
-- stay fast with a year of history (issue 16; `cargo bench -p ownpace --bench pages`).
CREATE INDEX events_student_course_time ON events (student_id, course_id, occurred_at);
CREATE INDEX events_student_kind ON events (student_id, course_id, kind, occurred_at);
