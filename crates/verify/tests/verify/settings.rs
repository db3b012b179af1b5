//! The verifier's settings: required claims, leeway, maximum length, algorithm subset.

use std::time::Duration;

use crate::common::*;
use playback_auth_claims::{PlaybackClaims, Violation};
use playback_auth_keys::{Algorithm, KeySet};
use playback_auth_verify::{FixedClock, Verifier, VerifierBuilder, VerifyError};

fn builder() -> VerifierBuilder {
    Verifier::builder(KeySet::new().with_key(key(Algorithm::Es256).public_key(), None))
        .clock(FixedClock(now()))
}

fn verify(verifier: &Verifier, token: &str) -> Result<(), VerifyError> {
    verifier.verify::<PlaybackClaims>(token).map(|_| ())
}

#[test]
fn required_claims_are_each_reported_missing() {
    let verifier = builder().require_claims(["jti", "nbf"]).build();
    let bare = signed(Algorithm::Es256, &header(Algorithm::Es256), &payload(""));
    let Err(VerifyError::Claims(violations)) = verify(&verifier, &bare) else {
        panic!("accepted a token without the required claims")
    };
    assert_eq!(
        violations.into_vec(),
        vec![
            Violation::MissingClaim { claim: "jti" },
            Violation::MissingClaim { claim: "nbf" }
        ]
    );
    let full = signed(
        Algorithm::Es256,
        &header(Algorithm::Es256),
        &payload(&format!(r#""jti":"t-1","nbf":{NOW}"#)),
    );
    assert_eq!(verify(&verifier, &full), Ok(()));
}

#[test]
fn leeway_is_configurable() {
    let expired_by_10s = format!(r#"{{"accid":"a","iat":{},"exp":{}}}"#, NOW - 100, NOW - 10);
    let token = signed(Algorithm::Es256, &header(Algorithm::Es256), &expired_by_10s);
    assert_eq!(
        verify(&builder().build(), &token),
        Ok(()),
        "within the default 30 s"
    );
    let strict = builder().leeway(Duration::from_secs(5)).build();
    assert_eq!(
        verify(&strict, &token).map_err(|e| e.code()),
        Err("token_expired")
    );
}

#[test]
fn maximum_length_is_configurable() {
    let token = signed(Algorithm::Es256, &header(Algorithm::Es256), &payload(""));
    let tight = builder().max_token_len(token.len() - 1).build();
    assert_eq!(
        verify(&tight, &token),
        Err(VerifyError::TokenTooLong {
            len: token.len(),
            max: token.len() - 1
        })
    );
    assert_eq!(
        verify(&builder().max_token_len(token.len()).build(), &token),
        Ok(())
    );
}

#[test]
fn a_verifier_is_shared_across_threads() {
    let verifier = builder().build();
    let token = signed(Algorithm::Es256, &header(Algorithm::Es256), &payload(""));
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| verify(&verifier, &token)))
            .collect();
        for handle in handles {
            assert_eq!(handle.join().unwrap(), Ok(()));
        }
    });
}
