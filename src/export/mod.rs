//! Exports to where decisions are made: issue payloads for a tracker
//! ([`tracker`]), tables for a warehouse ([`warehouse`]), and a
//! prioritized list for a repository ([`prioritized`]). Each is a pure
//! function of the groups' standings, so the same data always gives the
//! same bytes.

pub mod prioritized;
pub mod tracker;
pub mod warehouse;
