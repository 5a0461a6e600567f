//! Privacy label (placeholder, filled next).
