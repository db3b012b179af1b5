//! Device limits (`uid` + `dlimit`): devices are registered on first use, a new device
//! beyond the limit is denied, a request without a device id is denied, and lowering
//! `dlimit` never removes registered devices.

use crate::common::*;
use playback_auth_policy::DenyReason;

#[tokio::test]
async fn devices_register_on_first_use_until_dlimit() {
    let (engine, _) = engine();
    let token = restriction("t", |b| b.user("viewer-1").device_limit(2));
    assert!(
        allowed(
            engine
                .decide(&token, &request(0).with_device_id("d1"))
                .await
        )
        .device_registered
    );
    assert!(
        !allowed(
            engine
                .decide(&token, &request(1).with_device_id("d1"))
                .await
        )
        .device_registered
    );
    assert!(
        allowed(
            engine
                .decide(&token, &request(2).with_device_id("d2"))
                .await
        )
        .device_registered
    );
    let reason = denied(
        engine
            .decide(&token, &request(3).with_device_id("d3"))
            .await,
    );
    assert_eq!(reason, DenyReason::DeviceLimitReached { limit: 2 });
    assert_eq!(reason.code(), "device_limit_reached");
    // Registered devices keep working, long after.
    allowed(
        engine
            .decide(&token, &request(3000).with_device_id("d2"))
            .await,
    );
}

#[tokio::test]
async fn a_request_without_a_device_id_is_denied_before_touching_state() {
    let (engine, store) = engine();
    let token = restriction("t", |b| b.user("viewer-1").device_limit(2).max_uses(5));
    let reason = denied(engine.decide(&token, &request(0)).await);
    assert_eq!(reason, DenyReason::DeviceIdMissing);
    assert_eq!(reason.code(), "device_id_missing");
    assert!(store.snapshot().is_empty());
    // With a device id the same token is fine, and the denied request used nothing.
    let allow = allowed(
        engine
            .decide(&token, &request(1).with_device_id("d1"))
            .await,
    );
    assert_eq!(allow.uses, Some(1));
}

#[tokio::test]
async fn lowering_dlimit_keeps_registered_devices() {
    let (engine, _) = engine();
    let three = restriction("three", |b| b.user("viewer-1").device_limit(3));
    for device in ["d1", "d2", "d3"] {
        allowed(
            engine
                .decide(&three, &request(0).with_device_id(device))
                .await,
        );
    }
    let one = restriction("one", |b| b.user("viewer-1").device_limit(1));
    for device in ["d1", "d2", "d3"] {
        assert!(
            !allowed(
                engine
                    .decide(&one, &request(1).with_device_id(device))
                    .await
            )
            .device_registered
        );
    }
    assert_eq!(
        denied(engine.decide(&one, &request(2).with_device_id("d4")).await),
        DenyReason::DeviceLimitReached { limit: 1 }
    );
    assert_eq!(
        engine
            .devices(ACCOUNT, &uid("viewer-1"))
            .await
            .unwrap()
            .len(),
        3
    );
}

#[tokio::test]
async fn devices_are_counted_per_user() {
    let (engine, _) = engine();
    let alice = restriction("alice", |b| b.user("alice").device_limit(1));
    let bob = restriction("bob", |b| b.user("bob").device_limit(1));
    allowed(
        engine
            .decide(&alice, &request(0).with_device_id("shared"))
            .await,
    );
    allowed(
        engine
            .decide(&bob, &request(0).with_device_id("shared"))
            .await,
    );
    allowed(
        engine
            .decide(&bob, &request(0).with_device_id("shared"))
            .await,
    );
    assert!(matches!(
        denied(
            engine
                .decide(&bob, &request(0).with_device_id("other"))
                .await
        ),
        DenyReason::DeviceLimitReached { .. }
    ));
}
