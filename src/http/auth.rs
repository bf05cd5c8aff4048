//! Bearer-token auth as extractors: a handler that takes `Auth<Review>` cannot
//! run unless the caller holds a review (or admin) token.

use std::future::{Ready, ready};
use std::marker::PhantomData;

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use super::AppState;
use super::problem::ApiError;
use crate::config::Role;

/// What a route requires.
pub trait Requirement {
    /// Roles that satisfy it (admin always does).
    const ROLES: &'static [Role];
    const WHAT: &'static str;
}

/// Sending tickets and asking for suggestions.
pub struct Ingest;
/// Reviewing clusters and groups.
pub struct Review;
/// Re-clustering and configuration.
pub struct Admin;
/// Asking which group a ticket's text belongs to: a help desk (ingest)
/// asks for every new ticket, a reviewer (review) tries one on the page.
pub struct Suggest;
/// Reading tickets: any valid token.
pub struct AnyRole;

impl Requirement for Ingest {
    const ROLES: &'static [Role] = &[Role::Ingest];
    const WHAT: &'static str = "an ingest or admin token";
}
impl Requirement for Review {
    const ROLES: &'static [Role] = &[Role::Review];
    const WHAT: &'static str = "a review or admin token";
}
impl Requirement for Admin {
    const ROLES: &'static [Role] = &[];
    const WHAT: &'static str = "an admin token";
}
impl Requirement for Suggest {
    const ROLES: &'static [Role] = &[Role::Ingest, Role::Review];
    const WHAT: &'static str = "an ingest, review or admin token";
}
impl Requirement for AnyRole {
    const ROLES: &'static [Role] = &[Role::Ingest, Role::Review];
    const WHAT: &'static str = "any valid token";
}

/// Proof that the caller may do what `R` requires. `role` is `None` when
/// no tokens are configured (loopback-only mode).
pub struct Auth<R> {
    pub role: Option<Role>,
    /// Who acts, for the audit log: the token's name, else its role;
    /// `local` when no tokens are configured.
    pub actor: String,
    _requirement: PhantomData<R>,
}

impl<R: Requirement> FromRequest for Auth<R> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(check::<R>(req))
    }
}

fn check<R: Requirement>(req: &HttpRequest) -> Result<Auth<R>, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::internal("server state missing"))?;
    let config = state.engine.config();
    if !config.auth_enabled() {
        return Ok(Auth {
            role: None,
            actor: "local".into(),
            _requirement: PhantomData,
        });
    }
    let header = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| {
            ApiError::unauthorized(format!(
                "this route needs {}: send it as 'Authorization: Bearer <token>'",
                R::WHAT
            ))
        })?
        .to_str()
        .unwrap_or("");
    let token = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .ok_or_else(|| {
            ApiError::unauthorized("the Authorization header must read 'Bearer <token>'")
        })?
        .trim();
    let actor = config.token(token).and_then(|t| t.name.clone());
    let role = config.role_of(token).ok_or_else(|| {
        ApiError::unauthorized(
            "this token is not configured on the server; check it, or ask an admin for one",
        )
    })?;
    if role == Role::Admin || R::ROLES.contains(&role) {
        Ok(Auth {
            role: Some(role),
            actor: actor.unwrap_or_else(|| role.as_str().to_string()),
            _requirement: PhantomData,
        })
    } else {
        Err(ApiError::forbidden(format!(
            "your token has the '{}' role; this route needs {}",
            role.as_str(),
            R::WHAT
        )))
    }
}
