//! HTTP behaviour of the server's foundation, driven over real sockets: health checks,
//! error bodies, request ids, limits and security headers.

mod health;
mod middleware;
