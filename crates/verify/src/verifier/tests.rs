use super::*;

#[test]
fn split_needs_exactly_three_segments() {
    for (token, found) in [("", 1), ("a", 1), ("a.b", 2), ("a.b.c.d", 4), ("....", 5)] {
        assert!(
            matches!(split(token), Err(VerifyError::WrongSegmentCount { found: f }) if f == found),
            "{token}"
        );
    }
    let parts = split("h.p.s").unwrap();
    assert_eq!(
        (
            parts.header,
            parts.payload,
            parts.signature,
            parts.signing_input
        ),
        ("h", "p", "s", "h.p")
    );
    let empty = split("..").unwrap();
    assert_eq!((empty.header, empty.payload, empty.signature), ("", "", ""));
}

#[test]
fn base64url_is_strict() {
    assert_eq!(decode("e30", Segment::Header).unwrap(), b"{}");
    for text in ["e30=", "e3 0", "e30\n", "e+0", "e/0", "e31", "a"] {
        assert_eq!(
            decode(text, Segment::Header),
            Err(VerifyError::InvalidBase64 {
                segment: Segment::Header
            }),
            "{text:?}"
        );
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]

    /// The SIMD decoder is exactly as strict as the `base64` crate's URL-safe, unpadded,
    /// canonical engine: the same bytes for what both accept, and nothing else accepted.
    #[test]
    fn base64url_decodes_as_the_base64_crate_does(
        text in "[A-Za-z0-9_\\-]{0,80}[A-Za-z0-9_\\-=+/ \n.é]{0,3}[A-Za-z0-9_\\-]{0,3}",
    ) {
        use base64::Engine as _;
        let reference = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&text).ok();
        proptest::prop_assert_eq!(decode(&text, Segment::Payload).ok(), reference);
    }
}

#[test]
fn a_long_segment_decodes_in_one_buffer_with_the_others() {
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let segments: Vec<Vec<u8>> = (0..3)
        .map(|n| (0..=255u8).cycle().skip(n).take(700 + n).collect())
        .collect();
    let text: Vec<String> = segments.iter().map(|s| engine.encode(s)).collect();
    let mut out = Vec::new();
    let ranges: Vec<_> = text
        .iter()
        .map(|t| decode_into(t, Segment::Payload, &mut out).unwrap())
        .collect();
    for (range, segment) in ranges.into_iter().zip(&segments) {
        assert_eq!(&out[range], segment.as_slice());
    }
}

#[test]
fn the_length_check_comes_before_any_decoding() {
    let verifier = Verifier::builder(KeySet::new()).max_token_len(10).build();
    let garbage = "not even close to a token";
    assert_eq!(
        verifier.verify::<playback_auth_claims::PlaybackClaims>(garbage),
        Err(VerifyError::TokenTooLong {
            len: garbage.len(),
            max: 10
        })
    );
}

#[test]
fn a_cache_entry_keeps_the_decoded_claims_and_the_member_names() {
    use playback_auth_claims::{PlaybackClaims, PlaybackRestrictionClaims};
    use playback_auth_keys::PrivateKey;

    let now = NumericDate::from_secs(1_700_000_000).unwrap();
    let key = PrivateKey::generate(Algorithm::Es256).unwrap();
    let claims = PlaybackRestrictionClaims::builder("acct-1", now)
        .token_id("t-1")
        .user("viewer-1")
        .valid_for(Duration::from_secs(60))
        .build()
        .unwrap();
    let token = playback_auth_sign::Signer::new(key.clone())
        .sign(&claims)
        .unwrap();
    let cache = VerifiedTokenCache::new(crate::CacheLimits::default());
    let keys = KeySet::new().with_key(key.public_key(), None);
    let verifier = Verifier::builder(keys.clone())
        .clock(crate::FixedClock(now))
        .cache(cache.clone())
        .build();
    verifier
        .verify::<PlaybackRestrictionClaims>(&token)
        .unwrap();

    let hit = cache
        .get(&VerifiedTokenCache::digest(&token), &keys, now)
        .unwrap();
    let cached = hit.token.claims.as_ref().unwrap();
    // A hit of the same set is a copy of what was decoded, not a second decode …
    assert_eq!(
        PlaybackRestrictionClaims::from_cached(cached),
        Some(claims.clone())
    );
    // … and one of another set decodes the payload kept beside it.
    assert_eq!(PlaybackClaims::from_cached(cached), None);
    assert_eq!(
        verifier.verify::<PlaybackClaims>(&token).unwrap().claims,
        PlaybackClaims::Restriction(claims)
    );
    let members: Vec<&str> = hit.token.members.iter().map(|name| &**name).collect();
    assert_eq!(members, ["accid", "exp", "iat", "jti", "uid"]);
    assert!(hit.token.has("jti") && hit.token.has("uid") && !hit.token.has("sub"));
    assert_eq!(
        hit.token.times.exp,
        Some(now.saturating_add(Duration::from_secs(60)))
    );
}
