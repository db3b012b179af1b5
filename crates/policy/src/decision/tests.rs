use std::collections::BTreeSet;

use super::*;

fn every_reason() -> Vec<DenyReason> {
    vec![
        DenyReason::AccountMismatch {
            token_account: "a".into(),
        },
        DenyReason::ContentMismatch {
            token_content: "c".into(),
        },
        DenyReason::ChannelMismatch {
            token_channel: "arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf123456".into(),
        },
        DenyReason::NotInVids,
        DenyReason::NoMatchingTag,
        DenyReason::UserAgentMismatch,
        DenyReason::OriginNotAllowed {
            origin: Some("https://x.example".into()),
        },
        DenyReason::MaxUsesReached { limit: 1 },
        DenyReason::MaxIpsReached { limit: 1 },
        DenyReason::SingleUseAlreadyUsed,
        DenyReason::StreamLimitReached { limit: 1 },
        DenyReason::SessionEvicted {
            session: "s".into(),
        },
        DenyReason::SessionUnknown {
            session: "s".into(),
        },
        DenyReason::DeviceLimitReached { limit: 1 },
        DenyReason::DeviceIdMissing,
        DenyReason::TokenRevoked,
        DenyReason::ViewerDisconnected,
        DenyReason::StoreUnavailable,
    ]
}

#[test]
fn codes_are_unique_snake_case() {
    let reasons = every_reason();
    let codes: BTreeSet<&str> = reasons.iter().map(DenyReason::code).collect();
    assert_eq!(codes.len(), reasons.len());
    for code in codes {
        assert!(
            code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
            "{code}"
        );
    }
}

#[test]
fn display_is_one_line() {
    for reason in every_reason() {
        let line = reason.to_string();
        assert!(!line.is_empty() && !line.contains('\n'), "{line}");
    }
    assert_eq!(
        DenyReason::OriginNotAllowed { origin: None }.to_string(),
        "request has no origin and the token restricts origins"
    );
}

#[test]
fn decision_accessors() {
    let allow = Decision::Allow(Allowed::unchanged());
    assert!(allow.is_allowed());
    assert_eq!(allow.allowed(), Some(&Allowed::default()));
    assert_eq!(allow.deny_reason(), None);
    assert_eq!(allow.to_string(), "allowed");
    assert_eq!(
        Decision::Allow(Allowed::degraded()).to_string(),
        "allowed (degraded: store unavailable)"
    );

    let deny = Decision::Deny(DenyReason::TokenRevoked);
    assert!(!deny.is_allowed());
    assert_eq!(deny.deny_reason(), Some(&DenyReason::TokenRevoked));
    assert_eq!(deny.to_string(), "denied: token was revoked");
}

#[test]
fn session_change_names_its_session() {
    assert_eq!(
        SessionChange::Admitted {
            session: "a".into()
        }
        .session(),
        "a"
    );
    assert_eq!(
        SessionChange::Renewed {
            session: "b".into()
        }
        .session(),
        "b"
    );
}
