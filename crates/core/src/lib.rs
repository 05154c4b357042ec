//! Ownpace's pure core.
//!
//! Everything here is deterministic computation over plain values: no files, no network,
//! no database, no clock. Courses arrive as in-memory source files and leave as validated
//! [`course::Course`] values; learner models take answers and return probabilities. The
//! storage, web and binary crates depend on this crate; it depends on nothing of ours.
//! (The dataset readers in [`learner::datasets`] parse text they are handed.)

pub mod assignments;
pub mod balance;
pub mod checkins;
pub mod consent;
pub mod course;
pub mod events;
pub mod goals;
pub mod grades;
pub mod grouping;
pub mod ids;
pub mod learner;
pub mod letters;
pub mod needs;
pub mod peer_review;
pub mod pilot;
pub mod placement;
pub mod practice;
pub mod progress;
pub mod recommend;
pub mod review;
pub mod roster;
pub mod screen_time;
pub mod sheet;
pub mod simulate;
pub mod skillmap;
pub mod standing;
pub mod uploads;
