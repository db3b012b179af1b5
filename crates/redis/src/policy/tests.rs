use std::net::{IpAddr, Ipv4Addr};
use std::num::NonZeroU32;
use std::time::Duration;

use playback_auth_claims::{ConcurrencyBehavior, NumericDate, Uid};
use playback_auth_policy::{
    Applied, DecisionPlan, DevicePlan, Outcome, Partition, Refusal, SessionChange, SessionPlan,
    TokenPlan,
};

use super::{active_sessions, apply_args, listed_devices, parse_apply_reply, parse_time, time_arg};
use crate::RedisStore;
use crate::store::Settings;

fn settings() -> Settings {
    Settings {
        timeout: Duration::from_millis(250),
        expiry_margin: Duration::from_secs(60),
        device_retention: None,
        revocation_capacity: 100,
        keys_per_account: 20,
        rights_per_account: 20,
        audit_records_per_day: 10,
        audit_aggregates_per_day: 10,
        audit_in_decision: true,
        audit_batch_interval: None,
    }
}

fn now() -> NumericDate {
    NumericDate::from_secs(1_700_000_000).unwrap()
}

fn plan() -> DecisionPlan {
    let partition = Partition::User {
        account: "acct".to_owned(),
        uid: Uid::new("u").unwrap(),
    };
    DecisionPlan::new(partition, now())
        .with_token(
            TokenPlan::new("t", IpAddr::V4(Ipv4Addr::LOCALHOST), now())
                .with_max_uses(NonZeroU32::new(5).unwrap())
                .with_max_ips(NonZeroU32::new(2).unwrap()),
        )
        .with_session(SessionPlan::new(
            "s",
            "loc",
            NonZeroU32::new(3).unwrap(),
            ConcurrencyBehavior::BlockNewUser,
            Duration::from_secs(120),
        ))
        .with_device(DevicePlan::new("d", NonZeroU32::new(2).unwrap()))
}

fn strings(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn times_round_trip_exactly_including_fractions() {
    for date in [
        now(),
        NumericDate::from_secs_f64(1_700_000_000.123_456_7).unwrap(),
        NumericDate::MAX,
        NumericDate::EPOCH,
    ] {
        assert_eq!(parse_time(&time_arg(date)), Some(date), "{date}");
    }
    assert_eq!(parse_time("nope"), None);
    assert_eq!(parse_time("-1"), None);
}

#[test]
fn apply_args_have_the_script_layout() {
    let args = apply_args(&plan(), &settings());
    assert_eq!(args.len(), 19);
    assert_eq!(args[0], "1700000000");
    assert_eq!(&args[1..5], ["1", "1", "1", "60000"]);
    assert_eq!(&args[6..9], ["5", "2", "127.0.0.1"]);
    assert_eq!(&args[9..11], ["0", ""]);
    assert_eq!(
        &args[11..16],
        ["s", "loc", "3", "block_new_user", "1700000120"]
    );
    assert_eq!(&args[16..19], ["d", "2", "0"]);
    let empty = apply_args(&DecisionPlan::new(plan().partition, now()), &settings());
    assert_eq!(empty.len(), 19);
}

#[test]
fn replies_are_read_with_limits_from_the_plan() {
    let plan = plan();
    let read = |parts: &[&str]| parse_apply_reply(&plan, strings(parts)).unwrap();
    assert_eq!(
        read(&["refused", "single_use"]),
        Outcome::Refused(Refusal::SingleUseAlreadyUsed)
    );
    assert_eq!(
        read(&["refused", "max_uses"]),
        Outcome::Refused(Refusal::MaxUsesReached { limit: 5 })
    );
    assert_eq!(
        read(&["refused", "max_ips"]),
        Outcome::Refused(Refusal::MaxIpsReached { limit: 2 })
    );
    assert_eq!(
        read(&["refused", "session_evicted"]),
        Outcome::Refused(Refusal::SessionEvicted {
            session: "s".to_owned()
        })
    );
    assert_eq!(
        read(&["refused", "stream_limit"]),
        Outcome::Refused(Refusal::StreamLimitReached { limit: 3 })
    );
    assert_eq!(
        read(&["refused", "device_limit"]),
        Outcome::Refused(Refusal::DeviceLimitReached { limit: 2 })
    );
    assert_eq!(
        read(&["applied", "admitted", "1", "4", "old-1", "old-2"]),
        Outcome::Applied(Applied {
            session: Some(SessionChange::Admitted {
                session: "s".to_owned()
            }),
            evicted: strings(&["old-1", "old-2"]),
            device_registered: true,
            uses: Some(4),
        })
    );
}

#[test]
fn malformed_replies_are_typed_errors() {
    let plan = plan();
    for parts in [
        &[][..],
        &["what"],
        &["refused"],
        &["refused", "nope"],
        &["applied", "admitted"],
        &["applied", "sideways", "1", "4"],
        &["applied", "admitted", "1", "many"],
    ] {
        let error = parse_apply_reply(&plan, strings(parts)).unwrap_err();
        assert!(
            matches!(error, crate::RedisStoreError::UnexpectedReply { .. }),
            "{parts:?}"
        );
    }
    // A refusal naming a part the plan does not have is malformed too.
    let token_only = DecisionPlan::new(plan.partition.clone(), now()).with_token(TokenPlan::new(
        "t",
        IpAddr::V4(Ipv4Addr::LOCALHOST),
        now(),
    ));
    assert!(parse_apply_reply(&token_only, strings(&["refused", "device_limit"])).is_err());
    assert!(parse_apply_reply(&token_only, strings(&["refused", "max_uses"])).is_err());
}

#[test]
fn stored_sessions_list_active_ones_oldest_first() {
    let stored = vec![
        (
            "b".to_owned(),
            "1700000000|1|1700000120|loc|with|bars".to_owned(),
        ),
        ("a".to_owned(), "1700000000|0|1700000100|loc".to_owned()),
        ("gone".to_owned(), "1699999000|2|1700000000|loc".to_owned()),
    ];
    let listed = active_sessions(stored, now()).unwrap();
    let keys: Vec<_> = listed.iter().map(|s| s.session_key.as_str()).collect();
    assert_eq!(keys, ["a", "b"]);
    assert_eq!(listed[1].location_key, "loc|with|bars");
    assert!(active_sessions(vec![("x".to_owned(), "garbage".to_owned())], now()).is_err());
}

#[test]
fn stored_devices_list_in_registration_order() {
    let stored = vec![
        ("late".to_owned(), "1700000005|7".to_owned()),
        ("early".to_owned(), "1700000009|2".to_owned()),
    ];
    let listed = listed_devices(stored).unwrap();
    assert_eq!(listed[0].device_id, "early");
    assert_eq!(
        listed[1].registered_at,
        NumericDate::from_secs(1_700_000_005).unwrap()
    );
    assert!(listed_devices(vec![("x".to_owned(), "no-bar".to_owned())]).is_err());
}

#[test]
fn the_builder_refuses_bad_settings_without_touching_the_network() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let bad_prefix = RedisStore::builder("redis://127.0.0.1:1/")
            .key_prefix("a{b")
            .build();
        assert!(matches!(
            bad_prefix,
            Err(crate::RedisStoreError::InvalidKeyPrefix { .. })
        ));
        let empty_prefix = RedisStore::builder("redis://127.0.0.1:1/")
            .key_prefix("")
            .build();
        assert!(matches!(
            empty_prefix,
            Err(crate::RedisStoreError::InvalidKeyPrefix { .. })
        ));
        let zero = RedisStore::builder("redis://127.0.0.1:1/")
            .timeout(Duration::ZERO)
            .build();
        assert!(matches!(
            zero,
            Err(crate::RedisStoreError::InvalidSetting { .. })
        ));
        let bad_url = RedisStore::builder("not a url").build();
        assert!(matches!(
            bad_url,
            Err(crate::RedisStoreError::InvalidUrl(_))
        ));
        // Nothing listens on port 1: building still succeeds (lazily).
        assert!(RedisStore::builder("redis://127.0.0.1:1/").build().is_ok());
    });
    let outside = RedisStore::builder("redis://127.0.0.1:1/").build();
    assert!(matches!(outside, Err(crate::RedisStoreError::NoRuntime)));
}
