//! Help for every subcommand, and clap's usage errors exit 2.

use crate::common::run;

#[test]
fn every_subcommand_has_help() {
    for subcommand in ["keygen", "mint", "verify", "inspect"] {
        let stdout = run(&[subcommand, "--help"]).success();
        assert!(
            stdout.contains(&format!("Usage: playback-auth {subcommand}")),
            "{stdout}"
        );
        assert!(stdout.contains("Exit status"), "{subcommand}: {stdout}");
    }
    let stdout = run(&["--help"]).success();
    for subcommand in ["keygen", "mint", "verify", "inspect"] {
        assert!(stdout.contains(subcommand), "{stdout}");
    }
}

#[test]
fn version_prints_and_exits_0() {
    let stdout = run(&["--version"]).success();
    assert!(stdout.starts_with("playback-auth "), "{stdout}");
}

#[test]
fn usage_errors_exit_2() {
    run(&[]).expect_code(2);
    run(&["frobnicate"]).expect_code(2);
    run(&["verify", "--bogus-flag", "x"]).expect_code(2);
    run(&["inspect"]).expect_code(2);
    run(&["inspect", "a.b.c", "extra"]).expect_code(2);
    run(&["mint"]).expect_code(2);
}
