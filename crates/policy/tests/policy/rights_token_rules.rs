//! In-token `accessRules` (first match wins), their combination with server-side rights,
//! and which rights apply (`prid` of the token's own account, else the catalogue's).

#![allow(clippy::unwrap_used)]

use playback_auth_claims::{AccessRules, CountryCode, NumericDate, RuleAction};
use playback_auth_policy::{
    PlaybackRights, RightsOutcome, RightsRequest, RightsRule, RightsSelection, RuleMatch,
    evaluate_access_rules, evaluate_rights, select_rights,
};
use serde_json::json;

fn now() -> NumericDate {
    NumericDate::from_secs(1_780_315_200).unwrap()
}

fn request(ip: &str, country: Option<&str>) -> RightsRequest<'static> {
    RightsRequest::new(
        ip.parse().unwrap(),
        country.map(|c| CountryCode::parse(c).unwrap()),
        now(),
    )
}

fn rules() -> AccessRules {
    AccessRules::from_json(json!([
        { "type": "ip.src", "action": "block", "ip": ["203.0.113.0/24", "2001:db8:bad::/48"] },
        { "type": "ip.src", "action": "allow", "ip": ["198.51.100.7"] },
        { "type": "ip.geoip.country", "action": "allow", "country": ["FR", "BE"] },
        { "type": "any", "action": "block" }
    ]))
    .unwrap()
}

#[test]
fn the_first_matching_rule_decides() {
    let rules = rules();
    // `Ok(allowing rule)` or `Err((family, refusing rule))`.
    type Expected = Result<usize, (RightsRule, usize)>;
    let cases: [(&str, Option<&str>, Expected); 7] = [
        // A blocked range refuses even inside an allowed country: it comes first.
        ("203.0.113.9", Some("FR"), Err((RightsRule::ClientIp, 0))),
        (
            "::ffff:203.0.113.9",
            Some("FR"),
            Err((RightsRule::ClientIp, 0)),
        ),
        (
            "2001:db8:bad:1::1",
            Some("BE"),
            Err((RightsRule::ClientIp, 0)),
        ),
        ("198.51.100.7", Some("US"), Ok(1)),
        ("192.0.2.1", Some("BE"), Ok(2)),
        ("192.0.2.1", Some("US"), Err((RightsRule::ClientGeo, 3))),
        // Unknown country: no country rule matches, the catch-all refuses.
        ("192.0.2.1", None, Err((RightsRule::ClientGeo, 3))),
    ];
    for (ip, country, expected) in cases {
        let outcome = evaluate_access_rules(&rules, &request(ip, country));
        let got = match outcome {
            RightsOutcome::Allowed { matched } => match matched.as_slice() {
                [
                    RuleMatch::TokenRule {
                        index,
                        action: RuleAction::Allow,
                    },
                ] => Ok(*index),
                other => panic!("{ip}: {other:?}"),
            },
            RightsOutcome::Denied(denial) => match denial.matched {
                RuleMatch::TokenRule {
                    index,
                    action: RuleAction::Block,
                } => Err((denial.rule, index)),
                other => panic!("{ip}: {other:?}"),
            },
        };
        assert_eq!(got, expected, "{ip} {country:?}");
    }
}

#[test]
fn a_list_without_a_catch_all_allows_what_it_does_not_match() {
    let rules = AccessRules::from_json(json!([
        { "type": "ip.geoip.country", "action": "block", "country": ["RU"] }
    ]))
    .unwrap();
    assert_eq!(
        evaluate_access_rules(&rules, &request("192.0.2.1", Some("FR"))),
        RightsOutcome::Allowed {
            matched: vec![RuleMatch::NoTokenRuleMatched]
        }
    );
    assert!(!evaluate_access_rules(&rules, &request("192.0.2.1", Some("RU"))).is_allowed());
}

#[test]
fn token_rules_and_server_rights_must_both_allow() {
    let rules = rules();
    let rights =
        PlaybackRights::from_json("acct-1", "eu", br#"{"geo":{"blocked_countries":["BE"]}}"#)
            .unwrap();
    // Allowed by the token (country FR), allowed by the rights: both matches are reported.
    let outcome = evaluate_rights(
        Some(&rights),
        Some(&rules),
        &request("192.0.2.1", Some("FR")),
    );
    assert_eq!(
        outcome,
        RightsOutcome::Allowed {
            matched: vec![
                RuleMatch::TokenRule {
                    index: 2,
                    action: RuleAction::Allow
                },
                RuleMatch::NoGeographyRule,
            ]
        }
    );
    // Allowed by the token, refused by the rights.
    let outcome = evaluate_rights(
        Some(&rights),
        Some(&rules),
        &request("192.0.2.1", Some("BE")),
    );
    assert_eq!(
        outcome.denial().map(|d| (&d.rule, &d.matched)),
        Some((
            &RightsRule::ClientGeo,
            &RuleMatch::CountryBlocked(CountryCode::parse("BE").unwrap())
        ))
    );
    // Refused by the token: the rights are not consulted.
    let outcome = evaluate_rights(
        Some(&rights),
        Some(&rules),
        &request("192.0.2.1", Some("US")),
    );
    assert!(matches!(
        outcome.denial().map(|d| &d.matched),
        Some(RuleMatch::TokenRule { index: 3, .. })
    ));
    // Nothing applies: allowed, nothing matched.
    assert_eq!(
        evaluate_rights(None, None, &request("192.0.2.1", None)),
        RightsOutcome::Allowed { matched: vec![] }
    );
}

#[test]
fn the_token_prid_overrides_the_catalogue_within_its_own_account() {
    assert_eq!(
        select_rights("acct-1", Some("premium"), Some(("acct-1", "default"))),
        RightsSelection::Token {
            account: "acct-1",
            id: "premium"
        }
    );
    assert_eq!(
        select_rights("acct-1", None, Some(("acct-1", "default"))),
        RightsSelection::Catalogue {
            account: "acct-1",
            id: "default"
        }
    );
    assert_eq!(select_rights("acct-1", None, None), RightsSelection::None);
    assert_eq!(
        RightsSelection::None
            .admit(None)
            .unwrap()
            .map(PlaybackRights::id),
        None
    );
}

#[test]
fn rights_of_another_account_are_refused_and_missing_rights_do_not_play_unrestricted() {
    let theirs = PlaybackRights::from_json("acct-2", "premium", b"{}").unwrap();
    let ours = PlaybackRights::from_json("acct-1", "premium", b"{}").unwrap();
    let selection = select_rights("acct-1", Some("premium"), None);
    // A store keyed by id alone handed back another account's object: refused.
    let refused = selection.admit(Some(&theirs)).unwrap_err();
    assert_eq!(refused.rule, RightsRule::ForeignRights);
    assert_eq!(refused.rule.vendor_subcode(), "ACCOUNT_ID");
    assert_eq!(
        refused.matched,
        RuleMatch::RightsOfAnotherAccount {
            id: "premium".into()
        }
    );
    assert_eq!(
        selection
            .admit(Some(&ours))
            .unwrap()
            .map(PlaybackRights::account),
        Some("acct-1")
    );
    // The key a store is asked for is always the token's account.
    assert_eq!(selection.key(), Some(("acct-1", "premium")));
    let missing = selection.admit(None).unwrap_err();
    assert_eq!(missing.rule, RightsRule::UnknownRights);
    assert_eq!(missing.rule.vendor_subcode(), "VIDEO_NOT_PLAYABLE");
    // Without a prid, the catalogue's rights apply.
    let catalogue = select_rights("acct-1", None, Some(("acct-1", "premium")));
    assert_eq!(
        catalogue
            .admit(Some(&ours))
            .unwrap()
            .map(PlaybackRights::id),
        Some("premium")
    );
}
