use std::net::{IpAddr, Ipv4Addr};

use playback_auth_claims::NumericDate;
use serde_json::json;
use time::macros::date;

use super::*;
use crate::digest::TokenDigest;

fn full_record() -> AuditRecord {
    AuditRecord::new(
        NumericDate::from_secs(1_700_000_000).unwrap(),
        "acct-1",
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
        "Player/1.0",
        "video-7",
        AuditDecision::Deny,
    )
    .with_uid("viewer-42")
    .with_session("s-1")
    .with_device("d-1")
    .with_token_digest(TokenDigest::from_bytes([0xab; 32]))
    .with_reason("stream_limit_reached")
}

#[test]
fn record_json_shape() {
    let value = serde_json::to_value(full_record()).unwrap();
    assert_eq!(
        value,
        json!({
            "time": 1_700_000_000,
            "account": "acct-1",
            "uid": "viewer-42",
            "session": "s-1",
            "device": "d-1",
            "ip": "192.0.2.1",
            "user_agent": "Player/1.0",
            "content": "video-7",
            "token_digest": "ab".repeat(32),
            "decision": "deny",
            "reason": "stream_limit_reached",
        })
    );
}

#[test]
fn record_round_trips_and_optional_fields_may_be_absent() {
    let record = full_record();
    let line = serde_json::to_string(&record).unwrap();
    assert_eq!(serde_json::from_str::<AuditRecord>(&line).unwrap(), record);

    let minimal: AuditRecord = serde_json::from_value(json!({
        "time": 1_700_000_000,
        "account": "a",
        "ip": "::1",
        "user_agent": "ua",
        "content": "c",
        "decision": "allow",
    }))
    .unwrap();
    assert_eq!(minimal.token_digest, None);
    assert_eq!(minimal.decision, AuditDecision::Allow);
}

#[test]
fn a_bad_digest_or_decision_is_rejected() {
    let mut value = serde_json::to_value(full_record()).unwrap();
    value["token_digest"] = json!("xyz");
    assert!(serde_json::from_value::<AuditRecord>(value.clone()).is_err());
    value["token_digest"] = json!(null);
    value["decision"] = json!("maybe");
    assert!(serde_json::from_value::<AuditRecord>(value).is_err());
}

#[test]
fn record_date_is_the_utc_day() {
    // 2023-11-14T22:13:20Z: still the 14th in UTC.
    assert_eq!(full_record().date(), date!(2023 - 11 - 14));
    let mut record = full_record();
    record.time = NumericDate::from_secs(1_700_006_400).unwrap(); // 2023-11-15T00:00:00Z
    assert_eq!(record.date(), date!(2023 - 11 - 15));
}

#[test]
fn decision_and_status_wire_values() {
    assert_eq!(AuditDecision::Allow.to_string(), "allow");
    assert_eq!(AuditDecision::Deny.as_str(), "deny");
    assert_eq!(ExecutionStatus::Processing.to_string(), "processing");
    assert_eq!(ExecutionStatus::Completed.as_str(), "completed");
}

#[test]
fn oldest_reportable_date_saturates() {
    assert_eq!(oldest_reportable_date(time::Date::MIN), time::Date::MIN);
}
