//! Contradictions (placeholder, filled next).
