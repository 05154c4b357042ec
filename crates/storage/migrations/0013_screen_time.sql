-- Screen-time budgets and printable practice sheets (issue 12, points 1-3). Same
-- portable conventions as 0001. Screen time itself is not stored: it is computed from
-- `events` (ownpace_core::screen_time).

-- A class's budget, set by one of its teachers: minutes a day and a week (NULL: none).
CREATE TABLE class_screen_budgets (
    class_id TEXT PRIMARY KEY REFERENCES classes (id),
    daily_minutes BIGINT,
    weekly_minutes BIGINT,
    set_by TEXT NOT NULL REFERENCES users (id),
    set_at BIGINT NOT NULL
);

-- A guardian's own (lower) budget for their child; the lowest that applies wins.
CREATE TABLE guardian_screen_budgets (
    student_id TEXT NOT NULL REFERENCES users (id),
    guardian_id TEXT NOT NULL REFERENCES users (id),
    daily_minutes BIGINT,
    weekly_minutes BIGINT,
    set_at BIGINT NOT NULL,
    PRIMARY KEY (student_id, guardian_id)
);

-- A teacher's exemption of one student from a class's budget, with the reason.
CREATE TABLE screen_time_exemptions (
    student_id TEXT NOT NULL REFERENCES users (id),
    class_id TEXT NOT NULL REFERENCES classes (id),
    note TEXT NOT NULL,
    set_by TEXT NOT NULL REFERENCES users (id),
    set_at BIGINT NOT NULL,
    PRIMARY KEY (student_id, class_id)
);

-- A printable practice sheet made for a student, and its items in printed order. The
-- results entered afterwards are events (`sheet-result`, `sheet-answer`) naming the
-- sheet and the position.
CREATE TABLE practice_sheets (
    id TEXT PRIMARY KEY,
    student_id TEXT NOT NULL REFERENCES users (id),
    course_id TEXT NOT NULL,
    course_version BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX practice_sheets_student ON practice_sheets (student_id, created_at);

-- `student_id` repeats the sheet's, so erasing a student finds every row by one column.
CREATE TABLE practice_sheet_items (
    sheet_id TEXT NOT NULL REFERENCES practice_sheets (id),
    student_id TEXT NOT NULL REFERENCES users (id),
    position BIGINT NOT NULL,
    item_id TEXT NOT NULL,
    skills TEXT NOT NULL,
    PRIMARY KEY (sheet_id, position)
);
