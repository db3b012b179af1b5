//! A user's stream sessions and devices: list and remove.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use crate::common::{Backend, Config, Harness, TestKey, request};
use http::StatusCode;
use playback_auth_keys::Algorithm;
use serde_json::json;

const USER: &str = "/v1/accounts/acct-1/users/viewer-42";

/// Two streams of `viewer-42`, each from its own device.
async fn two_streams(h: &Harness) {
    let key = TestKey::new(Algorithm::Es256);
    h.register(&key.public_key_txt()).await;
    let now = h.now();
    let token = key.token(now, |claims| {
        claims
            .user("viewer-42")
            .concurrent_streams(3)
            .device_limit(3)
    });
    for device in ["tv", "phone"] {
        let ctx = request(now)
            .with_device_id(device)
            .with_session_id(format!("session-{device}"));
        let decision = h.authorize(&token, &ctx).await;
        assert!(decision.is_allowed(), "{decision:?}");
    }
}

async fn list_and_end_sessions(backend: Backend) {
    let h = backend.harness("list_and_end_sessions", &Config::default());
    assert_eq!(
        h.get(&format!("{USER}/sessions")).await.json,
        json!({ "sessions": [] })
    );
    two_streams(&h).await;

    let listed = h.get(&format!("{USER}/sessions")).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    let sessions = listed.json["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2, "{}", listed.text);
    let now = h.now().as_secs();
    for session in sessions {
        assert_eq!(session["admittedAt"], json!(now));
        assert!(session["leaseUntil"].as_i64().unwrap() > now);
        assert!(session["location"].is_string());
    }
    let key = sessions[0]["session"].as_str().unwrap().to_owned();

    let ended = h.delete(&format!("{USER}/sessions/{key}")).await;
    assert_eq!(ended.status, StatusCode::NO_CONTENT, "{}", ended.text);
    h.delete(&format!("{USER}/sessions/{key}"))
        .await
        .assert_error(StatusCode::NOT_FOUND, "session_not_found");
    let left = h.get(&format!("{USER}/sessions")).await;
    assert_eq!(left.json["sessions"].as_array().map(Vec::len), Some(1));
}

async fn list_and_remove_devices(backend: Backend) {
    let h = backend.harness("list_and_remove_devices", &Config::default());
    assert_eq!(
        h.get(&format!("{USER}/devices")).await.json,
        json!({ "devices": [] })
    );
    two_streams(&h).await;

    let listed = h.get(&format!("{USER}/devices")).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    let now = h.now().as_secs();
    assert_eq!(
        listed.json,
        json!({ "devices": [
            { "device": "tv", "registeredAt": now },
            { "device": "phone", "registeredAt": now },
        ]})
    );

    assert_eq!(
        h.delete(&format!("{USER}/devices/tv")).await.status,
        StatusCode::NO_CONTENT
    );
    h.delete(&format!("{USER}/devices/tv"))
        .await
        .assert_error(StatusCode::NOT_FOUND, "device_not_found");
    assert_eq!(
        h.get(&format!("{USER}/devices")).await.json,
        json!({ "devices": [{ "device": "phone", "registeredAt": now }] })
    );
    // Another account's user of the same uid has nothing.
    assert_eq!(
        h.get("/v1/accounts/acct-2/users/viewer-42/devices")
            .await
            .json,
        json!({ "devices": [] })
    );
}

async fn invalid_uids_are_400(backend: Backend) {
    let h = backend.harness("invalid_uids_are_400", &Config::default());
    let long = "u".repeat(65);
    for uid in ["bad%20uid", "caf%C3%A9", "a%7Bb%7D", long.as_str()] {
        let user = format!("/v1/accounts/acct-1/users/{uid}");
        for reply in [
            h.get(&format!("{user}/sessions")).await,
            h.delete(&format!("{user}/sessions/s")).await,
            h.get(&format!("{user}/devices")).await,
            h.delete(&format!("{user}/devices/d")).await,
        ] {
            reply.assert_error(StatusCode::BAD_REQUEST, "invalid_uid");
        }
    }
    // A uid may hold `/` (percent-encoded in the path).
    assert_eq!(
        h.get("/v1/accounts/acct-1/users/a%2Fb/devices")
            .await
            .status,
        StatusCode::OK
    );
}

on_every_backend!(
    list_and_end_sessions,
    list_and_remove_devices,
    invalid_uids_are_400,
);
