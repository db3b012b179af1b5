//! Playback rights: create (with or without an id), list, get, replace, delete, and every
//! way a rights object or request is refused, each with its own code.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use http::{Method, StatusCode};
use serde_json::{Value, json};

use playback_auth_keys::Algorithm;

use crate::common::{Backend, Config, TestKey, request};

const RIGHTS: &str = "/v1/accounts/acct-1/playback_rights";

fn eu_only() -> Value {
    json!({
        "geo": { "global": "block_all", "allowed_countries": ["FR", "BE"] },
        "ip": { "allowed": ["203.0.113.7"] }
    })
}

async fn create_list_get_replace_delete(backend: Backend) {
    let h = backend.harness("rights_crud", &Config::default());
    let mut body = eu_only();
    body["id"] = json!("eu-only");
    let created = h.post(RIGHTS, &body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    // The answer is the stored, normalised form, id first.
    assert_eq!(created.json["id"], "eu-only");
    assert_eq!(
        created.json["geo"],
        json!({ "global": "block_all", "allowed_countries": ["FR", "BE"] })
    );
    let stored_ip = created.json["ip"].clone();
    let fields: Vec<&String> = created.json.as_object().unwrap().keys().collect();
    assert_eq!(fields[0], "id");

    // Without an id, one is generated: 32 hex digits, unique.
    let generated = h.post(RIGHTS, &json!({})).await;
    assert_eq!(generated.status, StatusCode::CREATED, "{}", generated.text);
    let id = generated.json["id"].as_str().unwrap().to_owned();
    assert!(
        id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "{id}"
    );
    let again = h.post(RIGHTS, &json!({})).await;
    assert_ne!(again.json["id"], generated.json["id"]);

    let one = h.get(&format!("{RIGHTS}/eu-only")).await;
    assert_eq!((one.status, &one.json), (StatusCode::OK, &created.json));
    assert_eq!(one.json["ip"], stored_ip);
    // Another node sharing the store reads the same.
    let other = h.get_on(&h.other_node, &format!("{RIGHTS}/eu-only")).await;
    assert_eq!(other.json, created.json);

    let list = h.get(RIGHTS).await;
    assert_eq!(list.status, StatusCode::OK);
    let mut ids: Vec<String> = list
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 3);
    let listed = ids.clone();
    ids.sort();
    assert_eq!(listed, ids, "listed by id");

    // Replace whole: the new body has no ip section, so none is left.
    let replaced = h
        .send(
            Method::PUT,
            &format!("{RIGHTS}/eu-only"),
            Some(&json!({ "geo": { "blocked_countries": ["US"] } })),
        )
        .await;
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.text);
    assert_eq!(
        replaced.json,
        json!({ "id": "eu-only", "geo": { "blocked_countries": ["US"] } })
    );
    assert_eq!(
        h.get(&format!("{RIGHTS}/eu-only")).await.json,
        replaced.json
    );
    // An id in the body must be the path's.
    h.send(
        Method::PUT,
        &format!("{RIGHTS}/eu-only"),
        Some(&json!({ "id": "other" })),
    )
    .await
    .assert_error(StatusCode::BAD_REQUEST, "malformed_json");
    // Replacing nothing is 404, and creates nothing.
    h.send(Method::PUT, &format!("{RIGHTS}/nope"), Some(&json!({})))
        .await
        .assert_error(StatusCode::NOT_FOUND, "rights_not_found");
    h.get(&format!("{RIGHTS}/nope"))
        .await
        .assert_error(StatusCode::NOT_FOUND, "rights_not_found");

    let deleted = h.delete(&format!("{RIGHTS}/eu-only")).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert!(deleted.text.is_empty());
    h.delete(&format!("{RIGHTS}/eu-only"))
        .await
        .assert_error(StatusCode::NOT_FOUND, "rights_not_found");
    h.get(&format!("{RIGHTS}/eu-only"))
        .await
        .assert_error(StatusCode::NOT_FOUND, "rights_not_found");
    assert_eq!(h.get(RIGHTS).await.json.as_array().unwrap().len(), 2);

    // Accounts are separate.
    assert_eq!(
        h.get("/v1/accounts/acct-2/playback_rights").await.json,
        json!([])
    );
    h.get(&format!("/v1/accounts/acct-2/playback_rights/{id}"))
        .await
        .assert_error(StatusCode::NOT_FOUND, "rights_not_found");
}

async fn a_taken_id_and_a_full_account_conflict(backend: Backend) {
    let config = Config {
        rights_per_account: 2,
        ..Config::default()
    };
    let h = backend.harness("rights_conflicts", &config);
    assert_eq!(
        h.post(RIGHTS, &json!({ "id": "a" })).await.status,
        StatusCode::CREATED
    );
    h.post(
        RIGHTS,
        &json!({ "id": "a", "geo": { "allowed_countries": ["FR"] } }),
    )
    .await
    .assert_error(StatusCode::CONFLICT, "rights_already_exist");
    // The refused create changed nothing.
    assert_eq!(
        h.get(&format!("{RIGHTS}/a")).await.json,
        json!({ "id": "a" })
    );
    assert_eq!(
        h.post(RIGHTS, &json!({ "id": "b" })).await.status,
        StatusCode::CREATED
    );
    h.post(RIGHTS, &json!({ "id": "c" }))
        .await
        .assert_error(StatusCode::CONFLICT, "too_many_rights");
    h.post(RIGHTS, &json!({}))
        .await
        .assert_error(StatusCode::CONFLICT, "too_many_rights");
    // Replacing in a full account still works; another account has room.
    let replaced = h
        .send(Method::PUT, &format!("{RIGHTS}/a"), Some(&json!({})))
        .await;
    assert_eq!(replaced.status, StatusCode::OK);
    assert_eq!(
        h.post("/v1/accounts/acct-2/playback_rights", &json!({ "id": "c" }))
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(
        h.delete(&format!("{RIGHTS}/b")).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        h.post(RIGHTS, &json!({ "id": "c" })).await.status,
        StatusCode::CREATED
    );
}

/// Each cause a rights object is refused for has its own code, on create and on replace,
/// and a refused object is never stored.
async fn malformed_rights_are_refused_with_their_cause(backend: Backend) {
    let h = backend.harness("rights_refusals", &Config::default());
    let cases = [
        (
            json!({ "geo": { "allowed_countries": ["XX"] } }),
            "invalid_country",
        ),
        (
            json!({ "geo": { "blocked_countries": ["FRA"] } }),
            "invalid_country",
        ),
        (
            json!({ "ip": { "allowed": ["10.0.0.0/33"] } }),
            "invalid_ip_range",
        ),
        (
            json!({ "ip": { "blocked": ["2001:db8::/129"] } }),
            "invalid_ip_range",
        ),
        (
            json!({ "ip": { "blocked": ["not-an-ip"] } }),
            "invalid_ip_range",
        ),
        (
            json!({ "domains": { "allowed": ["https://example.com"] } }),
            "invalid_domain",
        ),
        (
            json!({ "domains": { "allowed": ["a.*.example.com"] } }),
            "invalid_domain",
        ),
        (
            json!({ "geo": { "allowed_countries": ["FR"], "blocked_countries": ["FR"] } }),
            "allowed_and_blocked",
        ),
        (
            json!({ "schedule": { "starts_at": "2026-02-01T00:00:00Z", "ends_at": "2026-01-01T00:00:00Z" } }),
            "end_not_after_start",
        ),
        (
            json!({ "schedule": { "starts_at": "tomorrow" } }),
            "invalid_instant",
        ),
        (
            json!({ "schedule": { "time_zone": "Mars/Olympus" } }),
            "unknown_time_zone",
        ),
        (
            json!({ "schedule": { "windows": [{ "days": ["mon"], "from": "18:00", "to": "23:00" }] } }),
            "missing_time_zone",
        ),
        (
            json!({ "schedule": { "time_zone": "Europe/Paris",
                                  "windows": [{ "days": ["moon"], "from": "18:00", "to": "23:00" }] } }),
            "invalid_window",
        ),
        (
            json!({ "geo": { "global": "sometimes" } }),
            "malformed_rights",
        ),
        (json!({ "unknown": {} }), "malformed_rights"),
        (json!({ "geo": [] }), "malformed_rights"),
        (json!({ "id": "has space" }), "invalid_rights_id"),
        (json!({ "id": "x".repeat(129) }), "invalid_rights_id"),
    ];
    assert_eq!(
        h.post(RIGHTS, &json!({ "id": "kept" })).await.status,
        StatusCode::CREATED
    );
    for (body, code) in cases {
        h.post(RIGHTS, &body)
            .await
            .assert_error(StatusCode::BAD_REQUEST, code);
        if body.get("id").is_none() {
            h.send(Method::PUT, &format!("{RIGHTS}/kept"), Some(&body))
                .await
                .assert_error(StatusCode::BAD_REQUEST, code);
        }
    }
    // An account the rights cannot belong to.
    h.post("/v1/accounts/acct%201/playback_rights", &json!({}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_account");
    // A body that is not an object, or an id that is not a string.
    for body in [json!([]), json!("x"), json!({ "id": 7 })] {
        h.post(RIGHTS, &body)
            .await
            .assert_error(StatusCode::BAD_REQUEST, "malformed_json");
    }
    let list = h.get(RIGHTS).await;
    assert_eq!(
        list.json,
        json!([{ "id": "kept" }]),
        "nothing refused was stored"
    );
}

/// A list longer than a rights object may hold is `too_many_entries` (the body limit raised
/// so the list reaches the validation).
async fn an_overlong_list_is_too_many_entries(backend: Backend) {
    let config = Config {
        max_body_bytes: Some(1 << 20),
        ..Config::default()
    };
    let h = backend.harness("rights_too_many_entries", &config);
    let ranges = vec!["10.0.0.1"; playback_auth_policy::MAX_RIGHTS_LIST_LEN + 1];
    h.post(RIGHTS, &json!({ "ip": { "blocked": ranges } }))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "too_many_entries");
    // At the limit it is accepted (distinct /32s of 10.0.0.0/16).
    let at_limit: Vec<String> = (0..playback_auth_policy::MAX_RIGHTS_LIST_LEN)
        .map(|i| format!("10.0.{}.{}", i / 256, i % 256))
        .collect();
    let created = h
        .post(
            RIGHTS,
            &json!({ "id": "big", "ip": { "blocked": at_limit } }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let read = h.get(&format!("{RIGHTS}/big")).await;
    assert_eq!(
        read.json["ip"]["blocked"].as_array().unwrap().len(),
        playback_auth_policy::MAX_RIGHTS_LIST_LEN
    );
}

/// Rights changed through the API apply to this node's very next decision, although its
/// authorizer caches rights (for 5 s by default, and the test clock does not move).
async fn a_change_through_the_api_applies_to_the_next_decision(backend: Backend) {
    let h = backend.harness("rights_next_decision", &Config::default());
    let key = TestKey::new(Algorithm::Es256);
    h.register(&key.public_key_txt()).await;
    let now = h.now();
    let token = key.token(now, |claims| claims.playback_rights_id("office"));
    let code = |decision: playback_auth_policy::Decision| {
        decision.deny_reason().map(|reason| reason.code())
    };
    // The request comes from 192.0.2.1.
    let blocked = json!({ "id": "office", "ip": { "blocked": ["192.0.2.0/24"] } });
    assert_eq!(h.post(RIGHTS, &blocked).await.status, StatusCode::CREATED);
    assert_eq!(
        code(h.authorize(&token, &request(now)).await),
        Some("ip_restricted")
    );
    assert_eq!(
        code(h.authorize(&token, &request(now)).await),
        Some("ip_restricted")
    );

    let replaced = h
        .send(
            Method::PUT,
            &format!("{RIGHTS}/office"),
            Some(&json!({ "ip": { "allowed": ["192.0.2.1"] } })),
        )
        .await;
    assert_eq!(replaced.status, StatusCode::OK, "{}", replaced.text);
    assert_eq!(code(h.authorize(&token, &request(now)).await), None);

    assert_eq!(
        h.delete(&format!("{RIGHTS}/office")).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        code(h.authorize(&token, &request(now)).await),
        Some("rights_not_found")
    );
}

on_every_backend!(
    a_change_through_the_api_applies_to_the_next_decision,
    create_list_get_replace_delete,
    a_taken_id_and_a_full_account_conflict,
    malformed_rights_are_refused_with_their_cause,
    an_overlong_list_is_too_many_entries,
);
