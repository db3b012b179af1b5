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

mod caps {
    use proptest::prelude::*;

    use super::*;
    use crate::audit::record::cap_text;

    #[test]
    fn every_field_from_a_request_is_capped_and_marked() {
        let long = |c: char| c.to_string().repeat(10_000);
        let record = AuditRecord::new(
            NumericDate::from_secs(1_700_000_000).unwrap(),
            long('a'),
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            long('u'),
            long('c'),
            AuditDecision::Deny,
        )
        .with_uid(long('i'))
        .with_session(long('s'))
        .with_device(long('d'))
        .with_reason(long('r'));
        let ids = [
            Some(&record.account),
            record.uid.as_ref(),
            record.session.as_ref(),
            record.device.as_ref(),
            Some(&record.content),
            record.reason.as_ref(),
        ];
        for id in ids.into_iter().flatten() {
            assert_eq!(id.len(), MAX_AUDIT_ID_LEN);
            assert!(id.ends_with(TRUNCATION_MARKER));
        }
        assert_eq!(record.user_agent.len(), MAX_AUDIT_USER_AGENT_LEN);
        assert!(record.user_agent.ends_with(TRUNCATION_MARKER));
        // The client's 10 KB strings are not kept as spare capacity.
        assert!(record.heap_size() < 2 * 1024, "{}", record.heap_size());
    }

    #[test]
    fn a_field_within_its_cap_is_kept_as_is() {
        let exact = "x".repeat(MAX_AUDIT_ID_LEN);
        assert_eq!(cap_text(exact.clone(), MAX_AUDIT_ID_LEN), exact);
        assert_eq!(full_record().capped(), full_record());
    }

    #[test]
    fn capped_catches_fields_set_directly() {
        let mut record = full_record();
        record.user_agent = "u".repeat(1_000);
        record.session = Some("s".repeat(1_000));
        let record = record.capped();
        assert_eq!(record.user_agent.len(), MAX_AUDIT_USER_AGENT_LEN);
        assert_eq!(record.session.map(|s| s.len()), Some(MAX_AUDIT_ID_LEN));
    }

    #[test]
    fn cuts_fall_on_character_boundaries() {
        // 'é' is 2 bytes: 127 of them (254 bytes) must lose a whole character.
        let capped = cap_text("é".repeat(127), MAX_AUDIT_ID_LEN);
        assert_eq!(capped, format!("{}{TRUNCATION_MARKER}", "é".repeat(62)));
    }

    proptest! {
        #[test]
        fn a_capped_text_fits_and_keeps_a_prefix(text in ".{0,300}", max in 3usize..200) {
            let capped = cap_text(text.clone(), max);
            prop_assert!(capped.len() <= max);
            if text.len() <= max {
                prop_assert_eq!(capped, text);
            } else {
                let kept = capped.strip_suffix(TRUNCATION_MARKER).unwrap();
                prop_assert!(text.starts_with(kept));
                // Idempotent: capping again changes nothing.
                prop_assert_eq!(cap_text(capped.clone(), max), capped);
            }
        }
    }

    #[test]
    fn aggregates_merge_counts_and_widen_their_times() {
        let at = |secs| NumericDate::from_secs(secs).unwrap();
        let mut aggregate = AuditAggregate::refusal(at(1_700_000_030), "acct-1", "token_missing");
        aggregate.merge(&AuditAggregate::refusal(
            at(1_700_000_010),
            "acct-1",
            "token_missing",
        ));
        aggregate.merge(&AuditAggregate {
            count: u64::MAX,
            ..AuditAggregate::refusal(at(1_700_000_039), "acct-1", "token_missing")
        });
        assert_eq!(aggregate.minute, at(1_699_999_980));
        assert_eq!(aggregate.count, u64::MAX);
        assert_eq!(
            (aggregate.first, aggregate.last),
            (at(1_700_000_010), at(1_700_000_039))
        );
        assert_eq!(aggregate.date(), date!(2023 - 11 - 14));
        let long = AuditAggregate::refusal(at(0), "a".repeat(1_000), "r".repeat(1_000));
        assert_eq!(
            (long.account.len(), long.reason.len()),
            (MAX_AUDIT_ID_LEN, MAX_AUDIT_ID_LEN)
        );
    }

    #[test]
    fn aggregate_json_shape() {
        let at = |secs| NumericDate::from_secs(secs).unwrap();
        let aggregate = AuditAggregate::refusal(at(1_700_000_001), "acct-1", "invalid_signature");
        assert_eq!(
            serde_json::to_value(&aggregate).unwrap(),
            json!({
                "account": "acct-1",
                "reason": "invalid_signature",
                "minute": 1_699_999_980,
                "count": 1,
                "first": 1_700_000_001,
                "last": 1_700_000_001,
            })
        );
    }
}
