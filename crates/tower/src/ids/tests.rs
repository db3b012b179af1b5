use proptest::prelude::*;

use super::*;

#[test]
fn visible_ascii_up_to_128_bytes_is_an_id() {
    for id in ["a", "video-7", "AbC:123/_~!", &"x".repeat(MAX_ID_LEN)] {
        assert_eq!(check_id(id, IdField::Device), Ok(()), "{id:?}");
    }
}

#[test]
fn anything_else_is_invalid_id() {
    let too_long = "x".repeat(MAX_ID_LEN + 1);
    for id in [
        "",
        "a b",
        "tab\there",
        "caf\u{e9}",
        "nul\0",
        "del\u{7f}",
        &too_long,
    ] {
        assert_eq!(
            check_id(id, IdField::Session),
            Err(Rejection::InvalidId {
                field: IdField::Session
            }),
            "{id:?}"
        );
    }
}

proptest! {
    #[test]
    fn accepted_ids_are_short_visible_ascii(id in ".{0,200}") {
        if check_id(&id, IdField::Content).is_ok() {
            prop_assert!(!id.is_empty() && id.len() <= MAX_ID_LEN);
            prop_assert!(id.bytes().all(|b| (0x21..=0x7e).contains(&b)));
        }
    }
}
