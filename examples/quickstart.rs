//! The main job on the embedded default: build a playback restriction claim set for one user
//! and one video, validate it, and print it.
//!
//! ```text
//! cargo run --example quickstart
//! ```
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use playback_auth::claims::{
    ClaimSet, NumericDate, PlaybackRestrictionClaims, SecurityLevel, TimeWindow,
};

fn main() -> ExitCode {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let Some(now) = i64::try_from(secs).ok().and_then(NumericDate::from_secs) else {
        eprintln!("the system clock is outside 1970..9999");
        return ExitCode::FAILURE;
    };

    // One user, one video, two concurrent streams and two devices, valid for one hour.
    let built = PlaybackRestrictionClaims::builder("acct-1", now)
        .content_id("video-7")
        .user("viewer-42")
        .concurrent_streams(2)
        .device_limit(2)
        .max_uses(20)
        .valid_for(Duration::from_secs(3600))
        .build();
    let claims = match built {
        Ok(claims) => claims,
        Err(violations) => {
            eprintln!("invalid claims: {violations}");
            return ExitCode::FAILURE;
        }
    };

    let level = claims.validate_for_level(SecurityLevel::Three);
    let times = claims.time_claims().check_at(&TimeWindow::at(now));
    match serde_json::to_string_pretty(&claims) {
        Ok(json) => println!("claims:\n{json}"),
        Err(error) => {
            eprintln!("cannot encode claims: {error}");
            return ExitCode::FAILURE;
        }
    }
    println!(
        "rules: ok; security level 3: {}",
        if level.is_ok() { "ok" } else { "refused" }
    );
    println!(
        "time window now: {}",
        if times.is_empty() { "valid" } else { "invalid" }
    );

    // The same rules refuse a broken claim set, naming every problem at once.
    let broken = PlaybackRestrictionClaims::builder("acct-1", now)
        .user("not a valid uid")
        .concurrent_streams(0)
        .valid_for(Duration::from_secs(60 * 24 * 3600))
        .build();
    if let Err(violations) = broken {
        println!(
            "a broken claim set is refused ({} problems):",
            violations.len()
        );
        for violation in &violations {
            println!("  - {violation}");
        }
    }
    ExitCode::SUCCESS
}
