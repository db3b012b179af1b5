use proptest::prelude::*;

use super::*;

/// What the strict path alone makes of `bytes`.
fn strict(bytes: &[u8]) -> Result<Header, VerifyError> {
    Header::from_json_object(parse_object(bytes, Segment::Header)?)
}

#[test]
fn the_common_forms_skip_the_json_parser_and_read_as_the_strict_path_does() {
    for alg in Algorithm::ALL {
        let alg = alg.as_str();
        for text in [
            format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#),
            format!(r#"{{"typ":"JWT","alg":"{alg}"}}"#),
            format!(r#"{{"alg":"{alg}","typ":"JWT","kid":"key-1"}}"#),
            format!(
                r#"{{"typ":"JWT","alg":"{alg}","kid":"ключ 🔑 {del}"}}"#,
                del = '\u{7f}'
            ),
            format!(r#"{{"alg":"{alg}","typ":"JWT","kid":""}}"#),
        ] {
            let fast = Header::from_common_form(text.as_bytes());
            assert!(fast.is_some(), "{text}");
            assert_eq!(fast.map(Ok), Some(strict(text.as_bytes())), "{text}");
        }
    }
}

#[test]
fn anything_else_is_left_to_the_strict_path() {
    for text in [
        r#"{"alg":"ES256","typ":"JWT","kid":"a\"b"}"#,
        r#"{"alg":"ES256","typ":"JWT","kid":"a\\b"}"#,
        r#"{"alg":"ES256","typ":"JWT","kid":"tab	here"}"#,
        r#"{"alg":"ES256","typ":"JWT","kid":"a","kid":"b"}"#,
        r#"{"alg":"ES256","typ":"JWT","kid":1}"#,
        r#"{"alg":"ES256","typ":"JWT","crit":["exp"]}"#,
        r#"{"alg":"ES256","typ":"JWT","b64":false}"#,
        r#"{"alg":"ES256","typ":"JWT","alg":"none"}"#,
        r#"{"alg":"ES256","typ":"JWT"} "#,
        r#"{"alg":"ES256","typ":"JWT"}}"#,
        r#"{"alg":"ES256","typ":"JWT","#,
        r#"{"alg":"ES256","typ":"JWT"#,
        r#"{"alg": "ES256","typ":"JWT"}"#,
        r#"{"alg":"ES256","typ":"jwt"}"#,
        r#"{"alg":"ES512","typ":"JWT"}"#,
        r#"{"alg":"ES256"}"#,
    ] {
        assert_eq!(Header::from_common_form(text.as_bytes()), None, "{text}");
    }
    // Not UTF-8 inside the kid.
    assert_eq!(
        Header::from_common_form(b"{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"\xff\"}"),
        None
    );
    assert_eq!(
        Header::parse(b"{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"\xff\"}"),
        Err(VerifyError::InvalidUtf8 {
            segment: Segment::Header
        })
    );
}

/// Header-like bytes: a common prefix (or a near miss), then a tail of the characters that
/// matter to the recogniser.
fn header_like() -> impl Strategy<Value = Vec<u8>> {
    let prefix = prop::sample::select(vec![
        r#"{"alg":"RS256","typ":"JWT""#,
        r#"{"alg":"ES256","typ":"JWT""#,
        r#"{"alg":"ES384","typ":"JWT""#,
        r#"{"typ":"JWT","alg":"RS256""#,
        r#"{"typ":"JWT","alg":"ES256""#,
        r#"{"typ":"JWT","alg":"ES384""#,
        r#"{"alg":"ES256""#,
        r#"{"typ":"JWT","alg":"none""#,
        "",
    ]);
    let piece = prop::sample::select(vec![
        r#","kid":""#,
        r#"""#,
        "}",
        r#""}"#,
        "\\",
        "\\\"",
        "\\u0041",
        ",",
        ":",
        " ",
        "\n",
        "\u{1}",
        "\u{7f}",
        "é",
        "k",
        r#","typ":"JWT""#,
        r#","crit":[]"#,
    ]);
    let raw = prop::collection::vec(any::<u8>(), 0..4);
    (prefix, prop::collection::vec(piece, 0..6), raw).prop_map(|(prefix, pieces, raw)| {
        let mut bytes = prefix.as_bytes().to_vec();
        for piece in pieces {
            bytes.extend_from_slice(piece.as_bytes());
        }
        bytes.extend_from_slice(&raw);
        bytes
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    /// The recogniser never disagrees with the strict path: whatever it reads, the strict
    /// path reads the same, and `Header::parse` always equals the strict path.
    #[test]
    fn the_fast_path_agrees_with_the_strict_path(bytes in header_like()) {
        if let Some(fast) = Header::from_common_form(&bytes) {
            prop_assert_eq!(Ok(fast), strict(&bytes));
        }
        prop_assert_eq!(Header::parse(&bytes), strict(&bytes));
    }

    /// Any kid string, written the way serde_json writes it: the fast path reads it exactly
    /// when it needs no escape, and always as the strict path does.
    #[test]
    fn any_kid_reads_the_same(kid in any::<String>(), typ_first in any::<bool>()) {
        let mut header = Map::new();
        let members = if typ_first { ["typ", "alg"] } else { ["alg", "typ"] };
        for member in members {
            let value = if member == "alg" { "ES384" } else { "JWT" };
            header.insert(member.to_owned(), value.into());
        }
        header.insert("kid".to_owned(), kid.clone().into());
        let bytes = serde_json::to_vec(&header).unwrap();
        let needs_no_escape = !kid.chars().any(|c| c == '"' || c == '\\' || c < ' ');
        let fast = Header::from_common_form(&bytes);
        prop_assert_eq!(fast.is_some(), needs_no_escape);
        if let Some(fast) = fast {
            prop_assert_eq!(fast.kid.as_deref(), Some(kid.as_str()));
            prop_assert_eq!(Ok(fast), strict(&bytes));
        }
    }
}
