//! Malformed rights are refused at construction, each with its typed cause.

#![allow(clippy::unwrap_used)]

use playback_auth_claims::{CountryCodeError, IpRangeError};
use playback_auth_policy::{
    DomainError, MAX_RIGHTS_LIST_LEN, PlaybackRights, RightsError, WindowError,
};

fn refuse(json: &str) -> RightsError {
    PlaybackRights::from_json("acct-1", "rights-1", json.as_bytes())
        .err()
        .unwrap_or_else(|| unreachable!("accepted {json}"))
}

#[test]
fn each_malformed_entry_is_refused_with_its_cause() {
    assert!(matches!(
        refuse(r#"{"geo":{"allowed_countries":["FR","UK"]}}"#),
        RightsError::InvalidCountry {
            field: "geo.allowed_countries",
            value,
            error: CountryCodeError::NotAssigned { .. },
        } if value == "UK"
    ));
    assert!(matches!(
        refuse(r#"{"geo":{"blocked_countries":["de"]}}"#),
        RightsError::InvalidCountry {
            field: "geo.blocked_countries",
            error: CountryCodeError::NotUpperCase,
            ..
        }
    ));
    assert!(matches!(
        refuse(r#"{"ip":{"allowed":["10.0.0.0/33"]}}"#),
        RightsError::InvalidIpRange {
            field: "ip.allowed",
            error: IpRangeError::InvalidPrefix { max: 32 },
            ..
        }
    ));
    assert!(matches!(
        refuse(r#"{"ip":{"blocked":["2001:db8::1/32"]}}"#),
        RightsError::InvalidIpRange { field: "ip.blocked", error: IpRangeError::HostBitsSet { network }, .. }
            if network == "2001:db8::/32"
    ));
    assert!(matches!(
        refuse(r#"{"ip":{"blocked":["not-an-ip"]}}"#),
        RightsError::InvalidIpRange {
            error: IpRangeError::InvalidAddress,
            ..
        }
    ));
    assert!(matches!(
        refuse(r#"{"domains":{"allowed":["https://example.com"]}}"#),
        RightsError::InvalidDomain {
            field: "domains.allowed",
            error: DomainError::NotAHost,
            ..
        }
    ));
    assert!(matches!(
        refuse(r#"{"domains":{"blocked":["ads.*.example.com"]}}"#),
        RightsError::InvalidDomain {
            field: "domains.blocked",
            error: DomainError::MisplacedWildcard,
            ..
        }
    ));
    assert!(matches!(
        refuse(r#"{"schedule":{"starts_at":"2026-06-01T00:00:00Z","ends_at":"2026-05-01T00:00:00Z"}}"#),
        RightsError::EndNotAfterStart { start, end }
            if start == "2026-06-01T00:00:00Z" && end == "2026-05-01T00:00:00Z"
    ));
    assert!(matches!(
        refuse(
            r#"{"schedule":{"starts_at":"2026-06-01T00:00:00Z","ends_at":"2026-06-01T02:00:00+02:00"}}"#
        ),
        RightsError::EndNotAfterStart { .. }
    ));
    assert!(matches!(
        refuse(r#"{"schedule":{"starts_at":"2026-06-01 00:00"}}"#),
        RightsError::InvalidInstant {
            field: "schedule.starts_at",
            ..
        }
    ));
    assert!(matches!(
        refuse(r#"{"schedule":{"ends_at":"2026-06-01T00:00:00"}}"#),
        RightsError::InvalidInstant {
            field: "schedule.ends_at",
            ..
        }
    ));
    assert!(matches!(
        refuse(r#"{"schedule":{"time_zone":"Europe/Atlantis"}}"#),
        RightsError::UnknownTimeZone { name } if name == "Europe/Atlantis"
    ));
    assert!(matches!(
        refuse(r#"{"schedule":{"windows":[{"days":["mon"],"from":"18:00","to":"23:00"}]}}"#),
        RightsError::MissingTimeZone
    ));
    assert!(matches!(
        refuse(
            r#"{"schedule":{"time_zone":"UTC","windows":[
            {"days":["mon"],"from":"18:00","to":"23:00"},
            {"days":["mon"],"from":"25:00","to":"23:00"}]}}"#
        ),
        RightsError::InvalidWindow {
            index: 1,
            error: WindowError::InvalidTime { field: "from", .. }
        }
    ));
    assert!(matches!(
        refuse(
            r#"{"schedule":{"time_zone":"UTC","windows":[{"days":["someday"],"from":"18:00","to":"23:00"}]}}"#
        ),
        RightsError::InvalidWindow {
            index: 0,
            error: WindowError::UnknownDay { .. }
        }
    ));
    assert!(matches!(
        refuse(
            r#"{"schedule":{"time_zone":"UTC","windows":[{"days":[],"from":"18:00","to":"23:00"}]}}"#
        ),
        RightsError::InvalidWindow {
            index: 0,
            error: WindowError::NoDays
        }
    ));
    assert!(matches!(
        refuse(
            r#"{"schedule":{"time_zone":"UTC","windows":[{"days":["mon"],"from":"18:00","to":"18:00"}]}}"#
        ),
        RightsError::InvalidWindow {
            index: 0,
            error: WindowError::Empty { .. }
        }
    ));
}

#[test]
fn contradictions_shapes_and_sizes_are_refused() {
    assert!(matches!(
        refuse(r#"{"geo":{"allowed_countries":["FR"],"blocked_countries":["FR"]}}"#),
        RightsError::AllowedAndBlocked { section: "geo", value } if value == "FR"
    ));
    assert!(matches!(
        refuse(r#"{"ip":{"allowed":["192.0.2.0/24"],"blocked":["::ffff:192.0.2.0/120"]}}"#),
        RightsError::AllowedAndBlocked { section: "ip", value } if value == "192.0.2.0/24"
    ));
    assert!(matches!(
        refuse(r#"{"domains":{"allowed":["*.example.com"],"blocked":["*.EXAMPLE.com"]}}"#),
        RightsError::AllowedAndBlocked {
            section: "domains",
            ..
        }
    ));
    // Unknown members and wrong types are shape errors, never ignored.
    assert!(matches!(
        refuse(r#"{"geo":{"allowed":["FR"]}}"#),
        RightsError::Json(_)
    ));
    assert!(matches!(
        refuse(r#"{"geography":{}}"#),
        RightsError::Json(_)
    ));
    assert!(matches!(
        refuse(r#"{"geo":{"global":"allow_some"}}"#),
        RightsError::Json(_)
    ));
    assert!(matches!(
        refuse(r#"{"ip":{"allowed":"10.0.0.0/8"}}"#),
        RightsError::Json(_)
    ));
    assert!(matches!(
        refuse(r#"{"domains":{"missing_origin":"maybe"}}"#),
        RightsError::Json(_)
    ));
    assert!(matches!(refuse("[]"), RightsError::Json(_)));
    assert!(matches!(
        refuse(r#"{"geo":["allow_all",["FR"],[]]}"#),
        RightsError::Json(_)
    ));
    assert!(matches!(
        refuse(r#"{"schedule":{"time_zone":"UTC","windows":[[["mon"],"18:00","23:00"]]}}"#),
        RightsError::Json(_)
    ));
    assert!(matches!(refuse(r#"{"geo":null}"#), RightsError::Json(_)));
    let huge: Vec<String> = (0..=MAX_RIGHTS_LIST_LEN)
        .map(|i| format!("\"10.{}.{}.0/24\"", i / 256, i % 256))
        .collect();
    assert!(matches!(
        refuse(&format!(r#"{{"ip":{{"blocked":[{}]}}}}"#, huge.join(","))),
        RightsError::TooManyEntries {
            field: "ip.blocked",
            max: MAX_RIGHTS_LIST_LEN,
            ..
        }
    ));
}

#[test]
fn ids_and_accounts_are_checked() {
    for (account, id, field) in [
        ("", "r", "account"),
        ("acct", "", "id"),
        ("acct", "has space", "id"),
        ("acct/other", "r", "account"),
    ] {
        assert!(matches!(
            PlaybackRights::from_json(account, id, b"{}"),
            Err(RightsError::InvalidId { field: f, .. }) if f == field
        ));
    }
    assert!(PlaybackRights::from_json("acct-1", &"r".repeat(129), b"{}").is_err());
    assert!(PlaybackRights::from_json("acct-1", &"r".repeat(128), b"{}").is_ok());
}
