#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod api;
mod error;
mod extract;
mod layers;
mod routes;
mod token;

pub use api::{AdminApi, DEFAULT_MAX_BODY_BYTES, DEFAULT_REPORT_DELAY};
pub use token::{AdminToken, AdminTokenError};
