//! The `bluebutton` binary, run as a user would: help, bad input, admin commands, claims
//! data (import, generate, the sandbox), serving, crash safety under `kill -9`.
//! Each test works in its own temporary folder with a scrubbed environment.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests stop loudly

mod admin;
mod audit;
mod bad_input;
mod claims;
mod client;
mod crash;
mod policy;
mod postgres;
mod replicas;
mod serve;
mod support;
