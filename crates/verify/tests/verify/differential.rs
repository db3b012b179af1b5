//! Differential tests: RustCrypto and aws-lc must give the same verdict and the same typed
//! error on arbitrary tokens, on mutated valid tokens and on arbitrary signatures over a valid
//! signing input. (Every helper of `common` asserts the agreement; these tests feed it.)
#![allow(clippy::unwrap_used, clippy::indexing_slicing)] // inside proptest!, outside #[test] fns

use playback_auth_claims::PlaybackClaims;
use playback_auth_keys::Algorithm;
use proptest::prelude::*;

use crate::common::*;

fn algorithm() -> impl Strategy<Value = Algorithm> {
    prop::sample::select(Algorithm::ALL.to_vec())
}

/// A valid token of `alg` at `NOW`, as its signing input and raw signature.
fn valid_parts(alg: Algorithm) -> (String, Vec<u8>) {
    use base64::Engine as _;
    let token = signed(alg, &header(alg), &payload(r#""jti":"diff""#));
    let (input, signature) = token.rsplit_once('.').unwrap();
    let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(signature)
        .unwrap();
    (input.to_owned(), signature)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn arbitrary_dotted_tokens_get_one_verdict(
        segments in prop::collection::vec("[A-Za-z0-9_=+/-]{0,120}", 1..5),
    ) {
        let token = segments.join(".");
        let _ = verifier(&Algorithm::ALL).verify::<PlaybackClaims>(&token);
    }

    #[test]
    fn mutated_valid_tokens_get_one_verdict(
        alg in algorithm(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        let (input, signature) = valid_parts(alg);
        let mut bytes = format!("{input}.{}", b64(&signature)).into_bytes();
        for (at, byte) in edits {
            let at = at.index(bytes.len());
            bytes[at] = byte;
        }
        let token = String::from_utf8_lossy(&bytes);
        let _ = verifier(&Algorithm::ALL).verify::<PlaybackClaims>(&token);
    }

    #[test]
    fn arbitrary_signatures_over_a_valid_input_get_one_verdict(
        alg in algorithm(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..3),
        special in 0usize..6,
        truncate in prop::option::of(any::<prop::sample::Index>()),
    ) {
        let (input, mut signature) = valid_parts(alg);
        let half = signature.len() / 2;
        // Edge values of r or s for ECDSA (the range rules), or of the whole RSA signature.
        match special {
            1 => signature[..half].fill(0),
            2 => signature[half..].fill(0),
            3 => signature[..half].fill(0xff),
            4 => signature[half..].fill(0xff),
            _ => {}
        }
        for (at, byte) in flips {
            let at = at.index(signature.len());
            signature[at] ^= byte;
        }
        if let Some(cut) = truncate {
            signature.truncate(cut.index(signature.len()));
        }
        let key = key(alg).public_key();
        let low_level = verify_signature_on_each(alg, &key, input.as_bytes(), &signature);
        let token = format!("{input}.{}", b64(&signature));
        let whole = verifier(&[alg]).verify::<PlaybackClaims>(&token);
        prop_assert_eq!(low_level.is_ok(), whole.is_ok());
    }
}
