use playback_auth_verify::VerifyError;

use super::*;
use crate::{RightsDenial, RightsRule, RuleMatch};

/// The variant's position in [`DenyReason`]. No wildcard arm: a new variant does not compile
/// here until it is numbered, and then the table below must give it a row.
fn variant_index(reason: &DenyReason) -> usize {
    match reason {
        DenyReason::InvalidToken(_) => 0,
        DenyReason::AccountMismatch { .. } => 1,
        DenyReason::ContentMismatch { .. } => 2,
        DenyReason::ChannelMismatch { .. } => 3,
        DenyReason::NotInVids => 4,
        DenyReason::NoMatchingTag => 5,
        DenyReason::UserAgentMismatch => 6,
        DenyReason::OriginNotAllowed { .. } => 7,
        DenyReason::MaxUsesReached { .. } => 8,
        DenyReason::MaxIpsReached { .. } => 9,
        DenyReason::SingleUseAlreadyUsed => 10,
        DenyReason::StreamLimitReached { .. } => 11,
        DenyReason::SessionEvicted { .. } => 12,
        DenyReason::DeviceLimitReached { .. } => 13,
        DenyReason::DeviceIdMissing => 14,
        DenyReason::TokenRevoked => 15,
        DenyReason::ViewerDisconnected => 16,
        DenyReason::StoreUnavailable => 17,
        DenyReason::PlaybackRights(_) => 18,
        DenyReason::SessionUnknown { .. } => 19,
    }
}
const VARIANTS: usize = 20;

fn rights(rule: RightsRule) -> DenyReason {
    DenyReason::PlaybackRights(RightsDenial::new(rule, RuleMatch::GlobalBlockAll))
}

/// The documented table (crate README, "Denial codes"), one row per reason.
fn table() -> Vec<(DenyReason, u16, &'static str, &'static str)> {
    const AD: &str = "ACCESS_DENIED";
    vec![
        (
            DenyReason::InvalidToken(VerifyError::InvalidSignature),
            401,
            AD,
            "TOKEN_VALIDATION",
        ),
        (
            DenyReason::AccountMismatch {
                token_account: "a".into(),
            },
            403,
            AD,
            "ACCOUNT_ID",
        ),
        (
            DenyReason::ContentMismatch {
                token_content: "c".into(),
            },
            401,
            AD,
            "TOKEN_VALIDATION",
        ),
        (
            DenyReason::ChannelMismatch {
                token_channel: "ch".into(),
            },
            401,
            AD,
            "TOKEN_VALIDATION",
        ),
        (DenyReason::NotInVids, 401, AD, "TOKEN_VALIDATION"),
        (DenyReason::NoMatchingTag, 403, AD, "TAGS"),
        (DenyReason::UserAgentMismatch, 401, AD, "TOKEN_VALIDATION"),
        (
            DenyReason::OriginNotAllowed { origin: None },
            403,
            AD,
            "DOMAIN",
        ),
        (
            DenyReason::MaxUsesReached { limit: 1 },
            401,
            AD,
            "TOKEN_VALIDATION",
        ),
        (
            DenyReason::MaxIpsReached { limit: 1 },
            401,
            AD,
            "TOKEN_VALIDATION",
        ),
        (
            DenyReason::SingleUseAlreadyUsed,
            401,
            AD,
            "TOKEN_VALIDATION",
        ),
        (
            DenyReason::StreamLimitReached { limit: 1 },
            403,
            AD,
            "DENIED_BY_STREAM_LIMIT_CREATE",
        ),
        (
            DenyReason::SessionEvicted {
                session: "s".into(),
            },
            403,
            AD,
            "DENIED_BY_STREAM_LIMIT_RENEW",
        ),
        (
            DenyReason::SessionUnknown {
                session: "s".into(),
            },
            403,
            AD,
            "DENIED_BY_STREAM_LIMIT_RENEW",
        ),
        (
            DenyReason::DeviceLimitReached { limit: 1 },
            403,
            AD,
            "DENIED_BY_DEVICE_LIMITING",
        ),
        (
            DenyReason::DeviceIdMissing,
            403,
            AD,
            "DENIED_BY_DEVICE_LIMITING",
        ),
        (DenyReason::TokenRevoked, 401, AD, "TOKEN_VALIDATION"),
        (DenyReason::ViewerDisconnected, 401, AD, "TOKEN_VALIDATION"),
        (
            DenyReason::StoreUnavailable,
            503,
            "SERVICE_UNAVAILABLE",
            "STORE_UNAVAILABLE",
        ),
        (rights(RightsRule::ClientGeo), 403, AD, "CLIENT_GEO"),
        (rights(RightsRule::ClientIp), 403, AD, "CLIENT_IP"),
        (rights(RightsRule::Domain), 403, AD, "DOMAIN"),
        (rights(RightsRule::Schedule), 403, AD, "VIDEO_NOT_PLAYABLE"),
        (
            rights(RightsRule::UnknownRights),
            403,
            AD,
            "VIDEO_NOT_PLAYABLE",
        ),
        (rights(RightsRule::ForeignRights), 403, AD, "ACCOUNT_ID"),
    ]
}

#[test]
fn every_reason_has_its_documented_vendor_pair() {
    let mut covered = [false; VARIANTS];
    for (reason, status, error, subcode) in table() {
        if let Some(seen) = covered.get_mut(variant_index(&reason)) {
            *seen = true;
        }
        assert_eq!(
            reason.vendor_denial(),
            VendorDenial::new(status, error, subcode),
            "{}",
            reason.code()
        );
    }
    assert!(
        covered.iter().all(|c| *c),
        "a reason has no row: {covered:?}"
    );
}

#[test]
fn the_pair_displays_as_the_vendor_writes_it() {
    assert_eq!(
        VendorDenial::TOKEN_REQUIRED.to_string(),
        "401 ACCESS_DENIED TOKEN_REQUIRED"
    );
}
