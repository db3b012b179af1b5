//! Disconnecting a viewer: channel tokens at or below a session version are refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::time::Duration;

use playback_auth_claims::{NumericDate, PlaybackClaims, PrivateChannelClaims, ViewerId};
use playback_auth_policy::{
    MemoryRevocationStore, RevocationStatus, RevocationStore, VerifiedToken,
};

fn at(secs: i64) -> NumericDate {
    NumericDate::from_secs(secs).unwrap()
}

const NOW: i64 = 1_700_000_000;
const ARN: &str = "arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf123456";

fn channel_token(viewer: Option<(&str, Option<i64>)>) -> VerifiedToken {
    let mut builder =
        PrivateChannelClaims::builder(ARN, at(NOW)).valid_for(Duration::from_secs(3600));
    match viewer {
        Some((id, Some(version))) => builder = builder.viewer(id, version),
        Some((id, None)) => builder = builder.claim("aws:viewer-id", id),
        None => {}
    }
    let claims = builder.build().unwrap();
    VerifiedToken::new(PlaybackClaims::Channel(claims), &format!("h.{viewer:?}.s"))
}

#[tokio::test]
async fn sessions_at_or_below_the_version_are_disconnected() {
    let store = MemoryRevocationStore::new();
    let viewer = ViewerId::parse("viewer-1").unwrap();
    store
        .disconnect_viewer("acct-1", &viewer, 3, at(NOW + 3600), at(NOW))
        .await
        .unwrap();

    for (version, expected) in [
        (2, RevocationStatus::ViewerDisconnected),
        (3, RevocationStatus::ViewerDisconnected),
        (4, RevocationStatus::NotRevoked),
    ] {
        let token = channel_token(Some(("viewer-1", Some(version))));
        assert_eq!(
            store.check("acct-1", &token, at(NOW)).await.unwrap(),
            expected,
            "version {version}"
        );
    }
    // A token naming the viewer without a version is disconnected too.
    assert_eq!(
        store
            .check("acct-1", &channel_token(Some(("viewer-1", None))), at(NOW))
            .await
            .unwrap(),
        RevocationStatus::ViewerDisconnected
    );
    // Other viewers, tokens without a viewer, and other accounts are not affected.
    for (account, token) in [
        ("acct-1", channel_token(Some(("viewer-2", Some(1))))),
        ("acct-1", channel_token(None)),
        ("acct-2", channel_token(Some(("viewer-1", Some(1))))),
    ] {
        assert_eq!(
            store.check(account, &token, at(NOW)).await.unwrap(),
            RevocationStatus::NotRevoked
        );
    }
}

#[tokio::test]
async fn reconnecting_and_expiry_end_the_disconnection() {
    let store = MemoryRevocationStore::new();
    let viewer = ViewerId::parse("viewer-1").unwrap();
    let token = channel_token(Some(("viewer-1", Some(1))));

    store
        .disconnect_viewer("acct-1", &viewer, 1, at(NOW + 60), at(NOW))
        .await
        .unwrap();
    assert!(
        store
            .reconnect_viewer("acct-1", &viewer, at(NOW))
            .await
            .unwrap()
    );
    assert_eq!(
        store.check("acct-1", &token, at(NOW)).await.unwrap(),
        RevocationStatus::NotRevoked
    );

    store
        .disconnect_viewer("acct-1", &viewer, 1, at(NOW + 60), at(NOW))
        .await
        .unwrap();
    // Kept until the instant the caller gave, exclusive.
    assert_eq!(
        store.check("acct-1", &token, at(NOW + 59)).await.unwrap(),
        RevocationStatus::ViewerDisconnected
    );
    assert_eq!(
        store.check("acct-1", &token, at(NOW + 60)).await.unwrap(),
        RevocationStatus::NotRevoked
    );
}
