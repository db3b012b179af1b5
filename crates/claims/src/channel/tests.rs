#![allow(clippy::unwrap_used)]

use super::*;
use crate::ArnPart;

const ARN: &str = "arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf123456";

#[test]
fn parses_a_channel_arn() {
    let arn = ChannelArn::parse(ARN).unwrap();
    assert_eq!(
        (arn.region(), arn.account_id(), arn.channel_id()),
        ("us-west-2", "123456789012", "AbCdEf123456")
    );
    assert_eq!(arn.as_str(), ARN);
}

#[test]
fn names_the_malformed_arn_part() {
    for (text, part) in [
        (
            "arn:aws:s3:us-west-2:123456789012:channel/abc",
            ArnPart::Prefix,
        ),
        ("", ArnPart::Prefix),
        ("arn:aws:ivs::123456789012:channel/abc", ArnPart::Region),
        (
            "arn:aws:ivs:US_WEST:123456789012:channel/abc",
            ArnPart::Region,
        ),
        ("arn:aws:ivs:us-west-2", ArnPart::Region),
        (
            "arn:aws:ivs:us-west-2:12345678901:channel/abc",
            ArnPart::AccountId,
        ),
        (
            "arn:aws:ivs:us-west-2:1234567890123:channel/abc",
            ArnPart::AccountId,
        ),
        (
            "arn:aws:ivs:us-west-2:12345678901x:channel/abc",
            ArnPart::AccountId,
        ),
        ("arn:aws:ivs:us-west-2:123", ArnPart::AccountId),
        (
            "arn:aws:ivs:us-west-2:123456789012:stream-key/abc",
            ArnPart::Resource,
        ),
        (
            "arn:aws:ivs:us-west-2:123456789012:channel/",
            ArnPart::ChannelId,
        ),
        (
            "arn:aws:ivs:us-west-2:123456789012:channel/ab/cd",
            ArnPart::ChannelId,
        ),
        (
            "arn:aws:ivs:us-west-2:12345678901é:channel/ab",
            ArnPart::AccountId,
        ),
    ] {
        assert_eq!(ChannelArn::parse(text), Err(part), "{text}");
    }
}

#[test]
fn origins_are_star_or_a_list() {
    assert!(AllowedOrigins::parse("*").unwrap().is_any());
    let list = AllowedOrigins::parse("https://a.example,http://b.example:8080, https://[::1]:443")
        .unwrap();
    assert_eq!(list.origins().count(), 3);
    assert!(list.allows("http://b.example:8080"));
    assert!(list.allows("HTTPS://A.EXAMPLE"));
    assert!(!list.allows("https://a.example:444"));
    assert!(!list.allows("https://b.example:8080"));
    for bad in [
        "a.example",
        "https://",
        "https://a.example/path",
        "https://a b",
        "*,https://a.example",
        "",
        "https://a.example,",
        "https://a.example:99999x",
    ] {
        assert!(AllowedOrigins::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn single_use_ids_are_uuids() {
    assert!(SingleUseId::parse("123e4567-e89b-12d3-a456-426614174000").is_ok());
    assert!(SingleUseId::parse("123E4567-E89B-12D3-A456-426614174000").is_ok());
    for bad in [
        "123e4567e89b12d3a456426614174000",
        "123e4567-e89b-12d3-a456-42661417400g",
        "",
        "123e4567-e89b-12d3-a456-4266141740000",
    ] {
        assert_eq!(
            SingleUseId::parse(bad),
            Err(Violation::InvalidUuid),
            "{bad}"
        );
    }
}

#[test]
fn viewer_ids_are_1_to_40_characters() {
    assert!(ViewerId::parse("v".repeat(40)).is_ok());
    assert!(
        ViewerId::parse("é".repeat(40)).is_ok(),
        "characters, not bytes"
    );
    assert_eq!(
        ViewerId::parse("v".repeat(41)),
        Err(Violation::InvalidViewerIdLength { len: 41, max: 40 })
    );
    assert_eq!(
        ViewerId::parse(""),
        Err(Violation::InvalidViewerIdLength { len: 0, max: 40 })
    );
}

#[test]
fn builder_sets_every_claim() {
    let claims = PrivateChannelClaims::builder(ARN, NumericDate::from_secs(100).unwrap())
        .allowed_origins("*")
        .strict_origin_enforcement(true)
        .single_use("123e4567-e89b-12d3-a456-426614174000")
        .viewer("viewer-1", 7)
        .maximum_resolution(MaximumResolution::FullHd)
        .valid_for(std::time::Duration::from_secs(60))
        .build()
        .unwrap();
    assert_eq!(claims.viewer_session_version, Some(7));
    assert_eq!(claims.exp, NumericDate::from_secs(160).unwrap());
    let json = serde_json::to_value(&claims).unwrap();
    assert_eq!(json["aws:maximum-resolution"], "FULL_HD");
    assert_eq!(
        serde_json::from_value::<PrivateChannelClaims>(json).unwrap(),
        claims
    );
}
