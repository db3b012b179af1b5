//! `inspect` decodes any token, marks its output as not verified, reads stdin and fails
//! cleanly (exit 1) on input that is not a token.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use crate::common::{TempDir, keygen, mint, run, run_with_stdin, segment, with_payload};
use serde_json::Value;

fn inspected(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap()
}

#[test]
fn output_is_marked_not_verified() {
    let dir = TempDir::new("inspect-marked");
    keygen(&dir, "es256");
    let token = mint(&dir, &["--account-id", "acct-1", "--kid", "k1"]);
    let output = inspected(&run(&["inspect", &token]).success());
    assert_eq!(output["verified"], false);
    assert!(
        output["warning"]
            .as_str()
            .unwrap()
            .starts_with("NOT VERIFIED")
    );
    assert_eq!(output["header"], segment(&token, 0));
    assert_eq!(output["payload"], segment(&token, 1));
    assert_eq!(output["signature_bytes"], 64);
}

#[test]
fn forged_tokens_are_shown_but_still_marked() {
    let dir = TempDir::new("inspect-forged");
    keygen(&dir, "es384");
    let token = mint(&dir, &["--account-id", "acct-1"]);
    let forged = with_payload(&token, r#"{"accid":"someone-else"}"#);
    let output = inspected(&run(&["inspect", &forged]).success());
    assert_eq!(output["verified"], false);
    assert_eq!(output["payload"]["accid"], "someone-else");
}

#[test]
fn token_can_come_from_stdin() {
    let dir = TempDir::new("inspect-stdin");
    keygen(&dir, "es256");
    let token = mint(&dir, &["--account-id", "acct-1"]);
    let output = inspected(&run_with_stdin(&["inspect", "-"], &format!("{token}\n")).success());
    assert_eq!(output["payload"], segment(&token, 1));
    assert_eq!(output["verified"], false);
}

#[test]
fn garbage_exits_1_with_a_reason() {
    for garbage in [
        "",
        "garbage",
        "a.b",
        "a.b.c.d",
        "!!!.???.***",
        "e30.e30",
        "e30.bm90IGpzb24.x",
    ] {
        let run = run(&["inspect", garbage]);
        assert!(run.stdout.is_empty(), "{garbage}: {}", run.stdout);
        let line = run.failure_line(1);
        assert!(
            line.starts_with("error: cannot decode token: "),
            "{garbage}: {line}"
        );
    }
    let line = run_with_stdin(&["inspect", "-"], "\u{0}\u{1}\n\u{ff}").failure_line(1);
    assert!(line.starts_with("error: cannot decode token"), "{line}");
}
