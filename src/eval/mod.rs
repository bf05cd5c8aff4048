//! Measuring grouping quality on labelled data (`refrain eval`).

pub mod metrics;
