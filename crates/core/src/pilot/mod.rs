//! Pilot studies: the statistics a school needs to run a fair comparison of two ways of
//! teaching and read its result with its uncertainty (issue 12, SPEC C14).
//!
//! Everything here is pure and deterministic by seed; the web pages, the stored plan and
//! the budgets call into it.
//!
//! * [`stats`]: Hedges' g (textbook and What Works Clearinghouse form), the ANCOVA-adjusted
//!   effect for student randomisation and a cluster-level analysis for class randomisation,
//!   each with a t-based 95% interval;
//! * [`design`]: power and the minimum detectable effect (PowerUp! formulas, assumptions
//!   stated), and stratified, replayable randomisation;
//! * [`report`]: a whole pilot's report — attrition per condition, each condition against
//!   the control, and the plain-word reading by WWC conventions — or the reason it is too
//!   small to report;
//! * [`calibrate`]: simulated pilots with a planted effect and with none, checking that
//!   the intervals hold what they claim (`ownpace pilot calibrate`).
//!
//! * [`post_test`]: the items a pilot holds out of practice for its post-test, and the
//!   post-test's outcome from the answers.
//!
//! The method, its assumptions and its limits are written up in `docs/evidence.md`.

pub mod calibrate;
pub mod design;
pub mod plots;
pub mod post_test;
pub mod report;
pub mod retention;
pub mod stats;

use thiserror::Error;

/// Why a pilot computation cannot give an answer. Each message says what is wrong and
/// what would fix it.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum PilotError {
    /// An input is outside the range the computation accepts.
    #[error("{what} is {value}, but it must be {expected}")]
    OutOfRange {
        what: &'static str,
        value: String,
        expected: &'static str,
    },
    /// Too little data for the requested estimate; the message says what is missing.
    #[error("too few data: {0}")]
    TooFew(String),
    /// The data cannot give an estimate (e.g. every outcome is the same).
    #[error("cannot estimate: {0}")]
    Degenerate(String),
    /// A randomisation input is malformed (duplicate id, empty name, too long, …).
    #[error("invalid randomisation input: {0}")]
    Invalid(String),
}

pub(crate) fn out_of_range(
    what: &'static str,
    value: impl std::fmt::Display,
    expected: &'static str,
) -> PilotError {
    PilotError::OutOfRange {
        what,
        value: value.to_string(),
        expected,
    }
}
