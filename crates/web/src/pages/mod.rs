//! Server-rendered pages (being written).
