-- Projects together (issue 10, point 5 per group): a teacher assesses a whole group once,
-- which records an assessment for every member; an assessment names the group it was
-- made for (NULL: made before this migration, or outside any group), so members read
-- the teacher's levels and feedback in their group's space and the API's
-- `/api/v1/me/projects`. A later adjustment of one member on the per-student page names
-- the same group and is newer, so it is what that member reads.
ALTER TABLE project_assessments ADD COLUMN group_id TEXT REFERENCES project_groups (id);
CREATE INDEX project_assessments_group ON project_assessments (group_id, assessed_at);
