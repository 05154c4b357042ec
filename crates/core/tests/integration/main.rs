//! The core's integration tests, in one test binary (see ARCHITECTURE.md, "Tests"): each
//! module is one former test file; `support` holds what they share (course folders on
//! disk, the demo course, a builder for small courses).

mod support;

mod accuracy;
mod course_import;
mod demo_course;
mod fuzz_parsers;
mod goals_forecast;
mod learner_api;
mod mastery_rule;
mod recommend_rules;
mod simulate_fit;
mod skillmap_demo;
mod skillmap_svg;
