//! Key registration: register, list, get, delete, and every way a key or body is refused.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use crate::common::{Backend, Config, TestKey};
use http::{Method, Request, StatusCode};
use playback_auth_keys::Algorithm;
use rsa::pkcs8::{EncodePublicKey, LineEnding};
use serde_json::json;

const KEYS: &str = "/v1/accounts/acct-1/keys";

async fn register_list_get_delete(backend: Backend) {
    let h = backend.harness("register_list_get_delete", &Config::default());
    let es256 = TestKey::new(Algorithm::Es256);
    let rs256 = TestKey::new(Algorithm::Rs256);

    let first = h.register(&es256.public_key_txt()).await;
    assert_eq!(first["type"], "public");
    assert_eq!(first["algorithm"], "ec");
    assert_eq!(first["value"], es256.public_key_txt());
    assert_eq!(first["id"], es256.private.public_key().thumbprint());
    assert_eq!(first["createdAt"], "2023-11-14T22:13:20Z");
    let fields: Vec<&String> = first.as_object().unwrap().keys().collect();
    assert_eq!(fields, ["id", "type", "algorithm", "value", "createdAt"]);

    // PEM, with an explicit id.
    let pem = rs256.private.public_key().to_pem();
    let reply = h
        .post(KEYS, &json!({ "value": pem, "id": "rotation-2" }))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    assert_eq!(reply.json["id"], "rotation-2");
    assert_eq!(reply.json["algorithm"], "rsa");
    assert_eq!(reply.json["value"], rs256.public_key_txt());

    let list = h.get(KEYS).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.json, json!([first.clone(), reply.json.clone()]));

    let one = h.get(&format!("{KEYS}/rotation-2")).await;
    assert_eq!((one.status, &one.json), (StatusCode::OK, &reply.json));

    let deleted = h.delete(&format!("{KEYS}/rotation-2")).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert!(deleted.text.is_empty());
    h.get(&format!("{KEYS}/rotation-2"))
        .await
        .assert_error(StatusCode::NOT_FOUND, "key_not_found");
    h.delete(&format!("{KEYS}/rotation-2"))
        .await
        .assert_error(StatusCode::NOT_FOUND, "key_not_found");
    assert_eq!(h.get(KEYS).await.json, json!([first]));

    // Accounts are separate.
    assert_eq!(h.get("/v1/accounts/acct-2/keys").await.json, json!([]));
}

async fn duplicates_and_a_full_registry_conflict(backend: Backend) {
    let config = Config {
        keys_per_account: 2,
        ..Config::default()
    };
    let h = backend.harness("duplicates_and_a_full_registry_conflict", &config);
    let key = TestKey::new(Algorithm::Es256);
    let record = h.register(&key.public_key_txt()).await;

    h.post(
        KEYS,
        &json!({ "value": key.public_key_txt(), "id": "again" }),
    )
    .await
    .assert_error(StatusCode::CONFLICT, "key_already_registered");
    let other = TestKey::new(Algorithm::Es384);
    h.post(
        KEYS,
        &json!({ "value": other.public_key_txt(), "id": record["id"] }),
    )
    .await
    .assert_error(StatusCode::CONFLICT, "duplicate_key_id");

    h.register(&other.public_key_txt()).await;
    let third = TestKey::new(Algorithm::Es256);
    h.post(KEYS, &json!({ "value": third.public_key_txt() }))
        .await
        .assert_error(StatusCode::CONFLICT, "too_many_keys");
}

async fn bad_keys_are_invalid_key(backend: Backend) {
    let h = backend.harness("bad_keys_are_invalid_key", &Config::default());
    let key = TestKey::new(Algorithm::Es256);
    let private_pem = key.private.to_pkcs8_pem().unwrap().to_string();
    let jwk = key.private.public_key().to_jwk().to_json();
    for value in [
        "not base64 at all!!",
        "AAAA",
        "",
        "-----BEGIN PUBLIC KEY-----\ngarbage\n-----END PUBLIC KEY-----",
        private_pem.as_str(),
        jwk.as_str(),
    ] {
        let reply = h.post(KEYS, &json!({ "value": value })).await;
        reply.assert_error(StatusCode::BAD_REQUEST, "invalid_key");
        // The refused value is not echoed back.
        if value.len() > 8 {
            assert!(!reply.text.contains(value), "{}", reply.text);
        }
    }
    assert_eq!(h.get(KEYS).await.json, json!([]));
}

async fn rsa_1024_is_refused_as_too_small(backend: Backend) {
    let h = backend.harness("rsa_1024_is_refused_as_too_small", &Config::default());
    let private = rsa::PrivateKey::new(&mut getrandom::SysRng, 1024).unwrap();
    let pem = private
        .to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .unwrap();
    let reply = h.post(KEYS, &json!({ "value": pem })).await;
    reply.assert_error(StatusCode::BAD_REQUEST, "invalid_key");
    let message = reply.json["message"].as_str().unwrap();
    assert!(
        message.contains("1024") && message.contains("2048"),
        "{message}"
    );
}

async fn bad_key_ids_are_invalid_key_id(backend: Backend) {
    let h = backend.harness("bad_key_ids_are_invalid_key_id", &Config::default());
    let key = TestKey::new(Algorithm::Es256);
    for id in [
        String::new(),
        "has space".to_owned(),
        "x".repeat(129),
        "tab\t".to_owned(),
    ] {
        h.post(KEYS, &json!({ "value": key.public_key_txt(), "id": id }))
            .await
            .assert_error(StatusCode::BAD_REQUEST, "invalid_key_id");
    }
}

async fn malformed_bodies_are_malformed_json(backend: Backend) {
    let h = backend.harness("malformed_bodies_are_malformed_json", &Config::default());
    let key = TestKey::new(Algorithm::Es256);
    let cases: Vec<(Option<&str>, String)> = vec![
        (Some("application/json"), "{".to_owned()),
        (Some("application/json"), String::new()),
        (Some("application/json"), "[]".to_owned()),
        (Some("application/json"), "{\"id\": \"x\"}".to_owned()),
        (Some("application/json"), "{\"value\": 7}".to_owned()),
        (
            Some("application/json"),
            json!({ "value": key.public_key_txt(), "extra": true }).to_string(),
        ),
        (
            Some("text/plain"),
            json!({ "value": key.public_key_txt() }).to_string(),
        ),
        (None, json!({ "value": key.public_key_txt() }).to_string()),
        (Some("application/json"), "[".repeat(10_000)),
    ];
    for (content_type, body) in cases {
        let mut request = Request::builder().method(Method::POST).uri(KEYS).header(
            "authorization",
            format!("Bearer {}", crate::common::ADMIN_TOKEN),
        );
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let reply = h.raw(request.body(body.into()).unwrap()).await;
        reply.assert_error(StatusCode::BAD_REQUEST, "malformed_json");
    }
    // `charset` is fine.
    let request = Request::builder()
        .method(Method::POST)
        .uri(KEYS)
        .header(
            "authorization",
            format!("Bearer {}", crate::common::ADMIN_TOKEN),
        )
        .header("content-type", "application/json; charset=utf-8")
        .body(json!({ "value": key.public_key_txt() }).to_string().into())
        .unwrap();
    assert_eq!(h.raw(request).await.status, StatusCode::CREATED);
    assert_eq!(h.get(KEYS).await.json.as_array().map(Vec::len), Some(1));
}

/// A `public_key.txt` as `base64(1)` writes it (76 columns, CRLF, a trailing newline),
/// pasted as `value` newlines and all: registered, stored in its one-line form, and the
/// tokens of its key verify.
async fn wrapped_public_key_txt_registers_in_one_line_form(backend: Backend) {
    let h = backend.harness("wrapped_public_key_txt", &Config::default());
    for alg in Algorithm::ALL {
        let key = TestKey::new(alg);
        let one_line = key.public_key_txt();
        let wrapped: String = one_line
            .as_bytes()
            .chunks(76)
            .map(|line| format!("{}\r\n", std::str::from_utf8(line).unwrap()))
            .collect();
        assert!(wrapped.matches("\r\n").count() > 1);
        let record = h.register(&wrapped).await;
        assert_eq!(record["value"], one_line);
        let token = key.token(h.now(), |claims| claims.content_id("video-7"));
        let decision = h.authorize(&token, &crate::common::request(h.now())).await;
        assert!(decision.is_allowed(), "{alg}: {decision:?}");
    }
    // Only whitespace is forgiven.
    let key = TestKey::new(Algorithm::Es256);
    let dotted = key.public_key_txt().replacen('A', ".", 1);
    h.post(KEYS, &json!({ "value": format!("{dotted}\r\n") }))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_key");
}

on_every_backend!(
    register_list_get_delete,
    wrapped_public_key_txt_registers_in_one_line_form,
    duplicates_and_a_full_registry_conflict,
    bad_keys_are_invalid_key,
    rsa_1024_is_refused_as_too_small,
    bad_key_ids_are_invalid_key_id,
    malformed_bodies_are_malformed_json,
);
