#![allow(clippy::unwrap_used)]

use super::*;

#[test]
fn accepts_objects_and_rejects_everything_else_by_cause() {
    let object = parse_object(br#"{"a":1,"b":[1.5,"x",null,true,{"c":{}}]}"#).unwrap();
    assert_eq!(object.len(), 2);
    assert!(matches!(
        parse_object(b"[1]"),
        Err(StrictJsonError::NotAnObject)
    ));
    assert!(matches!(
        parse_object(b"{\"a\":1}x"),
        Err(StrictJsonError::Syntax(_))
    ));
    assert!(matches!(
        parse_object(b"{\"a\":\"\xff\"}"),
        Err(StrictJsonError::InvalidUtf8)
    ));
    assert!(matches!(
        parse_object(br#"{"a":[{"x":1,"x":1}]}"#),
        Err(StrictJsonError::DuplicateMember { name }) if name == "x"
    ));
}

#[test]
fn bounds_nesting() {
    let deep = format!("{{\"a\":{}1{}}}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(matches!(
        parse_object(deep.as_bytes()),
        Err(StrictJsonError::NestingTooDeep { max: MAX_DEPTH })
    ));
    let in_string = format!("{{\"a\":\"{}\"}}", "[".repeat(1000));
    assert!(parse_object(in_string.as_bytes()).is_ok());
}
