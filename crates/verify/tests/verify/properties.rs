//! Property tests: sign → verify round trips for every algorithm; any single-byte change to a
//! valid token is rejected; arbitrary input never panics.
#![allow(clippy::unwrap_used)] // inside prop_compose!, outside #[test] fns

use crate::common::*;
use playback_auth_claims::{NumericDate, PlaybackClaims, PlaybackRestrictionClaims};
use playback_auth_keys::Algorithm;
use playback_auth_sign::Signer;
use proptest::prelude::*;

fn algorithm() -> impl Strategy<Value = Algorithm> {
    prop::sample::select(Algorithm::ALL.to_vec())
}

prop_compose! {
    fn claims()(
        lifetime in 31u64..=2_592_000,
        accid in "[a-z0-9]{1,12}",
        conid in proptest::option::of("[ -~]{0,20}"),
        maxu in proptest::option::of(1u32..1000),
        uid in proptest::option::of("[A-Za-z0-9=/,@_.+-]{1,64}"),
        climit in 1u32..10,
        tags in proptest::collection::vec("\\PC{0,10}", 0..3),
        extra in proptest::collection::btree_map("x-[a-z]{1,5}", "\\PC{0,10}", 0..3),
    ) -> PlaybackRestrictionClaims {
        let mut b = PlaybackRestrictionClaims::builder(accid, now())
            .valid_for(std::time::Duration::from_secs(lifetime))
            .tags(tags);
        if let Some(v) = conid { b = b.content_id(v) }
        if let Some(v) = maxu { b = b.max_uses(v) }
        if let Some(v) = uid { b = b.user(v).concurrent_streams(climit) }
        for (k, v) in extra { b = b.claim(k, v) }
        b.build().unwrap()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn sign_then_verify_round_trips(alg in algorithm(), claims in claims()) {
        let token = Signer::new(key(alg).clone()).sign(&claims).unwrap();
        let verified = verifier(&[alg]).verify::<PlaybackRestrictionClaims>(&token).unwrap();
        prop_assert_eq!(verified.header.alg, alg);
        prop_assert_eq!(verified.claims, claims);
    }

    #[test]
    fn any_single_byte_change_is_rejected(
        alg in algorithm(),
        claims in claims(),
        position in any::<prop::sample::Index>(),
        replacement in any::<u8>(),
    ) {
        let token = Signer::new(key(alg).clone()).sign(&claims).unwrap();
        let mut bytes = token.clone().into_bytes();
        let at = position.index(bytes.len());
        prop_assume!(bytes[at] != replacement);
        bytes[at] = replacement;
        // A change that makes the bytes invalid UTF-8 cannot even be presented as a token.
        if let Ok(tampered) = String::from_utf8(bytes) {
            let result = verifier(&Algorithm::ALL).verify::<PlaybackClaims>(&tampered);
            prop_assert!(result.is_err(), "accepted {} (changed byte {} of {})", tampered, at, token);
        }
    }

    #[test]
    fn arbitrary_strings_never_panic(input in "\\PC{0,300}") {
        let _ = verifier(&Algorithm::ALL).verify::<PlaybackClaims>(&input);
    }

    #[test]
    fn arbitrary_dotted_base64_never_panics(
        header in "[A-Za-z0-9_-]{0,80}",
        payload in "[A-Za-z0-9_-]{0,200}",
        signature in "[A-Za-z0-9_-]{0,140}",
    ) {
        let token = format!("{header}.{payload}.{signature}");
        let _ = verifier(&Algorithm::ALL).verify::<PlaybackClaims>(&token);
        let _ = verifier(&Algorithm::ALL).verify_deserialize::<serde_json::Value>(&token);
    }

    #[test]
    fn arbitrary_signed_json_never_panics(header_json in "\\PC{0,60}", payload_json in "\\PC{0,120}") {
        let token = signed(Algorithm::Es256, &header_json, &payload_json);
        let _ = verifier(&Algorithm::ALL).verify::<PlaybackClaims>(&token);
        let now = NumericDate::from_secs(NOW).unwrap();
        for v in verifier(&Algorithm::ALL).each() {
            let _ = v.verify_with::<PlaybackClaims>(v.keys(), &token, now);
        }
    }
}
