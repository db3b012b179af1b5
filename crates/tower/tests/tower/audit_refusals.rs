//! Issue 12, items 4 and 8, at the layer: ids that are not 1 to 128 bytes of visible ASCII
//! are `400 invalid_id`; requests refused before a decision (no token, two tokens, a forged
//! token) are counted per account, reason and minute, and nothing is stored for an account
//! without keys; a valid play with a huge user agent is one capped record.

use axum::extract::ConnectInfo;
use axum::http::request::Builder;
use axum::http::{Request, header};
use playback_auth_policy::{MAX_AUDIT_ID_LEN, MAX_AUDIT_USER_AGENT_LEN, TRUNCATION_MARKER};
use playback_auth_tower::MAX_ID_LEN;

use crate::common::*;
use playback_auth_policy::Stores;

/// A GET of `uri` from `peer(1)` with `user_agent`.
fn from_agent(uri: &str, user_agent: &str) -> Builder {
    Request::builder()
        .uri(uri)
        .header(header::USER_AGENT, user_agent)
        .extension(ConnectInfo(peer(1)))
}

#[tokio::test]
async fn ids_that_are_not_short_visible_ascii_are_400_invalid_id() {
    let (authorizer, keys) = authorizer().await;
    let app = app(builder(&authorizer).build());
    let token = keys.restriction(|b| b);
    let too_long = "x".repeat(MAX_ID_LEN + 1);
    let bad_paths = [
        format!("/v1/play/{ACCOUNT}/{too_long}"),
        format!("/v1/play/{too_long}/{CONTENT}"),
        format!("/v1/play/{ACCOUNT}/vid%C3%A9o"),
        format!("/v1/play/{ACCOUNT}/a%20b"),
        format!("/v1/play/a%C2%A0b/{CONTENT}"),
    ];
    for path in &bad_paths {
        let request = request(path).header(header::AUTHORIZATION, format!("Bearer {token}"));
        get_reply(&app, request)
            .await
            .assert_denied(400, "invalid_id");
    }
    for (name, value) in [
        ("x-device-id", too_long.as_str()),
        ("x-device-id", "two words"),
        ("x-session-id", too_long.as_str()),
        ("x-session-id", "a\"b c"),
    ] {
        let reply = get_reply(&app, play(&token).header(name, value)).await;
        reply.assert_denied(400, "invalid_id");
    }
    // At the limit, and every visible ASCII character: still ids.
    let longest = "d".repeat(MAX_ID_LEN);
    get_reply(&app, play(&token).header("x-device-id", &longest))
        .await
        .assert_allowed();
    let visible: String = (0x21u8..=0x7e).map(char::from).collect();
    get_reply(&app, play(&token).header("x-session-id", &visible))
        .await
        .assert_allowed();
    // Refused requests reached no store and left no record.
    assert_eq!(authorizer.stores().audit().len(), 2);
    assert!(authorizer.stores().audit().all_aggregates().is_empty());
}

#[tokio::test]
async fn refusals_before_a_decision_are_counted_per_account_reason_and_minute() {
    let (authorizer, keys) = authorizer().await;
    let app = app(builder(&authorizer).build());
    let token = keys.restriction(|b| b);
    let other = keys.restriction(|b| b.content_id(CONTENT));
    let huge = "U".repeat(100_000);
    for _ in 0..5 {
        // No token.
        let reply = get_reply(&app, from_agent(PLAY, &huge)).await;
        reply.assert_denied(401, "token_missing");
        // Two different tokens.
        let uri = format!("{PLAY}?token={other}");
        let two = from_agent(&uri, &huge).header(header::AUTHORIZATION, format!("Bearer {token}"));
        get_reply(&app, two)
            .await
            .assert_denied(400, "conflicting_tokens");
        // A token that does not verify.
        let forged = from_agent(PLAY, &huge).header(header::AUTHORIZATION, "Bearer x.y.z");
        get_reply(&app, forged)
            .await
            .assert_denied(401, "invalid_base64");
        // The same for an account without keys: refused, nothing stored.
        let stranger = request("/v1/play/nobody/video-7");
        get_reply(&app, stranger)
            .await
            .assert_denied(401, "token_missing");
        let stranger =
            request("/v1/play/nobody/video-7").header(header::AUTHORIZATION, "Bearer x.y.z");
        get_reply(&app, stranger)
            .await
            .assert_denied(401, "invalid_base64");
    }

    let audit = authorizer.stores().audit();
    assert!(audit.is_empty());
    let mut counted: Vec<_> = audit
        .all_aggregates()
        .into_iter()
        .map(|a| {
            assert_eq!((a.first, a.last), (at(0), at(0)));
            (a.account, a.reason, a.count)
        })
        .collect();
    counted.sort();
    let row = |reason: &str| (ACCOUNT.to_owned(), reason.to_owned(), 5);
    assert_eq!(
        counted,
        [
            row("conflicting_tokens"),
            row("invalid_base64"),
            row("token_missing"),
        ]
    );
    assert_eq!(authorizer.engine().unregistered_refusals(), 10);
}

#[tokio::test]
async fn a_valid_play_with_a_huge_user_agent_is_one_capped_record() {
    let (authorizer, keys) = authorizer().await;
    let app = app(builder(&authorizer).build());
    let token = keys.restriction(|b| b);
    let request = from_agent(PLAY, &"U".repeat(100_000))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header("x-device-id", "d".repeat(MAX_ID_LEN));
    get_reply(&app, request).await.assert_allowed();
    let records = authorizer.stores().audit().all_records();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].user_agent.len(), MAX_AUDIT_USER_AGENT_LEN);
    assert!(records[0].user_agent.ends_with(TRUNCATION_MARKER));
    assert_eq!(
        records[0].device.as_ref().map(String::len),
        Some(MAX_AUDIT_ID_LEN)
    );
    assert!(authorizer.stores().audit().stats().bytes < 2 * 1024);
}
