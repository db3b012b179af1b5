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
    assert_eq!(
        again, rights,
        "the JSON form keeps everything the rights decide with"
    );
    assert_ne!(
        PlaybackRights::from_document("acct-2", "r-1", &document).unwrap(),
        rights
    );
    // An empty document is valid and restricts nothing.
    let open = PlaybackRights::from_json("acct-1", "open", b"{}").unwrap();
    assert_eq!(serde_json::to_string(&open.to_document()).unwrap(), "{}");
}

#[test]
fn time_zones_come_from_the_bundled_database() {
    assert!(schedule::bundled_zone("Europe/Paris").is_some());
    assert!(schedule::bundled_zone("America/Sao_Paulo").is_some());
    assert!(schedule::bundled_zone("Mars/Olympus_Mons").is_none());
    // A path is a name the host's zoneinfo might resolve; the bundled database does not.
    assert!(schedule::bundled_zone("/etc/localtime").is_none());
    assert!(schedule::bundled_zone("../../etc/passwd").is_none());
}

#[test]
fn a_rights_request_reads_ip_origin_referer_and_time_from_the_request_context() {
    let now = NumericDate::from_secs(1_780_315_200).unwrap();
    let ip: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
    let context = crate::RequestContext::new("acct-1", "video-7", "Player/1.0", ip, now)
        .with_referer("https://www.example.com/watch");
    let france = CountryCode::parse("FR").ok();
    let request = RightsRequest::from_context(&context, france);
    assert_eq!(
        request,
        RightsRequest::new(ip, france, now).with_referer("https://www.example.com/watch")
    );
    let rights = PlaybackRights::from_json(
        "acct-1",
        "r",
        br#"{"ip":{"blocked":["192.0.2.0/24"]},"domains":{"allowed":["*.example.com"]}}"#,
    )
    .unwrap();
    // The IPv4-mapped client is refused by the IPv4 range.
    assert_eq!(
        rights.evaluate(&request).denial().map(|d| d.rule),
        Some(RightsRule::ClientIp)
    );
    // From another address, the Referer host is the site (there is no Origin).
    let elsewhere =
        crate::RequestContext::new("acct-1", "v", "UA", "198.51.100.1".parse().unwrap(), now)
            .with_referer("https://www.example.com/watch");
    assert_eq!(
        rights.evaluate(&RightsRequest::from_context(&elsewhere, france)),
        RightsOutcome::Allowed {
            matched: vec![
                RuleMatch::NoGeographyRule,
                RuleMatch::DomainAllowed(DomainPattern::parse("*.example.com").unwrap())
            ]
        }
    );
    let with_origin = elsewhere.with_origin("https://evil.test");
    assert_eq!(
        rights
            .evaluate(&RightsRequest::from_context(&with_origin, france))
            .denial()
            .map(|d| d.rule),
        Some(RightsRule::Domain)
    );
}
