#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod api;
mod error;
mod extract;
mod layers;
mod report_links;
mod routes;
mod token;

pub use api::{AdminApi, DEFAULT_MAX_BODY_BYTES, DEFAULT_REPORT_DELAY};
pub use report_links::{REPORT_LINK_LIFETIME, ReportLinkSecret, ReportLinkSecretError};
pub use token::{AdminToken, AdminTokenError};
