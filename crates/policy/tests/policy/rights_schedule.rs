//! Schedules with explicit instants: weekly windows in a named zone across a DST change and
//! across midnight, and the absolute start and end.

#![allow(clippy::unwrap_used)]

use playback_auth_claims::NumericDate;
use playback_auth_policy::{PlaybackRights, RightsRequest, RuleMatch};

fn at(instant: &str) -> NumericDate {
    let seconds = instant.parse::<jiff::Timestamp>().unwrap().as_second();
    NumericDate::from_secs(seconds).unwrap()
}

fn rights(schedule: &str) -> PlaybackRights {
    let json = format!(r#"{{"schedule":{schedule}}}"#);
    PlaybackRights::from_json("acct-1", "schedule", json.as_bytes()).unwrap()
}

/// Whether each UTC instant plays.
fn check(rights: &PlaybackRights, cases: &[(&str, bool)]) {
    let ip = "192.0.2.1".parse().unwrap();
    for (instant, plays) in cases {
        let outcome = rights.evaluate(&RightsRequest::new(ip, None, at(instant)));
        assert_eq!(outcome.is_allowed(), *plays, "{instant}: {outcome:?}");
        if !plays {
            let denial = outcome.denial().unwrap();
            assert_eq!(denial.rule.vendor_subcode(), "VIDEO_NOT_PLAYABLE");
        }
    }
}

#[test]
fn weekday_evenings_in_paris_follow_the_wall_clock_across_the_spring_change() {
    let evenings = rights(
        r#"{"time_zone":"Europe/Paris","windows":[
            {"days":["mon","tue","wed","thu","fri"],"from":"18:00","to":"23:00"}]}"#,
    );
    check(
        &evenings,
        &[
            // Friday 27 March 2026, CET (UTC+1).
            ("2026-03-27T16:59:59Z", false), // 17:59:59
            ("2026-03-27T17:00:00Z", true),  // 18:00
            ("2026-03-27T21:59:59Z", true),  // 22:59:59
            ("2026-03-27T22:00:00Z", false), // 23:00
            // Saturday: not a listed day.
            ("2026-03-28T18:00:00Z", false),
            // Monday 30 March 2026, after the change to CEST (UTC+2): the same local hours
            // are an hour earlier in UTC. A fixed +1 offset would get both of these wrong.
            ("2026-03-30T16:00:00Z", true),  // 18:00 CEST
            ("2026-03-30T21:30:00Z", false), // 23:30 CEST
            ("2026-03-30T15:59:59Z", false), // 17:59:59 CEST
        ],
    );
}

#[test]
fn a_night_window_spans_the_spring_gap_and_the_autumn_repeat() {
    // Saturday 22:00 to Sunday 04:00, over the night the clocks go forward (02:00 → 03:00
    // on Sunday 29 March 2026): five real hours that night, six on other weekends.
    let saturday_night = rights(
        r#"{"time_zone":"Europe/Paris","windows":[{"days":["sat"],"from":"22:00","to":"04:00"}]}"#,
    );
    check(
        &saturday_night,
        &[
            ("2026-03-28T20:59:59Z", false), // Sat 21:59:59 CET
            ("2026-03-28T21:00:00Z", true),  // Sat 22:00 CET
            ("2026-03-29T00:30:00Z", true),  // Sun 01:30 CET, the part after midnight
            ("2026-03-29T01:00:00Z", true),  // Sun 03:00 CEST, just after the gap
            ("2026-03-29T01:59:59Z", true),  // Sun 03:59:59 CEST
            ("2026-03-29T02:00:00Z", false), // Sun 04:00 CEST
            ("2026-03-29T21:00:00Z", false), // Sun 23:00 CEST: Sunday is not a start day
        ],
    );
    // Sunday 02:00–03:00 on 25 October 2026 happens twice (03:00 CEST → 02:00 CET): both
    // passes are inside the window.
    let repeated_hour = rights(
        r#"{"time_zone":"Europe/Paris","windows":[{"days":["sun"],"from":"02:00","to":"03:00"}]}"#,
    );
    check(
        &repeated_hour,
        &[
            ("2026-10-24T23:59:59Z", false), // 01:59:59 CEST
            ("2026-10-25T00:30:00Z", true),  // 02:30 CEST, first pass
            ("2026-10-25T01:30:00Z", true),  // 02:30 CET, second pass
            ("2026-10-25T02:00:00Z", false), // 03:00 CET
        ],
    );
}

#[test]
fn a_window_across_midnight_at_the_end_of_the_week_wraps_to_monday() {
    // Sunday 23:00 to Monday 01:00 in New York (EDT, UTC−4, in June).
    let late_sunday = rights(
        r#"{"time_zone":"America/New_York","windows":[{"days":["sun"],"from":"23:00","to":"01:00"}]}"#,
    );
    check(
        &late_sunday,
        &[
            ("2026-06-01T02:59:59Z", false), // Sun 22:59:59
            ("2026-06-01T03:30:00Z", true),  // Sun 23:30
            ("2026-06-01T04:00:00Z", true),  // Mon 00:00
            ("2026-06-01T04:59:59Z", true),  // Mon 00:59:59
            ("2026-06-01T05:00:00Z", false), // Mon 01:00
            ("2026-06-02T03:30:00Z", false), // Mon 23:30: Monday is not a start day
        ],
    );
}

#[test]
fn start_and_end_bound_the_windows_and_say_which_bound_refused() {
    let bounded = rights(
        r#"{"starts_at":"2026-06-01T00:00:00+02:00","ends_at":"2026-06-08T00:00:00+02:00",
            "time_zone":"Europe/Paris","windows":[{"days":["mon","sun"],"from":"00:00","to":"24:00"}]}"#,
    );
    check(
        &bounded,
        &[
            ("2026-05-31T21:59:59Z", false), // before the start (Sunday, in a window)
            ("2026-05-31T22:00:00Z", true),  // the start: Monday 00:00 CEST
            ("2026-06-02T12:00:00Z", false), // Tuesday: no window
            ("2026-06-07T21:59:59Z", true),  // Sunday 23:59:59 CEST
            ("2026-06-07T22:00:00Z", false), // the end
        ],
    );
    let ip = "192.0.2.1".parse().unwrap();
    let before = bounded.evaluate(&RightsRequest::new(ip, None, at("2026-05-01T00:00:00Z")));
    assert_eq!(
        before.denial().map(|d| &d.matched),
        Some(&RuleMatch::BeforeStart)
    );
    let after = bounded.evaluate(&RightsRequest::new(ip, None, at("2026-07-01T00:00:00Z")));
    assert_eq!(
        after.denial().map(|d| &d.matched),
        Some(&RuleMatch::AfterEnd)
    );
    let between = bounded.evaluate(&RightsRequest::new(ip, None, at("2026-06-03T00:00:00Z")));
    assert_eq!(
        between.denial().map(|d| &d.matched),
        Some(&RuleMatch::OutsideWindows)
    );
    let inside = bounded.evaluate(&RightsRequest::new(ip, None, at("2026-06-07T10:00:00Z")));
    assert_eq!(
        inside,
        playback_auth_policy::RightsOutcome::Allowed {
            matched: vec![RuleMatch::InSchedule { window: Some(0) }]
        }
    );
}
