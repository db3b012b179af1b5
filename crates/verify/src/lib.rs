#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod cache;
mod clock;
mod error;
mod header;
mod json;
pub mod metrics;
mod signature;
mod verifier;

pub use cache::{CacheLimits, VerifiedTokenCache};
pub use clock::{Clock, FixedClock, SystemClock};
pub use error::{Segment, VerifyError};
pub use header::Header;
pub use json::MAX_DEPTH;
pub use signature::verify_signature;
pub use verifier::{DEFAULT_MAX_TOKEN_LEN, Verified, Verifier, VerifierBuilder};
