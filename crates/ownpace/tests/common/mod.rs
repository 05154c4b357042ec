//! The browser tests' name for the shared test support, which lives with the integration
//! test binary in `tests/integration/support.rs` (see ARCHITECTURE.md, "Tests").

#[path = "../integration/support.rs"]
mod support;

#[allow(unused_imports)]
pub use support::*;
