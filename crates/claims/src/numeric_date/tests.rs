#![allow(clippy::unwrap_used)]

use super::*;

#[test]
fn accepts_integer_and_fractional_seconds() {
    assert_eq!(
        NumericDate::from_json(&serde_json::json!(0))
            .unwrap()
            .as_secs(),
        0
    );
    assert_eq!(
        NumericDate::from_json(&serde_json::json!(1.5))
            .unwrap()
            .as_secs_f64(),
        1.5
    );
    let max = NumericDate::from_json(&serde_json::json!(NumericDate::MAX_SECS)).unwrap();
    assert_eq!(max, NumericDate::MAX);
}

#[test]
fn rejects_non_numbers() {
    for value in [
        serde_json::json!("1700000000"),
        serde_json::json!(true),
        serde_json::json!(null),
        serde_json::json!("NaN"),
        serde_json::json!([1]),
        serde_json::json!({"secs": 1}),
    ] {
        assert_eq!(
            NumericDate::from_json(&value),
            Err(NumericDateError::NotANumber),
            "{value}"
        );
    }
}

#[test]
fn rejects_out_of_range_numbers() {
    for text in [
        "-1",
        "-0.5",
        "253402300800",
        "1e300",
        "18446744073709551615",
        "1e20",
    ] {
        let value: Value = serde_json::from_str(text).unwrap();
        assert_eq!(
            NumericDate::from_json(&value),
            Err(NumericDateError::OutOfRange),
            "{text}"
        );
    }
}

#[test]
fn keeps_its_json_form() {
    for text in ["1700000000", "1700000000.0", "1700000000.25"] {
        let date: NumericDate = serde_json::from_str(text).unwrap();
        assert_eq!(serde_json::to_string(&date).unwrap(), text);
    }
}

#[test]
fn integer_and_float_forms_compare_equal() {
    let int: NumericDate = serde_json::from_str("1700000000").unwrap();
    let float: NumericDate = serde_json::from_str("1700000000.0").unwrap();
    assert_eq!(int, float);
    assert!(int < NumericDate::from_secs_f64(1_700_000_000.5).unwrap());
}

#[test]
fn adds_durations_and_saturates() {
    let date = NumericDate::from_secs(10).unwrap();
    assert_eq!(
        date.saturating_add(Duration::from_secs(5)),
        NumericDate::from_secs(15).unwrap()
    );
    assert_eq!(
        date.saturating_add(Duration::from_millis(500))
            .as_secs_f64(),
        10.5
    );
    assert_eq!(
        NumericDate::MAX.saturating_add(Duration::from_secs(1)),
        NumericDate::MAX
    );
    assert_eq!(date.saturating_add(Duration::MAX), NumericDate::MAX);
}

#[test]
fn rounds_both_ways() {
    let date = NumericDate::from_secs_f64(10.25).unwrap();
    assert_eq!(date.as_secs(), 10);
    assert_eq!(date.as_secs_ceil(), 11);
}

#[test]
fn converts_to_and_from_offset_date_time() {
    let date = NumericDate::from_secs(1_700_000_000).unwrap();
    let odt = date.to_offset_date_time();
    assert_eq!(odt.unix_timestamp(), 1_700_000_000);
    assert_eq!(NumericDate::try_from(odt).unwrap(), date);
    let before_epoch = time::OffsetDateTime::UNIX_EPOCH - time::Duration::seconds(1);
    assert_eq!(
        NumericDate::try_from(before_epoch),
        Err(NumericDateError::OutOfRange)
    );
}

#[test]
fn now_reads_the_system_clock_in_whole_seconds() {
    let secs = |time: SystemTime| time.duration_since(UNIX_EPOCH).unwrap().as_secs();
    let before = secs(SystemTime::now());
    let now = NumericDate::now();
    let after = secs(SystemTime::now());
    let read = u64::try_from(now.as_secs()).unwrap();
    assert!(
        (before..=after).contains(&read),
        "{before} <= {read} <= {after}"
    );
    // An integer date: written back as a JSON integer.
    assert_eq!(now.to_json(), serde_json::json!(read));
}

#[test]
fn system_times_outside_the_range_are_clamped() {
    let before_1970 = UNIX_EPOCH - Duration::from_secs(1);
    assert_eq!(
        NumericDate::from_system_time(before_1970).as_secs(),
        NumericDate::EPOCH.as_secs()
    );
    let after_9999 =
        UNIX_EPOCH + Duration::from_secs(u64::try_from(NumericDate::MAX_SECS).unwrap() + 1);
    assert_eq!(
        NumericDate::from_system_time(after_9999).as_secs(),
        NumericDate::MAX_SECS
    );
    let exact = UNIX_EPOCH + Duration::from_millis(1_700_000_000_900);
    assert_eq!(
        NumericDate::from_system_time(exact).as_secs(),
        1_700_000_000
    );
}
