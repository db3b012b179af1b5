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
