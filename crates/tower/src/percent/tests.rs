use super::decode;

#[test]
fn plain_text_is_unchanged() {
    assert_eq!(decode("a.b-c_d").as_deref(), Some("a.b-c_d"));
}

#[test]
fn escapes_are_decoded() {
    assert_eq!(decode("a%2Eb%2fc").as_deref(), Some("a.b/c"));
    assert_eq!(decode("%C3%A9").as_deref(), Some("é"));
    assert_eq!(decode("a+b").as_deref(), Some("a+b"));
}

#[test]
fn malformed_escapes_and_non_utf8_are_refused() {
    assert_eq!(decode("%"), None);
    assert_eq!(decode("%4"), None);
    assert_eq!(decode("%zz"), None);
    assert_eq!(decode("%FF"), None);
}
