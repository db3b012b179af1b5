//! What rejecting garbage costs our verifier, next to one valid ES256 verification for scale.
//!
//! The verifier checks length, then segment count, base64url, header JSON and header rules,
//! then the signature, and parses the payload JSON only once the signature holds. So garbage
//! that fails before the signature costs microseconds or less, while anything that reaches
//! the signature (a well-formed token with a bad signature, or a signed payload that is
//! rejected afterwards) costs one full signature check.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::hint::black_box;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::{Criterion, criterion_group, criterion_main};

use playback_auth::claims::PlaybackRestrictionClaims;
use playback_auth::keys::Algorithm;
use playback_auth::sign::sign_compact;
use playback_auth::verify::{DEFAULT_MAX_TOKEN_LEN, MAX_DEPTH, Segment, VerifyError};

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Deterministic pseudo-random bytes (xorshift), as lossy UTF-8.
fn random_text(len: usize) -> String {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let bytes: Vec<u8> = (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()[0]
        })
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A case: its name, the token, and the rejection it must get.
type Case = (&'static str, String, fn(&VerifyError) -> bool);

fn bench_parse_reject(c: &mut Criterion) {
    let iat = common::issued_at();
    let fixtures = common::fixtures(iat);
    let fx = fixtures
        .iter()
        .find(|fx| fx.alg == Algorithm::Es256)
        .unwrap();
    let verifier = &fx.verifier;
    let header = br#"{"alg":"ES256","typ":"JWT"}"#;
    let payload = serde_json::to_vec(&fx.claims).unwrap();
    let (signing_input, _) = fx.token.rsplit_once('.').unwrap();
    let signed =
        |header: &[u8], payload: &[u8]| sign_compact(&fx.private, header, payload).unwrap();
    let nested = |depth: usize| format!("{}1{}", "[".repeat(depth), "]".repeat(depth));

    let mut bad_signature = fx.token.clone();
    let last = bad_signature.pop().unwrap();
    bad_signature.push(if last == 'A' { 'Q' } else { 'A' });

    // Nested `depth` deep inside the object: MAX_DEPTH + 1 levels in all, one over the limit.
    let too_deep = nested(MAX_DEPTH);
    let cases: Vec<Case> = vec![
        ("random_bytes_600", random_text(600), |e| {
            matches!(
                e,
                VerifyError::WrongSegmentCount { .. } | VerifyError::InvalidBase64 { .. }
            )
        }),
        (
            "invalid_base64",
            format!(
                "{}.{}!.{}",
                b64(header),
                "eyJhY2NpZCI6".repeat(40),
                "x$y%z".repeat(17)
            ),
            |e| {
                matches!(
                    e,
                    VerifyError::InvalidBase64 {
                        segment: Segment::Payload
                    }
                )
            },
        ),
        (
            "alg_none",
            format!(
                "{}.{}.",
                b64(br#"{"alg":"none","typ":"JWT"}"#),
                b64(&payload)
            ),
            |e| matches!(e, VerifyError::AlgorithmNone),
        ),
        (
            "duplicate_header_member",
            signed(br#"{"alg":"ES256","typ":"JWT","alg":"ES256"}"#, &payload),
            |e| {
                matches!(
                    e,
                    VerifyError::DuplicateMember {
                        segment: Segment::Header,
                        ..
                    }
                )
            },
        ),
        (
            "oversized_100k",
            format!("{signing_input}.{}", "A".repeat(100 * 1024)),
            |e| matches!(e, VerifyError::TokenTooLong { .. }),
        ),
        (
            "nested_header_too_deep",
            signed(
                format!(r#"{{"alg":"ES256","x":{too_deep}}}"#).as_bytes(),
                &payload,
            ),
            |e| {
                matches!(
                    e,
                    VerifyError::NestingTooDeep {
                        segment: Segment::Header,
                        ..
                    }
                )
            },
        ),
        // These reach the signature check (payload JSON is parsed only after it holds).
        ("bad_signature", bad_signature, |e| {
            matches!(e, VerifyError::InvalidSignature)
        }),
        (
            "duplicate_payload_member_signed",
            signed(header, br#"{"accid":"a","iat":1,"exp":2,"exp":3}"#),
            |e| {
                matches!(
                    e,
                    VerifyError::DuplicateMember {
                        segment: Segment::Payload,
                        ..
                    }
                )
            },
        ),
        (
            "nested_payload_too_deep_signed",
            signed(
                header,
                format!(r#"{{"accid":"a","x":{too_deep}}}"#).as_bytes(),
            ),
            |e| {
                matches!(
                    e,
                    VerifyError::NestingTooDeep {
                        segment: Segment::Payload,
                        ..
                    }
                )
            },
        ),
    ];

    let mut group = c.benchmark_group("parse_reject");
    for (name, token, expected) in &cases {
        let result = verifier.verify::<PlaybackRestrictionClaims>(token);
        match &result {
            Err(error) if expected(error) => {}
            other => panic!("{name}: unexpected {other:?}"),
        }
        if *name == "oversized_100k" {
            assert!(token.len() > DEFAULT_MAX_TOKEN_LEN);
        }
        group.bench_function(*name, |b| {
            b.iter(|| {
                verifier
                    .verify::<PlaybackRestrictionClaims>(black_box(token))
                    .is_err()
            });
        });
    }
    let token = fx.token.as_str();
    assert!(verifier.verify::<PlaybackRestrictionClaims>(token).is_ok());
    group.bench_function("es256_valid_verify", |b| {
        b.iter(|| {
            verifier
                .verify::<PlaybackRestrictionClaims>(black_box(token))
                .is_ok()
        });
    });
    group.finish();
}

criterion_group!(benches, bench_parse_reject);
criterion_main!(benches);
