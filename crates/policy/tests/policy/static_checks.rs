//! Static checks: `accid`, `conid`, `vids`, `tags`, `ua` and allowed origins, which need no
//! state. Each rule has a request it allows and one it denies.

use crate::common::*;
use playback_auth_policy::{DenyReason, RequestContext};

#[tokio::test]
async fn account_must_match_accid() {
    let (engine, _) = engine();
    let token = restriction("t", |b| b);
    allowed(engine.decide(&token, &request(0)).await);
    let mut other = request(0);
    other.account = "acct-2".to_owned();
    let reason = denied(engine.decide(&token, &other).await);
    assert_eq!(
        reason,
        DenyReason::AccountMismatch {
            token_account: ACCOUNT.to_owned()
        }
    );
    assert_eq!(reason.code(), "account_mismatch");
}

#[tokio::test]
async fn content_must_match_conid() {
    let (engine, _) = engine();
    let token = restriction("t", |b| b.content_id(CONTENT));
    allowed(engine.decide(&token, &request(0)).await);
    let mut other = request(0);
    other.content_id = "video-8".to_owned();
    let reason = denied(engine.decide(&token, &other).await);
    assert_eq!(
        reason,
        DenyReason::ContentMismatch {
            token_content: CONTENT.to_owned()
        }
    );
    assert_eq!(reason.code(), "content_mismatch");
}

#[tokio::test]
async fn content_must_be_in_vids() {
    let (engine, _) = engine();
    let token = restriction("t", |b| b.video_ids(["video-1", CONTENT]));
    allowed(engine.decide(&token, &request(0)).await);
    let mut other = request(0);
    other.content_id = "video-8".to_owned();
    let reason = denied(engine.decide(&token, &other).await);
    assert_eq!(reason, DenyReason::NotInVids);
    assert_eq!(reason.code(), "not_in_vids");
}

#[tokio::test]
async fn content_must_carry_one_of_the_tags() {
    let (engine, _) = engine();
    let token = restriction("t", |b| b.tags(["news", "sports"]));
    allowed(
        engine
            .decide(&token, &request(0).with_content_tags(["kids", "sports"]))
            .await,
    );
    let reason = denied(
        engine
            .decide(&token, &request(0).with_content_tags(["kids"]))
            .await,
    );
    assert_eq!(reason, DenyReason::NoMatchingTag);
    assert_eq!(reason.code(), "no_matching_tag");
    // Untagged content carries none of them.
    assert_eq!(
        denied(engine.decide(&token, &request(0)).await),
        DenyReason::NoMatchingTag
    );
}

#[tokio::test]
async fn user_agent_must_match_ua_exactly() {
    let (engine, _) = engine();
    let token = restriction("t", |b| b.user_agent(UA));
    allowed(engine.decide(&token, &request(0)).await);
    let mut other = request(0);
    other.user_agent = UA.to_lowercase();
    let reason = denied(engine.decide(&token, &other).await);
    assert_eq!(reason, DenyReason::UserAgentMismatch);
    assert_eq!(reason.code(), "user_agent_mismatch");
}

#[tokio::test]
async fn channel_origin_must_be_present_and_allowed() {
    let (engine, _) = engine();
    let token = channel("t", |b| {
        b.allowed_origins("https://a.example, https://b.example")
    });
    allowed(
        engine
            .decide(&token, &request(0).with_origin("https://b.example"))
            .await,
    );
    let reason = denied(
        engine
            .decide(&token, &request(0).with_origin("https://evil.example"))
            .await,
    );
    assert_eq!(
        reason,
        DenyReason::OriginNotAllowed {
            origin: Some("https://evil.example".to_owned())
        }
    );
    assert_eq!(reason.code(), "origin_not_allowed");
    assert_eq!(
        denied(engine.decide(&token, &request(0)).await),
        DenyReason::OriginNotAllowed { origin: None }
    );
}

#[tokio::test]
async fn channel_wildcard_origin_and_absent_claim_allow_any_origin() {
    let (engine, _) = engine();
    let any = channel("any", |b| b.allowed_origins("*"));
    allowed(
        engine
            .decide(&any, &request(0).with_origin("https://x.example"))
            .await,
    );
    let unrestricted = channel("free", |b| b);
    allowed(engine.decide(&unrestricted, &request(0)).await);
    // `*` is any origin, including a request that sends none (a native player).
    allowed(engine.decide(&any, &request(0)).await);
}

/// A request for `content` that the catalogue maps to no channel.
fn uncatalogued(content: &str) -> RequestContext {
    RequestContext::new(ACCOUNT, content, UA, ip(1), at(0))
}

#[tokio::test]
async fn channel_tokens_play_only_their_channel() {
    let (engine, store) = engine();
    let token = channel("t", |b| {
        b.single_use("6f1c1a52-1e2b-4c3d-9e8f-0a1b2c3d4e5f")
    });
    let mismatch = DenyReason::ChannelMismatch {
        token_channel: CHANNEL_ARN.to_owned(),
    };
    for content in [
        CONTENT,
        "AbCdEf123457",
        "abcdef123456",
        "arn:aws:ivs:us-west-2:123456789012:channel/Other1234567",
        "arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf12345",
        "channel/AbCdEf123456",
        "",
    ] {
        let reason = denied(engine.decide(&token, &uncatalogued(content)).await);
        assert_eq!(reason, mismatch, "{content:?}");
        assert_eq!(reason.code(), "channel_mismatch");
    }
    // Another channel in the catalogue is no better.
    let elsewhere = uncatalogued(CONTENT)
        .with_content_channel("arn:aws:ivs:us-west-2:123456789012:channel/Other1234567");
    assert_eq!(denied(engine.decide(&token, &elsewhere).await), mismatch);
    // A denied channel request consumed nothing: the single use is still there.
    assert!(store.snapshot().is_empty());

    // The channel id, the whole ARN, and content the catalogue maps to the ARN all play.
    let (fresh, _) = crate::common::engine();
    let reusable = channel("r", |b| b);
    for ctx in [
        uncatalogued("AbCdEf123456"),
        uncatalogued(CHANNEL_ARN),
        uncatalogued("live-event-9").with_content_channel(CHANNEL_ARN),
    ] {
        allowed(fresh.decide(&reusable, &ctx).await);
    }
}

#[tokio::test]
async fn static_url_tokens_check_account_and_content() {
    let (engine, _) = engine();
    let token = static_url("t", |b| b.content_id(CONTENT));
    allowed(engine.decide(&token, &request(0)).await);
    let mut other_content = request(0);
    other_content.content_id = "video-8".to_owned();
    assert!(matches!(
        denied(engine.decide(&token, &other_content).await),
        DenyReason::ContentMismatch { .. }
    ));
    let mut other_account = request(0);
    other_account.account = "acct-2".to_owned();
    assert!(matches!(
        denied(engine.decide(&token, &other_account).await),
        DenyReason::AccountMismatch { .. }
    ));
}

#[tokio::test]
async fn tokens_without_stateful_claims_leave_no_state() {
    let (engine, store) = engine();
    let token = restriction("t", |b| {
        b.content_id(CONTENT)
            .user_agent(UA)
            .tags(["sports"])
            .user("viewer-1")
    });
    let allow = allowed(
        engine
            .decide(&token, &request(0).with_content_tags(["sports"]))
            .await,
    );
    assert_eq!(allow, playback_auth_policy::Allowed::unchanged());
    assert!(store.snapshot().is_empty());
}

#[tokio::test]
async fn static_checks_run_in_a_fixed_order() {
    let (engine, _) = engine();
    let token = restriction("t", |b| b.content_id(CONTENT).user_agent(UA));
    let mut everything_wrong = request(0);
    everything_wrong.account = "acct-2".to_owned();
    everything_wrong.content_id = "video-8".to_owned();
    everything_wrong.user_agent = "Other".to_owned();
    assert!(matches!(
        denied(engine.decide(&token, &everything_wrong).await),
        DenyReason::AccountMismatch { .. }
    ));
    everything_wrong.account = ACCOUNT.to_owned();
    assert!(matches!(
        denied(engine.decide(&token, &everything_wrong).await),
        DenyReason::ContentMismatch { .. }
    ));
}
