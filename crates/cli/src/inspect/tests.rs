use super::*;

fn encode(text: &str) -> String {
    URL_SAFE_NO_PAD.encode(text)
}

#[test]
fn decodes_header_and_payload_and_marks_them_unverified() -> Result<(), CliError> {
    let token = format!(
        "{}.{}.{}",
        encode(r#"{"alg":"ES256"}"#),
        encode(r#"{"a":1}"#),
        "AAAA"
    );
    let output = decode(&token)?;
    assert_eq!(output.get("verified"), Some(&Value::Bool(false)));
    assert_eq!(
        output.get("header").and_then(|h| h.get("alg")),
        Some(&Value::from("ES256"))
    );
    assert_eq!(
        output.get("payload").and_then(|p| p.get("a")),
        Some(&Value::from(1))
    );
    assert_eq!(output.get("signature_bytes"), Some(&Value::from(3)));
    Ok(())
}

#[test]
fn garbage_is_an_error_not_a_panic() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    for token in [
        String::new(),
        ".".into(),
        "..".into(),
        "a.b.c.d".into(),
        "!!.!!.!!".into(),
        format!("{}.{}.", encode("{"), encode("{}")),
        format!("{}.{}.", encode("{}"), encode(&deep)),
        format!("{}.{}.", encode("{}"), URL_SAFE_NO_PAD.encode([0xff, 0xfe])),
    ] {
        assert!(decode(&token).is_err(), "{token:.40}");
    }
}
