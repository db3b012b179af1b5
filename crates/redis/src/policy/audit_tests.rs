//! The audit record the apply script writes: its JSON pieces and its deny codes.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::net::{IpAddr, Ipv4Addr};
use std::num::NonZeroU32;
use std::time::Duration;

use playback_auth_claims::{ConcurrencyBehavior, NumericDate, Uid};
use playback_auth_policy::{
    AuditDecision, AuditRecord, DecisionPlan, DenyReason, DevicePlan, Partition, SessionPlan,
    TokenDigest, TokenPlan,
};

use super::parse_apply_reply;
use crate::audit::record_parts;

fn record() -> AuditRecord {
    AuditRecord::new(
        NumericDate::from_secs_f64(1_700_000_000.25).unwrap(),
        "acct \"quoted\"",
        IpAddr::V4(Ipv4Addr::LOCALHOST),
        "Player/1",
        "video-7",
        AuditDecision::Allow,
    )
    .with_token_digest(TokenDigest::of_token("h.p.s"))
    .with_uid("viewer-1")
}

#[test]
fn the_scripts_record_is_the_record_the_engine_would_write() {
    for allowed_reason in [None, Some("degraded")] {
        let mut allowed = record();
        if let Some(reason) = allowed_reason {
            allowed = allowed.with_reason(reason);
        }
        let (head, tail) = record_parts(&allowed).unwrap();
        assert_eq!(
            format!("{head}{tail}"),
            serde_json::to_string(&allowed).unwrap()
        );
        // What the script writes for a refusal.
        let mut denied = allowed.clone();
        denied.decision = AuditDecision::Deny;
        denied.reason = Some("max_uses_reached".to_owned());
        let written = format!("{head}\"decision\":\"deny\",\"reason\":\"max_uses_reached\"}}");
        assert_eq!(
            serde_json::from_str::<AuditRecord>(&written).unwrap(),
            denied
        );
    }
}

/// The script's table of deny codes agrees with the engine's (`DenyReason::code` of each
/// refusal).
#[test]
fn the_scripts_deny_codes_are_the_engines() {
    let script = include_str!("../scripts/apply.lua");
    let nz = |n| NonZeroU32::new(n).unwrap();
    let plan = DecisionPlan::new(
        Partition::User {
            account: "a".to_owned(),
            uid: Uid::new("u").unwrap(),
        },
        NumericDate::from_secs(1).unwrap(),
    )
    .with_token(
        TokenPlan::new(
            "t",
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            NumericDate::from_secs(9).unwrap(),
        )
        .with_max_uses(nz(1))
        .with_max_ips(nz(1))
        .with_single_use("x"),
    )
    .with_session(SessionPlan::new(
        "s",
        "l",
        nz(1),
        ConcurrencyBehavior::BlockNew,
        Duration::from_secs(1),
    ))
    .with_device(DevicePlan::new("d", nz(1)));
    let codes = [
        "single_use",
        "max_uses",
        "max_ips",
        "session_evicted",
        "stream_limit",
        "device_limit",
    ];
    for code in codes {
        let outcome =
            parse_apply_reply(&plan, vec!["refused".to_owned(), code.to_owned()]).unwrap();
        let playback_auth_policy::Outcome::Refused(refusal) = outcome else {
            panic!("{code}");
        };
        let engine = DenyReason::from(refusal).code();
        let entry = format!("{code} = '{engine}'");
        assert!(script.contains(&entry), "apply.lua lacks {entry}");
    }
}
