//! The `bluebutton` binary, run as a user would: help, bad input, admin commands, serving.
//! Each test works in its own temporary folder with a scrubbed environment.

mod admin;
mod bad_input;
mod serve;
mod support;
