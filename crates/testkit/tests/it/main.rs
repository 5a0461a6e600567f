//! HTTP behaviour of the server's foundation, driven over real sockets: health checks,
//! error bodies, request ids, limits and security headers, the FHIR API, and the client
//! SDK against it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests stop loudly

mod access_golive;
mod access_requests;
mod access_review;
mod docs;
mod dump;
mod fhir;
mod health;
mod middleware;
mod oauth;
mod oauth_more;
mod oauth_negative;
mod policy_changes;
mod policy_check;
mod portal;
mod portal_apps;
mod portal_orgs;
mod ratelimit;
mod sdk;
mod services;
mod smtp_mail;
mod testclient;
mod upstream_login;
mod usage;
