//! # playback-auth
//!
//! Mint and verify signed playback tokens (JWT: RS256, ES256, ES384) and enforce the
//! restrictions inside them. This facade re-exports the workspace crates behind features, so a
//! service can depend on one crate and pick what it needs:
//!
//! | feature | module | crate |
//! |---|---|---|
//! | `claims` (default) | [`claims`] | `playback-auth-claims`: claim sets and their validation rules |
//! | `keys` (default) | [`keys`] | `playback-auth-keys`: key generation, import/export, key ids, key sets |
//! | `sign` (default) | [`sign`] | `playback-auth-sign`: minting tokens |
//! | `verify` (default) | [`verify`] | `playback-auth-verify`: strict verification |
//! | `policy` (default) | [`policy`] | `playback-auth-policy`: stateful restrictions, revocation, audit, key registry, the one-call authorizer |
//! | `redis` | [`redis`] | `playback-auth-redis`: the policy stores on Redis, one round trip per decision |
//! | `hazmat` | — | hazardous escape hatches for tests, benchmarks and fuzzers; never in a production build |
//!
//! `hazmat` turns on the feature of that name of each selected crate: `sign::sign_compact` /
//! `sign_bytes` (and their `_with` variants) sign a header whose `alg` may disagree with the key,
//! `policy::VerifiedToken::new` / `with_digest` wrap any claims as verified,
//! `policy::PolicyEngine::plan` plans the store step for such a token, and
//! `redis::RedisStore::keys_for` lists a plan's Redis keys. Enable it in `[dev-dependencies]`
//! only; the crates' READMEs say why each is hazardous.
//!
//! ```
//! # #[cfg(feature = "claims")] {
//! use std::time::Duration;
//! use playback_auth::claims::{NumericDate, PlaybackRestrictionClaims};
//!
//! let now = NumericDate::from_secs(1_700_000_000).unwrap();
//! let claims = PlaybackRestrictionClaims::builder("acct-1", now)
//!     .content_id("video-7")
//!     .valid_for(Duration::from_secs(3600))
//!     .build()
//!     .unwrap();
//! assert_eq!(claims.conid.as_deref(), Some("video-7"));
//! # }
//! ```
#![forbid(unsafe_code)]

/// Claim sets and their validation rules (`playback-auth-claims`).
#[cfg(feature = "claims")]
pub use playback_auth_claims as claims;

/// Key generation, import/export, key ids and key sets (`playback-auth-keys`).
#[cfg(feature = "keys")]
pub use playback_auth_keys as keys;

/// Minting tokens (`playback-auth-sign`).
#[cfg(feature = "sign")]
pub use playback_auth_sign as sign;

/// Strict token verification (`playback-auth-verify`).
#[cfg(feature = "verify")]
pub use playback_auth_verify as verify;

/// Stateful restrictions, revocation, audit, key registry and the authorizer
/// (`playback-auth-policy`).
#[cfg(feature = "policy")]
pub use playback_auth_policy as policy;

/// The policy stores on Redis (`playback-auth-redis`).
#[cfg(feature = "redis")]
pub use playback_auth_redis as redis;

/// The tower layer that authorizes playback requests (`playback-auth-tower`; not a default
/// feature).
#[cfg(feature = "tower")]
pub use playback_auth_tower as tower;

/// The publisher's HTTP API as an axum router (`playback-auth-admin`; not a default feature).
#[cfg(feature = "admin")]
pub use playback_auth_admin as admin;

/// The README's code examples, compiled and run as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
