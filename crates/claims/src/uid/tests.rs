#![allow(clippy::unwrap_used)]

use super::*;

#[test]
fn accepts_every_allowed_character() {
    let all = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789=/,@_.+-";
    assert!(Uid::new(&all[..64]).is_ok());
    assert!(Uid::new(&all[8..]).is_ok());
    assert_eq!(Uid::new("a").unwrap().as_str(), "a");
}

#[test]
fn rejects_empty() {
    assert_eq!(Uid::new(""), Err(UidError::Empty));
}

#[test]
fn accepts_64_and_rejects_65_characters() {
    assert!(Uid::new("x".repeat(64)).is_ok());
    assert_eq!(Uid::new("x".repeat(65)), Err(UidError::TooLong { len: 65 }));
}

#[test]
fn rejects_characters_outside_the_alphabet() {
    for (input, character, position) in [
        ("a b", ' ', 1),
        ("abc#", '#', 3),
        ("é", 'é', 0),
        ("a\u{0}", '\u{0}', 1),
        ("x:y", ':', 1),
    ] {
        assert_eq!(
            Uid::new(input),
            Err(UidError::InvalidCharacter {
                character,
                position
            })
        );
    }
}

#[test]
fn deserialize_enforces_the_rules() {
    assert!(serde_json::from_str::<Uid>("\"ok\"").is_ok());
    assert!(serde_json::from_str::<Uid>("\"not ok\"").is_err());
    assert!(serde_json::from_str::<Uid>("5").is_err());
}
