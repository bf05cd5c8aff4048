//! One module per API area, each with its handlers.

pub mod clusters;
pub mod export;
pub mod groups;
pub mod health;
pub mod paging;
pub mod review;
pub mod suggest;
pub mod tickets;
pub mod weekly;
