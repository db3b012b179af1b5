use super::*;

#[test]
fn the_json_form_round_trips_normalised() {
    let json = br#"{
        "geo": { "global": "block_all", "allowed_countries": ["FR", "BE"], "blocked_countries": ["DE"] },
        "ip": { "allowed": ["192.0.2.7/32", "::ffff:198.51.100.0/120"], "blocked": ["2001:db8::/32"] },
        "domains": { "allowed": ["*.Example.com"], "missing_origin": "allow" },
        "schedule": {
            "starts_at": "2026-01-01T01:00:00+01:00", "ends_at": "2027-01-01T00:00:00Z",
            "time_zone": "Europe/Paris",
            "windows": [{ "days": ["fri", "mon"], "from": "22:00", "to": "02:00" }]
        }
    }"#;
    let rights = PlaybackRights::from_json("acct-1", "r-1", json).unwrap();
    let document = rights.to_document();
    assert_eq!(
        serde_json::to_value(&document).unwrap(),
        serde_json::json!({
            "geo": { "global": "block_all", "allowed_countries": ["FR", "BE"], "blocked_countries": ["DE"] },
            "ip": { "allowed": ["192.0.2.7", "198.51.100.0/24"], "blocked": ["2001:db8::/32"] },
            "domains": { "allowed": ["*.example.com"], "missing_origin": "allow" },
            "schedule": {
                "starts_at": "2026-01-01T00:00:00Z", "ends_at": "2027-01-01T00:00:00Z",
                "time_zone": "Europe/Paris",
                "windows": [{ "days": ["mon", "fri"], "from": "22:00", "to": "02:00" }]
            }
        })
    );
    let again = PlaybackRights::from_document("acct-1", "r-1", &document).unwrap();
    assert_eq!(again.to_document(), document);
    // An empty document is valid and restricts nothing.
    let open = PlaybackRights::from_json("acct-1", "open", b"{}").unwrap();
    assert_eq!(serde_json::to_string(&open.to_document()).unwrap(), "{}");
}

#[test]
fn the_time_zone_database_is_bundled() {
    // Resolved from the database compiled into the binary, not the host's zoneinfo.
    assert!(!jiff::tz::db().is_definitively_empty());
    assert!(TimeZone::get("Europe/Paris").is_ok());
    assert!(TimeZone::get("America/Sao_Paulo").is_ok());
    assert!(TimeZone::get("Mars/Olympus_Mons").is_err());
}
