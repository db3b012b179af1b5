use std::net::IpAddr;

use http::{HeaderMap, HeaderValue};

use super::TrustedProxies;
use crate::error::ProxyError;
use crate::rejection::Rejection;

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

fn xff(values: &[&str]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for value in values {
        headers.append("x-forwarded-for", HeaderValue::from_str(value).unwrap());
    }
    headers
}

fn proxies() -> TrustedProxies {
    TrustedProxies::new(["10.0.0.0/8", "2001:db8::1"]).unwrap()
}

#[test]
fn an_untrusted_peer_is_the_client_whatever_the_header_says() {
    let found = proxies().client_ip(ip("198.51.100.7"), &xff(&["203.0.113.9"]));
    assert_eq!(found, Ok(ip("198.51.100.7")));
    // Not even parsed: the client wrote it.
    let found = proxies().client_ip(ip("198.51.100.7"), &xff(&["garbage"]));
    assert_eq!(found, Ok(ip("198.51.100.7")));
}

#[test]
fn the_rightmost_untrusted_entry_is_the_client() {
    let headers = xff(&["1.1.1.1, 203.0.113.9", "10.0.0.2"]);
    assert_eq!(
        proxies().client_ip(ip("10.0.0.1"), &headers),
        Ok(ip("203.0.113.9"))
    );
}

#[test]
fn all_trusted_takes_the_leftmost_and_no_header_takes_the_peer() {
    assert_eq!(
        proxies().client_ip(ip("10.0.0.1"), &xff(&["10.9.9.9, 10.0.0.2"])),
        Ok(ip("10.9.9.9"))
    );
    assert_eq!(
        proxies().client_ip(ip("10.0.0.1"), &HeaderMap::new()),
        Ok(ip("10.0.0.1"))
    );
}

#[test]
fn mapped_addresses_compare_as_ipv4() {
    assert_eq!(
        proxies().client_ip(ip("::ffff:10.0.0.1"), &xff(&["::ffff:203.0.113.9"])),
        Ok(ip("203.0.113.9"))
    );
    assert!(proxies().contains(ip("2001:db8::1")));
}

#[test]
fn a_malformed_header_from_a_trusted_peer_is_refused() {
    for value in ["", "1.1.1.1,", "1.1.1.1:80", "not-an-ip", "1.1.1.1;2.2.2.2"] {
        assert_eq!(
            proxies().client_ip(ip("10.0.0.1"), &xff(&[value])),
            Err(Rejection::MalformedForwardedFor),
            "{value:?}"
        );
    }
    let mut headers = HeaderMap::new();
    headers.insert(
        "x-forwarded-for",
        HeaderValue::from_bytes(b"1.1.1.1\xff").unwrap(),
    );
    assert_eq!(
        proxies().client_ip(ip("10.0.0.1"), &headers),
        Err(Rejection::MalformedForwardedFor)
    );
}

#[test]
fn bad_entries_are_typed_errors() {
    assert_eq!(
        TrustedProxies::new(["10.0.0.0/8", "10.0.0.0/33"]),
        Err(ProxyError::InvalidNetwork {
            value: "10.0.0.0/33".into()
        })
    );
    assert!(
        TrustedProxies::new(Vec::<String>::new())
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        format!("{:?}", TrustedProxies::new(["10.1.2.3/8"]).unwrap()),
        r#"["10.0.0.0/8"]"#
    );
}
