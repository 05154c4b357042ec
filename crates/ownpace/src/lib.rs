//! The application assembly behind the `ownpace` binary: configuration, reading course
//! folders from disk, and the demo school. `main.rs` only parses the command line and
//! calls into here, the storage crate and the web crate; tests use the same functions to
//! start the real server.

pub mod config;
pub mod course_dir;
pub mod demo;
pub mod demo_projects;
