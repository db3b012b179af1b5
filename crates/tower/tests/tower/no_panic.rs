//! Arbitrary path, query and header bytes never panic the service and never reach the
//! handler without a decision: every answer is the handler's or a JSON denial.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)] // helpers outside #[test] fns fail the calling test

use std::sync::Arc;

use crate::common::*;
use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Request, Response, StatusCode, Uri};
use proptest::prelude::*;
use tower::{Layer as _, ServiceExt, service_fn};

const HEADERS: [&str; 8] = [
    "authorization",
    "user-agent",
    "origin",
    "x-device-id",
    "x-session-id",
    "x-forwarded-for",
    "x-other",
    "cookie",
];

/// Visible ASCII as it is (so `/`, `?`, `&`, `=`, `%` keep their roles), every other byte
/// percent-encoded: the URI parses and the layer's decoding sees arbitrary bytes.
fn escape(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            b'#' => "%23".to_owned(),
            0x21..=0x7e => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_requests_never_panic(
        path in proptest::collection::vec(any::<u8>(), 0..64),
        query in proptest::collection::vec(any::<u8>(), 0..64),
        headers in proptest::collection::vec((0..HEADERS.len(), proptest::collection::vec(any::<u8>(), 0..48)), 0..6),
        prefix in prop_oneof![Just(""), Just("/v1/play/acct-1/video-7"), Just("/v1/play/")],
        with_token in any::<bool>(),
    ) {
        let rt = runtime();
        rt.block_on(async {
            let (authorizer, keys) = authorizer().await;
            let proxies = playback_auth_tower::TrustedProxies::new(["192.0.2.0/24"]).unwrap();
            let inner = service_fn(|request: Request<Body>| async move {
                assert!(request.extensions().get::<playback_auth_policy::Decision>().is_some());
                Ok::<_, std::convert::Infallible>(Response::new(Body::from("handler")))
            });
            let service = builder(&Arc::clone(&authorizer)).trusted_proxies(proxies).build().layer(inner);

            let mut uri = format!("{prefix}{}", escape(&path));
            if !query.is_empty() {
                uri.push('?');
                uri.push_str(&escape(&query));
            }
            let Ok(uri) = uri.parse::<Uri>() else { return };
            let mut request = request("/").body(Body::empty()).unwrap();
            *request.uri_mut() = uri;
            if with_token {
                let token = keys.restriction(|b| b);
                request.headers_mut().insert("authorization", HeaderValue::from_str(&format!("Bearer {token}")).unwrap());
            }
            for (index, bytes) in headers {
                let Ok(value) = HeaderValue::from_bytes(&bytes) else { continue };
                let name = HeaderName::from_static(HEADERS[index]);
                request.headers_mut().append(name, value);
            }

            let response = service.oneshot(request).await.unwrap();
            let status = response.status();
            let headers = response.headers().clone();
            let bytes = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
            if status == StatusCode::OK {
                assert_eq!(&bytes[..], b"handler");
            } else {
                let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                let code = body["error"].as_str().unwrap().to_owned();
                assert_json_denial(&headers, &body, &code);
            }
        });
    }
}
