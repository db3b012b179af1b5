#![allow(clippy::unwrap_used)]

use super::*;
use serde_json::json;

fn date(secs: i64) -> NumericDate {
    NumericDate::from_secs(secs).unwrap()
}

fn window(now: i64) -> TimeWindow {
    TimeWindow::at(date(now))
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => unreachable!("test objects are objects"),
    }
}

#[test]
fn lifetime_of_exactly_30_days_is_allowed() {
    let times = TimeClaims {
        iat: Some(date(1000)),
        exp: Some(date(1000 + 2_592_000)),
        nbf: None,
    };
    assert_eq!(times.check_lifetime(), None);
}

#[test]
fn lifetime_over_30_days_is_expiry_too_far() {
    let times = TimeClaims {
        iat: Some(date(1000)),
        exp: Some(date(1001 + 2_592_000)),
        nbf: None,
    };
    assert_eq!(
        times.check_lifetime(),
        Some(Violation::ExpiryTooFar {
            iat: date(1000),
            exp: date(1001 + 2_592_000),
            max: 2_592_000
        })
    );
}

#[test]
fn lifetime_needs_both_claims() {
    let only_exp = TimeClaims {
        exp: Some(date(9_000_000)),
        ..TimeClaims::default()
    };
    assert_eq!(only_exp.check_lifetime(), None);
}

#[test]
fn expired_exactly_at_exp_plus_leeway() {
    let times = TimeClaims {
        exp: Some(date(1000)),
        ..TimeClaims::default()
    };
    assert!(times.check_at(&window(1029)).is_empty());
    assert_eq!(
        times.check_at(&window(1030)),
        vec![Violation::Expired {
            exp: date(1000),
            now: date(1030),
            leeway: 30
        }]
    );
}

#[test]
fn leeway_is_configurable() {
    let times = TimeClaims {
        exp: Some(date(1000)),
        ..TimeClaims::default()
    };
    let strict = TimeWindow {
        leeway: Duration::ZERO,
        ..window(1000)
    };
    assert_eq!(times.check_at(&strict).len(), 1);
    let lenient = TimeWindow {
        leeway: Duration::from_secs(100),
        ..window(1099)
    };
    assert!(times.check_at(&lenient).is_empty());
}

#[test]
fn missing_exp_is_rejected_only_when_required() {
    let times = TimeClaims {
        iat: Some(date(1000)),
        ..TimeClaims::default()
    };
    assert_eq!(
        times.check_at(&window(1000)),
        vec![Violation::MissingClaim { claim: "exp" }]
    );
    let optional = TimeWindow {
        require_exp: false,
        ..window(1000)
    };
    assert!(times.check_at(&optional).is_empty());
}

#[test]
fn not_yet_valid_before_nbf_minus_leeway() {
    let times = TimeClaims {
        nbf: Some(date(1000)),
        exp: Some(date(5000)),
        iat: None,
    };
    assert!(times.check_at(&window(970)).is_empty());
    assert_eq!(
        times.check_at(&window(969)),
        vec![Violation::NotYetValid {
            nbf: date(1000),
            now: date(969),
            leeway: 30
        }]
    );
}

#[test]
fn issued_in_the_future_beyond_leeway() {
    let times = TimeClaims {
        iat: Some(date(1000)),
        exp: Some(date(5000)),
        nbf: None,
    };
    assert!(times.check_at(&window(970)).is_empty());
    assert_eq!(
        times.check_at(&window(969)),
        vec![Violation::IssuedInFuture {
            iat: date(1000),
            now: date(969),
            leeway: 30
        }]
    );
}

#[test]
fn fractional_dates_compare_exactly() {
    let times = TimeClaims {
        exp: Some(NumericDate::from_secs_f64(1000.5).unwrap()),
        ..TimeClaims::default()
    };
    let strict = |now: f64| TimeWindow {
        now: NumericDate::from_secs_f64(now).unwrap(),
        leeway: Duration::ZERO,
        require_exp: true,
    };
    assert!(times.check_at(&strict(1000.4)).is_empty());
    assert_eq!(times.check_at(&strict(1000.5)).len(), 1);
}

#[test]
fn reads_time_claims_and_reports_each_bad_one() {
    let ok =
        TimeClaims::from_json_object(&object(json!({"iat": 1, "exp": 2.5, "x": "y"}))).unwrap();
    assert_eq!(ok.iat, Some(date(1)));
    assert_eq!(ok.exp, NumericDate::from_secs_f64(2.5));
    assert_eq!(ok.nbf, None);

    let bad = TimeClaims::from_json_object(&object(json!({"iat": "1", "nbf": true, "exp": -4})))
        .unwrap_err();
    assert_eq!(
        bad.into_vec(),
        vec![
            Violation::WrongType {
                claim: "iat",
                expected: "a number"
            },
            Violation::WrongType {
                claim: "nbf",
                expected: "a number"
            },
            Violation::DateOutOfRange { claim: "exp" },
        ]
    );
}

#[test]
fn exp_at_or_before_iat_is_refused() {
    for exp in [1000, 999, 0] {
        let times = TimeClaims {
            iat: Some(date(1000)),
            exp: Some(date(exp)),
            nbf: None,
        };
        assert_eq!(
            times.check_lifetime(),
            Some(Violation::ExpiryNotAfterIssue {
                iat: date(1000),
                exp: date(exp)
            }),
            "exp {exp}"
        );
    }
    let one_second = TimeClaims {
        iat: Some(date(1000)),
        exp: Some(date(1001)),
        nbf: None,
    };
    assert_eq!(one_second.check_lifetime(), None);
}

#[test]
fn without_iat_exp_is_bounded_by_now_plus_the_lifetime_and_leeway() {
    let now = 1_700_000_000;
    let limit = now + 2_592_000 + 30;
    let times = |exp: i64| TimeClaims {
        iat: None,
        exp: Some(date(exp)),
        nbf: None,
    };
    assert_eq!(times(limit).check_at(&window(now)), vec![]);
    assert_eq!(
        times(limit + 1).check_at(&window(now)),
        vec![Violation::ExpiryTooFarFromNow {
            exp: date(limit + 1),
            now: date(now),
            max: 2_592_000
        }]
    );
    // With `iat` the lifetime rule applies instead: iat + 30 days, wherever that is from now.
    let with_iat = TimeClaims {
        iat: Some(date(now - 20)),
        exp: Some(date(now - 20 + 2_592_000)),
        nbf: None,
    };
    assert_eq!(with_iat.check_at(&window(now - 40)), vec![]);
}
