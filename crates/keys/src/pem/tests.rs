#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use super::*;

#[test]
fn encode_wraps_at_64_and_ends_with_newline() {
    let pem = encode("PUBLIC KEY", &[0xab; 60]); // 80 base64 characters
    let lines: Vec<&str> = pem.lines().collect();
    assert_eq!(lines[0], "-----BEGIN PUBLIC KEY-----");
    assert_eq!(lines[1].len(), 64);
    assert_eq!(lines[2].len(), 80 - 64);
    assert_eq!(lines[3], "-----END PUBLIC KEY-----");
    assert_eq!(lines.len(), 4);
    assert!(pem.ends_with("-----\n"));
}

#[test]
fn encode_of_exactly_one_line_has_no_empty_line() {
    let pem = encode("X", &[1; 48]); // 64 base64 characters
    assert_eq!(pem.lines().count(), 3);
}

#[test]
fn decode_round_trips() {
    let der: Vec<u8> = (0..=255).collect();
    let document = decode(&encode("PRIVATE KEY", &der)).unwrap();
    assert_eq!(document.label, "PRIVATE KEY");
    assert_eq!(*document.der, der);
}

#[test]
fn decode_accepts_crlf_whitespace_and_other_widths() {
    let der = [7u8; 90];
    let crlf = encode("PUBLIC KEY", &der).replace('\n', "\r\n");
    assert_eq!(*decode(&format!("\n  {crlf}  \n")).unwrap().der, der);

    let body = STANDARD.encode(der);
    let (first, second) = body.split_at(76);
    let wide = format!("-----BEGIN PUBLIC KEY-----\n{first}\n{second}\n-----END PUBLIC KEY-----\n");
    assert_eq!(*decode(&wide).unwrap().der, der);
}

#[test]
fn decode_errors_are_typed() {
    let invalid = |text: &str| matches!(decode(text), Err(KeyError::InvalidPem { .. }));
    assert!(invalid(""));
    assert!(invalid("-----BEGIN PUBLIC KEY-----\nAAAA\n"));
    assert!(invalid(
        "-----BEGIN PUBLIC KEY-----\nA*AA\n-----END PUBLIC KEY-----\n"
    ));
    assert!(invalid(
        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
    ));
    assert!(invalid("not pem"));
}

#[test]
fn legacy_encrypted_pem_is_reported_as_encrypted() {
    let text = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n";
    assert!(matches!(decode(text), Err(KeyError::EncryptedPrivateKey)));
}

#[test]
fn split_finds_each_document() {
    let a = encode("PUBLIC KEY", &[1; 10]);
    let b = encode("RSA PUBLIC KEY", &[2; 10]);
    let text = format!("comment\n{a}between\n{b}");
    let documents = split_documents(&text);
    assert_eq!(documents.len(), 2);
    assert_eq!(documents[0], a.trim_end());
    assert_eq!(documents[1], b.trim_end());
}

#[test]
fn split_keeps_an_unterminated_document_for_the_decoder_to_reject() {
    let documents = split_documents("-----BEGIN PUBLIC KEY-----\nAAAA\n");
    assert_eq!(documents, ["-----BEGIN PUBLIC KEY-----\nAAAA\n"]);
    assert!(split_documents("no pem here").is_empty());
    let documents = split_documents("-----BEGIN X-----\n-----END ");
    assert_eq!(documents.len(), 1);
}

#[test]
fn odd_layouts_do_not_panic() {
    for text in [
        "-----BEGIN A-----\n\nAAAA\n-----END A-----",
        "-----BEGIN A-----\n-----END A-----",
        "-----BEGIN A-----\r\n\r\n-----END A-----\r\n",
        "-----BEGIN -----\nAAAA\n-----END -----",
        "-----BEGIN A-----\nAA\nAAAA\n-----END A-----",
        "-----BEGIN A----------END A-----",
        "\u{0}-----BEGIN A-----\nAAAA\n-----END A-----",
    ] {
        let _ = decode(text);
        let _ = split_documents(text);
    }
}
