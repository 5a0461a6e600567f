//! Typed async client for the Blue Button 2.0 API as bluebutton serves it.
//!
//! Empty until the client SDK issue (issue 9); the crate exists so that the workspace
//! shape in `ARCHITECTURE.md` is the real one from the start.
