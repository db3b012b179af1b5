use playback_auth_verify::VerifyError;

use super::*;

#[test]
fn rejections_exit_1_and_usage_errors_exit_2() {
    assert_eq!(
        CliError::Rejected(VerifyError::InvalidSignature).exit_code(),
        1
    );
    assert_eq!(CliError::Undecodable("x".into()).exit_code(), 1);
    assert_eq!(CliError::Usage("x".into()).exit_code(), 2);
    let missing = io::Error::from(io::ErrorKind::NotFound);
    assert_eq!(
        CliError::Read {
            what: "key file k".into(),
            source: missing
        }
        .exit_code(),
        2
    );
}

#[test]
fn rejection_message_is_code_then_reason() {
    let message = CliError::Rejected(VerifyError::InvalidSignature).message();
    assert_eq!(
        message,
        "rejected: invalid_signature: signature does not verify"
    );
}

#[test]
fn messages_include_the_cause_chain() {
    let missing = io::Error::new(io::ErrorKind::NotFound, "gone");
    let message = CliError::Read {
        what: "key file k.pem".into(),
        source: missing,
    }
    .message();
    assert_eq!(message, "error: cannot read key file k.pem: gone");
}

#[test]
fn control_characters_cannot_break_the_line() {
    let message = CliError::Undecodable("a\nb\r\u{1b}[31m".into()).message();
    assert!(!message.contains(['\n', '\r', '\u{1b}']), "{message}");
    assert!(
        message.starts_with("error: cannot decode token: a\\nb"),
        "{message}"
    );
}
