//! Helpers shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use playback_auth_claims::{ClaimSet, Violation};
use serde_json::{Map, Value};

pub(crate) fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

/// `base` with `claim` set to `value`.
pub(crate) fn with(base: &Value, claim: &str, value: Value) -> Map<String, Value> {
    let mut map = object(base.clone());
    map.insert(claim.to_owned(), value);
    map
}

/// Decodes and validates, returning every violation (empty when valid).
pub(crate) fn violations<C: ClaimSet>(object: Map<String, Value>) -> Vec<Violation> {
    match C::from_json_object(object) {
        Ok(claims) => claims
            .validate()
            .err()
            .map(|v| v.into_vec())
            .unwrap_or_default(),
        Err(v) => v.into_vec(),
    }
}

/// A rule case: the claim, a value that passes, a value that fails, and the exact violation.
pub(crate) struct Case {
    pub(crate) claim: &'static str,
    pub(crate) valid: Value,
    pub(crate) invalid: Value,
    pub(crate) expected: Violation,
}

/// Runs every case against `base`: the valid value must give no violation, the invalid one
/// exactly the expected violation.
pub(crate) fn check_cases<C: ClaimSet>(base: &Value, cases: Vec<Case>) {
    assert!(
        violations::<C>(object(base.clone())).is_empty(),
        "base must be valid"
    );
    for case in cases {
        let ok = violations::<C>(with(base, case.claim, case.valid.clone()));
        assert!(
            ok.is_empty(),
            "{} = {} should pass, got {ok:?}",
            case.claim,
            case.valid
        );
        let bad = violations::<C>(with(base, case.claim, case.invalid.clone()));
        assert_eq!(
            bad,
            vec![case.expected],
            "{} = {}",
            case.claim,
            case.invalid
        );
    }
}
