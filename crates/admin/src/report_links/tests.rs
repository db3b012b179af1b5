#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use super::*;
use proptest::prelude::*;

fn links() -> ReportLinks {
    ReportLinks::new(
        ReportLinkSecret::new([7; 32]).unwrap(),
        "https://admin.example/",
    )
}

fn at(secs: i64) -> NumericDate {
    NumericDate::from_secs(secs).unwrap()
}

const ID: &str = "0123456789abcdef0123456789abcdef";

fn query_of(url: &str) -> &str {
    url.split_once('?').unwrap().1
}

#[test]
fn a_link_checks_until_it_expires() {
    let link = links().sign(ID, "acct 1/ü", at(1000));
    assert_eq!(link.expires, 1900);
    assert!(link.url.starts_with(
        "https://admin.example/v1/audit/accounts/acct%201%2F%C3%BC/executions/0123456789abcdef0123456789abcdef/file?expires=1900&signature="
    ));
    let query = Some(query_of(&link.url));
    assert!(links().check(ID, "acct 1/ü", query, at(1899)).is_ok());
    assert!(matches!(
        links().check(ID, "acct 1/ü", query, at(1900)),
        Err(ApiError::ReportLinkExpired)
    ));
}

#[test]
fn a_link_is_bound_to_its_execution_account_expiry_and_secret() {
    let link = links().sign(ID, "acct-1", at(1000));
    let query = query_of(&link.url);
    let other_id = "1123456789abcdef0123456789abcdef";
    let later = query.replace("expires=1900", "expires=9900");
    let other_secret = ReportLinks::new(ReportLinkSecret::new([8; 32]).unwrap(), "");
    for (links, id, account, query) in [
        (links(), other_id, "acct-1", query.to_owned()),
        (links(), ID, "acct-2", query.to_owned()),
        (links(), ID, "acct-1", later),
        (other_secret, ID, "acct-1", query.to_owned()),
    ] {
        assert!(matches!(
            links.check(id, account, Some(&query), at(1000)),
            Err(ApiError::ReportLinkInvalid)
        ));
    }
}

#[test]
fn malformed_queries_are_invalid_links() {
    let link = links().sign(ID, "acct-1", at(1000));
    let query = query_of(&link.url);
    let signature = query.split_once("signature=").unwrap().1;
    for bad in [
        String::new(),
        "expires=1900".to_owned(),
        format!("signature={signature}"),
        format!("{query}&expires=1900"),
        format!("{query}&x=1"),
        format!("expires=+1900&signature={signature}"),
        format!("expires=1900&signature={}", signature.to_uppercase()),
        format!("expires=1900&signature={}", &signature[1..]),
    ] {
        assert!(
            matches!(
                links().check(ID, "acct-1", Some(&bad), at(1000)),
                Err(ApiError::ReportLinkInvalid)
            ),
            "{bad}"
        );
    }
    assert!(matches!(
        links().check(ID, "acct-1", None, at(1000)),
        Err(ApiError::ReportLinkInvalid)
    ));
}

#[test]
fn short_secrets_are_refused_and_debug_is_redacted() {
    assert_eq!(
        ReportLinkSecret::new([1; 31]).unwrap_err(),
        ReportLinkSecretError::TooShort { len: 31, min: 32 }
    );
    let secret = ReportLinkSecret::new([1; 32]).unwrap();
    assert_eq!(format!("{secret:?}"), "ReportLinkSecret(<redacted>)");
}

proptest! {
    /// Whatever the account, the link's path names it so that the router gives it back.
    #[test]
    fn percent_encoding_round_trips(account in "\\PC{1,40}") {
        let encoded = percent_encode(&account);
        prop_assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)));
        let decoded: Vec<u8> = {
            let bytes = encoded.as_bytes();
            let mut out = Vec::new();
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'%' {
                    out.push(u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap(), 16).unwrap());
                    i += 3;
                } else {
                    out.push(bytes[i]);
                    i += 1;
                }
            }
            out
        };
        prop_assert_eq!(String::from_utf8(decoded).unwrap(), account);
    }
}
