//! Listing and removing a user's registered devices.

use crate::common::*;

#[tokio::test]
async fn devices_are_listed_in_registration_order() {
    let (engine, _) = engine();
    let token = restriction("t", |b| b.user("viewer-1").device_limit(5));
    for (secs, device) in [(0, "zeta"), (5, "alpha"), (9, "mid")] {
        allowed(
            engine
                .decide(&token, &request(secs).with_device_id(device))
                .await,
        );
    }
    let devices = engine.devices(ACCOUNT, &uid("viewer-1")).await.unwrap();
    let ids: Vec<&str> = devices.iter().map(|d| d.device_id.as_str()).collect();
    assert_eq!(ids, ["zeta", "alpha", "mid"]);
    assert_eq!(devices[1].registered_at, at(5));
    assert!(
        engine
            .devices(ACCOUNT, &uid("viewer-2"))
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_removed_device_frees_its_place() {
    let (engine, _) = engine();
    let token = restriction("t", |b| b.user("viewer-1").device_limit(1));
    allowed(
        engine
            .decide(&token, &request(0).with_device_id("old"))
            .await,
    );
    assert!(
        !engine
            .decide(&token, &request(1).with_device_id("new"))
            .await
            .is_allowed()
    );
    assert!(
        engine
            .remove_device(ACCOUNT, &uid("viewer-1"), "old")
            .await
            .unwrap()
    );
    assert!(
        !engine
            .remove_device(ACCOUNT, &uid("viewer-1"), "old")
            .await
            .unwrap()
    );
    assert!(
        allowed(
            engine
                .decide(&token, &request(2).with_device_id("new"))
                .await
        )
        .device_registered
    );
    let ids: Vec<String> = engine
        .devices(ACCOUNT, &uid("viewer-1"))
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.device_id)
        .collect();
    assert_eq!(ids, ["new"]);
}
