-- The version of the core's rule that the mastery projection was computed with
-- (`ownpace_core::progress::RULE_VERSION`). A server that starts with a different rule
-- rebuilds the projection from the events and records the new version in the same
-- transaction. No row means the projection predates versions (rule 1).
CREATE TABLE projection_rules (
    name TEXT PRIMARY KEY,
    version BIGINT NOT NULL
);
