//! `MaxMindGeoLookup` over a country database written by the test itself
//! (`testing::mmdb`): nothing is downloaded and no database ships with the crate.

#![allow(clippy::unwrap_used)]

use std::net::IpAddr;

use playback_auth_claims::{CountryCode, IpRange, NumericDate};
use playback_auth_policy::testing::mmdb::CountryDatabase;
use playback_auth_policy::{
    GeoDatabaseError, GeoLookup, MaxMindGeoLookup, PlaybackRights, RightsRequest, RuleMatch,
    StaticGeoLookup,
};

fn country(code: &str) -> CountryCode {
    CountryCode::parse(code).unwrap()
}

fn range(text: &str) -> IpRange {
    text.parse().unwrap()
}

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

fn database() -> CountryDatabase {
    CountryDatabase::new()
        .with(range("192.0.2.0/24"), country("FR"))
        .with(range("198.51.100.0/22"), country("DE"))
        // A narrower range inside a wider one overrides it there.
        .with(range("198.51.101.0/24"), country("BE"))
        .with(range("203.0.113.77"), country("JP"))
        .with(range("2001:db8::/32"), country("US"))
        .with(range("2001:db8:be::/48"), country("BE"))
        .with_registered(range("100.64.0.0/10"), country("GB"))
}

#[test]
fn countries_are_found_for_ipv4_ipv6_and_ipv4_mapped_addresses() {
    let lookup = MaxMindGeoLookup::from_bytes(database().to_bytes()).unwrap();
    assert_eq!(lookup.database_type(), "Test-Country");
    for (address, expected) in [
        ("192.0.2.0", Some("FR")),
        ("192.0.2.255", Some("FR")),
        ("::ffff:192.0.2.9", Some("FR")),
        ("192.0.3.0", None),
        ("198.51.100.1", Some("DE")),
        ("198.51.101.1", Some("BE")),
        ("198.51.102.1", Some("DE")),
        ("198.51.104.1", None),
        ("203.0.113.77", Some("JP")),
        ("203.0.113.78", None),
        ("2001:db8:1::1", Some("US")),
        ("2001:db8:be:ffff::1", Some("BE")),
        ("2001:db9::1", None),
        // Only a registered country: used when there is no `country`.
        ("100.64.1.1", Some("GB")),
        ("10.0.0.1", None),
        ("::1", None),
    ] {
        assert_eq!(
            lookup.country(ip(address)),
            expected.map(country),
            "{address}"
        );
    }
}

#[test]
fn the_database_is_read_from_its_configured_path_and_malformed_files_are_refused() {
    let path = std::env::temp_dir().join(format!("playback-auth-geo-{}.mmdb", std::process::id()));
    std::fs::write(
        &path,
        database().database_type("GeoLite2-Country").to_bytes(),
    )
    .unwrap();
    let lookup = MaxMindGeoLookup::open(&path);
    std::fs::remove_file(&path).unwrap();
    let lookup = lookup.unwrap();
    assert_eq!(lookup.database_type(), "GeoLite2-Country");
    assert_eq!(lookup.country(ip("192.0.2.1")), Some(country("FR")));

    assert!(matches!(
        MaxMindGeoLookup::open(path.with_extension("missing")),
        Err(GeoDatabaseError::Read { .. })
    ));
    assert!(matches!(
        MaxMindGeoLookup::from_bytes(b"not a database".to_vec()),
        Err(GeoDatabaseError::Format(_))
    ));
    let mut truncated = database().to_bytes();
    truncated.truncate(40);
    assert!(MaxMindGeoLookup::from_bytes(truncated).is_err());
}

#[test]
fn a_geo_lookup_feeds_the_rights_evaluation() {
    let lookups: [Box<dyn GeoLookup>; 2] = [
        Box::new(MaxMindGeoLookup::from_bytes(database().to_bytes()).unwrap()),
        Box::new(
            StaticGeoLookup::new()
                .with(range("198.51.101.0/24"), country("BE"))
                .with(range("198.51.100.0/22"), country("DE")),
        ),
    ];
    let rights = PlaybackRights::from_json(
        "acct-1",
        "benelux",
        br#"{"geo":{"global":"block_all","allowed_countries":["BE","NL","LU"]}}"#,
    )
    .unwrap();
    let now = NumericDate::from_secs(1_780_315_200).unwrap();
    for lookup in &lookups {
        let belgian = ip("198.51.101.20");
        let outcome = rights.evaluate(&RightsRequest::new(belgian, lookup.country(belgian), now));
        assert_eq!(
            outcome,
            playback_auth_policy::RightsOutcome::Allowed {
                matched: vec![RuleMatch::CountryAllowed(country("BE"))]
            }
        );
        let german = ip("198.51.100.20");
        let outcome = rights.evaluate(&RightsRequest::new(german, lookup.country(german), now));
        assert_eq!(
            outcome.denial().map(|d| d.rule.vendor_subcode()),
            Some("CLIENT_GEO")
        );
    }
}
