//! The precedence table of the crate docs ("Playback rights"), row by row: which entry
//! decides, in which order the stages run, and what a refusal names.

#![allow(clippy::unwrap_used)]

use std::net::IpAddr;

use playback_auth_claims::{CountryCode, NumericDate};
use playback_auth_policy::{PlaybackRights, RightsOutcome, RightsRequest};

/// 2026-06-01T12:00:00Z.
const NOW: i64 = 1_780_315_200;

struct Row {
    what: &'static str,
    rights: &'static str,
    ip: &'static str,
    country: Option<&'static str>,
    origin: Option<&'static str>,
    referer: Option<&'static str>,
    /// `Ok(first rule matched)` or `Err((vendor subcode, rule matched))`.
    expect: Result<&'static str, (&'static str, &'static str)>,
}

const fn row(
    what: &'static str,
    rights: &'static str,
    ip: &'static str,
    country: Option<&'static str>,
    expect: Result<&'static str, (&'static str, &'static str)>,
) -> Row {
    Row {
        what,
        rights,
        ip,
        country,
        origin: None,
        referer: None,
        expect,
    }
}

const fn site(
    what: &'static str,
    rights: &'static str,
    origin: Option<&'static str>,
    referer: Option<&'static str>,
    expect: Result<&'static str, (&'static str, &'static str)>,
) -> Row {
    Row {
        what,
        rights,
        ip: "192.0.2.1",
        country: Some("FR"),
        origin,
        referer,
        expect,
    }
}

const ROWS: &[Row] = &[
    // Geography: an address or range beats a country, a country beats the global rule.
    row(
        "1 allowed IP inside a blocked country plays",
        r#"{"geo":{"blocked_countries":["US"]},"ip":{"allowed":["203.0.113.7"]}}"#,
        "203.0.113.7",
        Some("US"),
        Ok("ip 203.0.113.7 allowed"),
    ),
    row(
        "2 blocked IP inside an allowed country does not",
        r#"{"geo":{"allowed_countries":["FR"]},"ip":{"blocked":["198.51.100.0/24"]}}"#,
        "198.51.100.9",
        Some("FR"),
        Err(("CLIENT_IP", "ip 198.51.100.0/24 blocked")),
    ),
    row(
        "3 global block with an allowed country: that country plays",
        r#"{"geo":{"global":"block_all","allowed_countries":["FR"]}}"#,
        "192.0.2.1",
        Some("FR"),
        Ok("country FR allowed"),
    ),
    row(
        "4 global block with an allowed country: any other does not",
        r#"{"geo":{"global":"block_all","allowed_countries":["FR"]}}"#,
        "192.0.2.1",
        Some("DE"),
        Err(("CLIENT_GEO", "global block_all")),
    ),
    row(
        "5 global allow with a blocked country: that country does not",
        r#"{"geo":{"global":"allow_all","blocked_countries":["DE"]}}"#,
        "192.0.2.1",
        Some("DE"),
        Err(("CLIENT_GEO", "country DE blocked")),
    ),
    row(
        "6 global allow with a blocked country: any other plays",
        r#"{"geo":{"global":"allow_all","blocked_countries":["DE"]}}"#,
        "192.0.2.1",
        Some("FR"),
        Ok("global allow_all"),
    ),
    row(
        "7 allowed countries without a global rule: only they play",
        r#"{"geo":{"allowed_countries":["FR"]}}"#,
        "192.0.2.1",
        Some("DE"),
        Err((
            "CLIENT_GEO",
            "country DE: not in the allowed countries or addresses",
        )),
    ),
    row(
        "8 allowed countries and an unknown country: refused",
        r#"{"geo":{"allowed_countries":["FR"]}}"#,
        "10.0.0.1",
        None,
        Err((
            "CLIENT_GEO",
            "unknown country: not in the allowed countries or addresses",
        )),
    ),
    row(
        "9 blocked countries only and an unknown country: plays",
        r#"{"geo":{"blocked_countries":["DE"]}}"#,
        "10.0.0.1",
        None,
        Ok("no geography rule"),
    ),
    row(
        "10 global block and an unknown country: refused",
        r#"{"geo":{"global":"block_all"}}"#,
        "10.0.0.1",
        None,
        Err(("CLIENT_GEO", "global block_all")),
    ),
    row(
        "11 allowed address inside a blocked range plays (longest prefix)",
        r#"{"ip":{"allowed":["10.1.2.3"],"blocked":["10.0.0.0/8"]}}"#,
        "10.1.2.3",
        None,
        Ok("ip 10.1.2.3 allowed"),
    ),
    row(
        "12 blocked range inside an allowed range does not (longest prefix)",
        r#"{"ip":{"allowed":["10.0.0.0/8"],"blocked":["10.1.0.0/16"]}}"#,
        "10.1.2.3",
        None,
        Err(("CLIENT_IP", "ip 10.1.0.0/16 blocked")),
    ),
    row(
        "13 allowed IPs only: every other address is refused",
        r#"{"ip":{"allowed":["2001:db8::/32"]}}"#,
        "2001:db9::1",
        Some("FR"),
        Err((
            "CLIENT_IP",
            "country FR: not in the allowed countries or addresses",
        )),
    ),
    row(
        "14 global block with an allowed IPv6 range: that range plays",
        r#"{"geo":{"global":"block_all"},"ip":{"allowed":["2001:db8::/32"]}}"#,
        "2001:db8::5",
        Some("DE"),
        Ok("ip 2001:db8::/32 allowed"),
    ),
    row(
        "15 an IPv4-mapped client is matched as IPv4",
        r#"{"geo":{"allowed_countries":["FR"]},"ip":{"blocked":["192.0.2.0/24"]}}"#,
        "::ffff:192.0.2.5",
        Some("FR"),
        Err(("CLIENT_IP", "ip 192.0.2.0/24 blocked")),
    ),
    row(
        "16 no rules: everything plays",
        r#"{}"#,
        "192.0.2.1",
        None,
        Ok(""),
    ),
    // Stage order: geography, then schedule, then domains; the first refusal is reported.
    row(
        "17 geography is checked before the schedule",
        r#"{"geo":{"global":"block_all"},"schedule":{"ends_at":"2026-01-01T00:00:00Z"}}"#,
        "192.0.2.1",
        Some("FR"),
        Err(("CLIENT_GEO", "global block_all")),
    ),
    site(
        "18 the schedule is checked before domains",
        r#"{"schedule":{"starts_at":"2027-01-01T00:00:00Z"},"domains":{"allowed":["example.com"]}}"#,
        Some("https://evil.test"),
        None,
        Err(("VIDEO_NOT_PLAYABLE", "before the schedule starts")),
    ),
    row(
        "19 after the end",
        r#"{"schedule":{"starts_at":"2026-01-01T00:00:00Z","ends_at":"2026-06-01T12:00:00Z"}}"#,
        "192.0.2.1",
        None,
        Err(("VIDEO_NOT_PLAYABLE", "after the schedule ends")),
    ),
    row(
        "20 between start and end",
        r#"{"schedule":{"starts_at":"2026-06-01T12:00:00Z","ends_at":"2026-06-01T12:00:01Z"}}"#,
        "192.0.2.1",
        None,
        Ok("within the schedule"),
    ),
    // Domains: the most specific entry decides; Origin, else Referer.
    site(
        "21 an allowed wildcard site plays",
        r#"{"domains":{"allowed":["*.example.com"]}}"#,
        Some("https://www.example.com"),
        None,
        Ok("site *.example.com allowed"),
    ),
    site(
        "22 a site outside the allowed sites does not",
        r#"{"domains":{"allowed":["*.example.com"]}}"#,
        Some("https://example.com.evil.test"),
        None,
        Err((
            "DOMAIN",
            "site \"example.com.evil.test\" not in the allowed sites",
        )),
    ),
    site(
        "23 a blocked host beats an allowed wildcard",
        r#"{"domains":{"allowed":["*.example.com"],"blocked":["ads.example.com"]}}"#,
        Some("https://ads.example.com"),
        None,
        Err(("DOMAIN", "site ads.example.com blocked")),
    ),
    site(
        "24 an allowed host beats a blocked wildcard",
        r#"{"domains":{"allowed":["player.example.com"],"blocked":["*.example.com"]}}"#,
        Some("https://player.example.com:8443"),
        None,
        Ok("site player.example.com allowed"),
    ),
    site(
        "25 without Origin the Referer host is used",
        r#"{"domains":{"allowed":["example.com"]}}"#,
        None,
        Some("https://example.com/watch?v=7"),
        Ok("site example.com allowed"),
    ),
    site(
        "26 Origin wins over Referer",
        r#"{"domains":{"allowed":["example.com"]}}"#,
        Some("https://evil.test"),
        Some("https://example.com/"),
        Err(("DOMAIN", "site \"evil.test\" not in the allowed sites")),
    ),
    site(
        "27 no origin with allowed sites: refused by default",
        r#"{"domains":{"allowed":["example.com"]}}"#,
        None,
        None,
        Err(("DOMAIN", "no origin, denied")),
    ),
    site(
        "28 no origin with allowed sites and missing_origin allow: plays",
        r#"{"domains":{"allowed":["example.com"],"missing_origin":"allow"}}"#,
        None,
        None,
        Ok("no origin, allowed"),
    ),
    site(
        "29 no origin with blocked sites only: plays by default",
        r#"{"domains":{"blocked":["evil.test"]}}"#,
        Some("null"),
        None,
        Ok("no origin, allowed"),
    ),
    site(
        "30 no origin with blocked sites only and missing_origin deny: refused",
        r#"{"domains":{"blocked":["evil.test"],"missing_origin":"deny"}}"#,
        None,
        None,
        Err(("DOMAIN", "no origin, denied")),
    ),
];

#[test]
fn every_row_of_the_precedence_table_holds() {
    let now = NumericDate::from_secs(NOW).unwrap();
    for row in ROWS {
        let rights = PlaybackRights::from_json("acct-1", "rights-1", row.rights.as_bytes())
            .unwrap_or_else(|e| panic!("{}: {e}", row.what));
        let ip: IpAddr = row.ip.parse().unwrap();
        let country = row.country.map(|c| CountryCode::parse(c).unwrap());
        let mut request = RightsRequest::new(ip, country, now);
        if let Some(origin) = row.origin {
            request = request.with_origin(origin);
        }
        if let Some(referer) = row.referer {
            request = request.with_referer(referer);
        }
        let outcome = rights.evaluate(&request);
        let got = match &outcome {
            RightsOutcome::Allowed { matched } => {
                Ok(matched.first().map(ToString::to_string).unwrap_or_default())
            }
            RightsOutcome::Denied(denial) => {
                Err((denial.rule.vendor_subcode(), denial.matched.to_string()))
            }
        };
        let want = row
            .expect
            .map(str::to_owned)
            .map_err(|(code, m)| (code, m.to_owned()));
        assert_eq!(got, want, "row {}", row.what);
        // Evaluation has no hidden state: the same request, the same answer.
        assert_eq!(rights.evaluate(&request), outcome, "row {}", row.what);
    }
}

#[test]
fn a_rights_denial_is_a_deny_reason_with_a_stable_code() {
    let rights = PlaybackRights::from_json(
        "acct-1",
        "r",
        br#"{"geo":{"global":"block_all"},"ip":{"blocked":["192.0.2.0/24"]},
             "domains":{"allowed":["example.com"]},"schedule":{"ends_at":"2020-01-01T00:00:00Z"}}"#,
    )
    .unwrap();
    let now = NumericDate::from_secs(NOW).unwrap();
    let cases = [
        ("192.0.2.1", None, "ip_restricted", "CLIENT_IP"),
        ("198.51.100.1", None, "geo_restricted", "CLIENT_GEO"),
    ];
    for (ip, origin, code, vendor) in cases {
        let mut request = RightsRequest::new(ip.parse().unwrap(), None, now);
        if let Some(origin) = origin {
            request = request.with_origin(origin);
        }
        let denial = rights.evaluate(&request).denial().cloned().unwrap();
        assert_eq!(denial.rule.vendor_subcode(), vendor);
        let reason = playback_auth_policy::DenyReason::PlaybackRights(denial);
        assert_eq!(reason.code(), code);
        assert!(reason.to_string().contains(vendor), "{reason}");
    }
    let open_geo = PlaybackRights::from_json(
        "acct-1",
        "r",
        br#"{"domains":{"allowed":["example.com"]},"schedule":{"ends_at":"2020-01-01T00:00:00Z"}}"#,
    )
    .unwrap();
    let request = RightsRequest::new("192.0.2.1".parse().unwrap(), None, now);
    let reason = playback_auth_policy::DenyReason::PlaybackRights(
        open_geo.evaluate(&request).denial().cloned().unwrap(),
    );
    assert_eq!(reason.code(), "outside_schedule");
    let in_time =
        PlaybackRights::from_json("acct-1", "r", br#"{"domains":{"allowed":["example.com"]}}"#)
            .unwrap();
    let reason = playback_auth_policy::DenyReason::PlaybackRights(
        in_time
            .evaluate(&request.with_origin("https://evil.test"))
            .denial()
            .cloned()
            .unwrap(),
    );
    assert_eq!(reason.code(), "domain_restricted");
}
