//! From repeats to roadmap work: what a group's tickets say about it.

pub mod evidence;
pub mod scoring;

pub use evidence::Evidence;
