//! API tests: the real server on port 0 with a temp data directory, driven
//! over HTTP. One test binary, one module per feature.

mod auth;
mod bad_inputs;
mod clusters;
mod deliveries;
mod hardening;
mod health;
mod helpers;
mod openapi;
mod page;
mod review;
mod roadmap_loop;
mod suggest;
mod tickets;
mod weekly;
