use super::*;

fn parse(text: &str) -> Result<Map<String, Value>, VerifyError> {
    parse_object(text.as_bytes(), Segment::Payload)
}

#[test]
fn accepts_objects() {
    let object = parse(r#"{"a":1,"b":[1.5,"x",null,true,{"c":{}}]}"#).unwrap();
    assert_eq!(object.len(), 2);
}

#[test]
fn rejects_duplicates_in_either_order_and_at_any_depth() {
    for text in [
        r#"{"exp":1,"exp":2}"#,
        r#"{"exp":2,"exp":1}"#,
        r#"{"a":{"b":1,"b":1}}"#,
        r#"{"a":[{"x":1,"x":1}]}"#,
    ] {
        assert!(
            matches!(parse(text), Err(VerifyError::DuplicateMember { .. })),
            "{text}"
        );
    }
    assert_eq!(
        parse(r#"{"exp":1,"exp":2}"#),
        Err(VerifyError::DuplicateMember {
            segment: Segment::Payload,
            name: "exp".into()
        })
    );
}

#[test]
fn escaped_names_that_decode_to_the_same_name_are_duplicates() {
    assert!(matches!(
        parse(r#"{"exp":1,"\u0065xp":2}"#),
        Err(VerifyError::DuplicateMember { .. })
    ));
}

#[test]
fn rejects_non_objects_and_bad_json() {
    assert_eq!(
        parse("[1]"),
        Err(VerifyError::NotAnObject {
            segment: Segment::Payload
        })
    );
    assert_eq!(
        parse("\"x\""),
        Err(VerifyError::NotAnObject {
            segment: Segment::Payload
        })
    );
    for text in [
        "",
        "{",
        "{\"a\":1}x",
        "{'a':1}",
        "{\"a\":NaN}",
        "{\"a\":1,}",
    ] {
        assert_eq!(
            parse(text),
            Err(VerifyError::InvalidJson {
                segment: Segment::Payload
            }),
            "{text:?}"
        );
    }
    assert_eq!(
        parse_object(b"{\"a\":\"\xff\"}", Segment::Header),
        Err(VerifyError::InvalidUtf8 {
            segment: Segment::Header
        })
    );
}

#[test]
fn bounds_nesting() {
    let at_limit = format!(
        "{{\"a\":{}1{}}}",
        "[".repeat(MAX_DEPTH - 1),
        "]".repeat(MAX_DEPTH - 1)
    );
    assert!(parse(&at_limit).is_ok());
    let deep = format!("{{\"a\":{}1{}}}", "[".repeat(100_000), "]".repeat(100_000));
    assert_eq!(
        parse(&deep),
        Err(VerifyError::NestingTooDeep {
            segment: Segment::Payload,
            max: MAX_DEPTH
        })
    );
    // Brackets inside strings do not count.
    let in_string = format!("{{\"a\":\"{}\"}}", "[".repeat(1000));
    assert!(parse(&in_string).is_ok());
    let escaped_quote = format!("{{\"a\":\"\\\"{}\"}}", "{".repeat(1000));
    assert!(parse(&escaped_quote).is_ok());
}

#[test]
fn a_duplicate_members_name_is_cut_to_64_characters() {
    let long = "n".repeat(5_000);
    let text = format!(r#"{{"{long}":1,"{long}":2}}"#);
    assert_eq!(
        parse(&text),
        Err(VerifyError::DuplicateMember {
            segment: Segment::Payload,
            name: "n".repeat(64)
        })
    );
}
