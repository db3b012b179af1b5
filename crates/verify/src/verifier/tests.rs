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
