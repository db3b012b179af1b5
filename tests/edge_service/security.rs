//! The attacks of issue 12, replayed over HTTP against the edge service on the in-memory stores
//! and on Redis: an attacker holding one valid token must not get more than it grants.

use std::time::Duration;

use axum::Router;
use playback_auth::claims::{
    ConcurrencyBehavior, NumericDate, PlaybackRestrictionClaims, PrivateChannelClaims,
};
use playback_auth::keys::{Algorithm, PrivateKey};
use playback_auth::redis::RedisStore;
use playback_auth::sign::Signer;
use playback_auth::verify::Clock;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{
    ACCOUNT, PLAY_TIME, Server, TestClock, VIDEO, app, redis_url, settings, unique_prefix,
};

#[path = "../fuzz_checks/malleate.rs"]
mod malleate;

use malleate::negate_s;

const CHANNEL_ID: &str = "AbCdEf123456";
const CHANNEL_ARN: &str = "arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf123456";
const UUID: &str = "6f1c1a52-1e2b-4c3d-9e8f-0a1b2c3d4e5f";

/// A playback request with the headers a scenario sets; its status and JSON body.
struct Play<'a> {
    token: &'a str,
    content: &'a str,
    user_agent: &'a str,
    session: Option<&'a str>,
    device: Option<&'a str>,
}

impl<'a> Play<'a> {
    fn new(token: &'a str) -> Self {
        Self {
            token,
            content: VIDEO,
            user_agent: "Player/1.0",
            session: None,
            device: None,
        }
    }

    fn content(mut self, content: &'a str) -> Self {
        self.content = content;
        self
    }

    fn user_agent(mut self, user_agent: &'a str) -> Self {
        self.user_agent = user_agent;
        self
    }

    fn session(mut self, session: &'a str) -> Self {
        self.session = Some(session);
        self
    }

    fn device(mut self, device: &'a str) -> Self {
        self.device = Some(device);
        self
    }

    async fn send(self, server: &Server) -> (StatusCode, Value) {
        let mut request = server
            .http
            .get(format!(
                "{}/v1/play/{ACCOUNT}/{}",
                server.base, self.content
            ))
            .bearer_auth(self.token)
            .header("user-agent", self.user_agent);
        if let Some(session) = self.session {
            request = request.header("x-session-id", session);
        }
        if let Some(device) = self.device {
            request = request.header("x-device-id", device);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap())
    }
}

/// Registers a fresh key of `alg` for `ACCOUNT` through the admin API; a signer for it.
async fn register(server: &Server, alg: Algorithm) -> Signer {
    let key = PrivateKey::generate(alg).unwrap();
    server.register(&key).await;
    Signer::new(key)
}

fn restriction(
    now: NumericDate,
    build: impl FnOnce(
        playback_auth::claims::ClaimsBuilder<PlaybackRestrictionClaims>,
    ) -> playback_auth::claims::ClaimsBuilder<PlaybackRestrictionClaims>,
) -> PlaybackRestrictionClaims {
    build(PlaybackRestrictionClaims::builder(ACCOUNT, now).valid_for(Duration::from_secs(3600)))
        .build()
        .unwrap()
}

fn channel(
    now: NumericDate,
    build: impl FnOnce(
        playback_auth::claims::ClaimsBuilder<PrivateChannelClaims>,
    ) -> playback_auth::claims::ClaimsBuilder<PrivateChannelClaims>,
) -> PrivateChannelClaims {
    build(PrivateChannelClaims::builder(CHANNEL_ARN, now).valid_for(Duration::from_secs(3600)))
        .build()
        .unwrap()
}

/// Item 1: the malleated copy of an ECDSA token is the same token to the blacklist, `maxu`
/// and single use.
async fn malleated_copies_are_the_same_token(app: Router, clock: &TestClock) {
    let server = Server::start(app).await;
    let now = clock.now();
    let es256 = register(&server, Algorithm::Es256).await;
    let es384 = register(&server, Algorithm::Es384).await;

    // maxu 1: one use, whatever the signature encoding.
    let token = es256
        .sign(&restriction(now, |b| b.max_uses(1).content_id(VIDEO)))
        .unwrap();
    let copy = negate_s(&token).unwrap();
    let (status, body) = Play::new(&token).send(&server).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = Play::new(&copy).send(&server).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "max_uses_reached");

    // Blacklisted: the copy is listed and refused too.
    let token = es256
        .sign(&restriction(now, |b| b.content_id(VIDEO)))
        .unwrap();
    let copy = negate_s(&token).unwrap();
    let list = |token: &str| format!("/v1/accounts/{ACCOUNT}/blacklist/tokens/{token}");
    assert_eq!(
        server.call(reqwest::Method::PUT, &list(&token)).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        server.call(reqwest::Method::GET, &list(&copy)).await.0,
        StatusCode::NO_CONTENT,
        "the malleated copy is on the list"
    );
    let (status, body) = Play::new(&copy).send(&server).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"], "token_revoked");
    // Taking the copy off the list takes the token off: one identity.
    assert_eq!(
        server.call(reqwest::Method::DELETE, &list(&copy)).await.0,
        StatusCode::NO_CONTENT
    );
    let (status, body) = Play::new(&token).send(&server).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Single use: the copy, and another token with the same uuid, are second uses.
    let single = es384.sign(&channel(now, |b| b.single_use(UUID))).unwrap();
    let copy = negate_s(&single).unwrap();
    let (status, body) = Play::new(&single).content(CHANNEL_ID).send(&server).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = Play::new(&copy).content(CHANNEL_ID).send(&server).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "single_use_already_used");
    let other = es384
        .sign(&channel(now, |b| {
            b.single_use(UUID).valid_for(Duration::from_secs(600))
        }))
        .unwrap();
    assert_ne!(other, single);
    let (status, body) = Play::new(&other).content(CHANNEL_ID).send(&server).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "single_use_already_used");
}

/// Item 2: one session id sent from two locations is two streams.
async fn a_session_id_is_bound_to_its_location(app: Router, clock: &TestClock) {
    let server = Server::start(app).await;
    let signer = register(&server, Algorithm::Es256).await;
    let token = signer
        .sign(&restriction(clock.now(), |b| {
            b.user("viewer-1")
                .concurrent_streams(1)
                .concurrency_behavior(ConcurrencyBehavior::BlockNew)
        }))
        .unwrap();

    let (status, body) = Play::new(&token)
        .session("shared")
        .device("device-a")
        .send(&server)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["session"]["change"], "admitted");
    // The same id from another device, or (without device ids) from another user agent at
    // the same address, is a new stream of another location: over climit 1, refused.
    let elsewhere = [
        Play::new(&token).session("shared").device("device-b"),
        Play::new(&token)
            .session("shared")
            .user_agent("OtherPlayer/2.0"),
    ];
    for play in elsewhere {
        let (status, body) = play.send(&server).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(body["error"], "stream_limit_reached");
    }
    // The location that opened it renews it.
    let (status, body) = Play::new(&token)
        .session("shared")
        .device("device-a")
        .send(&server)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["session"]["change"], "renewed");
}

/// Item 3: a channel token plays its own channel only. Item 8: `*` allows a request without
/// an `Origin`.
async fn a_channel_token_plays_only_its_channel(app: Router, clock: &TestClock) {
    let server = Server::start(app).await;
    let signer = register(&server, Algorithm::Es384).await;
    let token = signer
        .sign(&channel(clock.now(), |b| b.allowed_origins("*")))
        .unwrap();
    let (status, body) = Play::new(&token).content(VIDEO).send(&server).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "channel_mismatch");
    let (status, body) = Play::new(&token)
        .content("ZzZzZz999999")
        .send(&server)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"], "channel_mismatch");
    // Its channel id, with no Origin header at all (`*` is any origin, or none).
    let (status, body) = Play::new(&token).content(CHANNEL_ID).send(&server).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// Item 7: a token mixing claim sets is refused, not checked as one of them. Item 8: time
/// rules for tokens without `iat`, and `exp` not after `iat`.
async fn mixed_and_unbounded_tokens_are_refused(app: Router, clock: &TestClock) {
    let server = Server::start(app).await;
    let es384 = register(&server, Algorithm::Es384)
        .await
        .without_validation();
    let es256 = register(&server, Algorithm::Es256)
        .await
        .without_validation();
    let now = clock.now().as_secs();

    let mixed = es384
        .sign_serialize(&json!({
            "aws:channel-arn": CHANNEL_ARN,
            "accid": ACCOUNT,
            "maxu": 1,
            "uid": "viewer-1",
            "climit": 1,
            "iat": now,
            "exp": now + 3600,
        }))
        .unwrap();
    let (status, body) = Play::new(&mixed).content(CHANNEL_ID).send(&server).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"], "mixed_claim_sets");

    // A restriction token smuggling a single-use id it would not enforce.
    let smuggled = es256
        .sign_serialize(&json!({
            "accid": ACCOUNT,
            "aws:single-use-uuid": UUID,
            "iat": now,
            "exp": now + 3600,
        }))
        .unwrap();
    let (status, body) = Play::new(&smuggled).send(&server).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"], "mixed_claim_sets");

    // No `iat`: bounded by now + 30 days.
    let far = es256
        .sign_serialize(&json!({ "accid": ACCOUNT, "exp": now + 60 * 86_400 }))
        .unwrap();
    let (status, body) = Play::new(&far).send(&server).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"], "token_lifetime_too_long");
    let near = es256
        .sign_serialize(&json!({ "accid": ACCOUNT, "exp": now + 29 * 86_400 }))
        .unwrap();
    let (status, body) = Play::new(&near).send(&server).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // `exp` at or before `iat`.
    for exp in [now, now - 1] {
        let backwards = es256
            .sign_serialize(&json!({ "accid": ACCOUNT, "iat": now, "exp": exp }))
            .unwrap();
        let (status, body) = Play::new(&backwards).send(&server).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(body["error"], "token_expires_before_issue");
    }
}

/// Stamps out a memory and a Redis test for each scenario.
macro_rules! on_both_stores {
    ($($scenario:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test]
                async fn $scenario() {
                    let clock = super::TestClock::at(super::PLAY_TIME);
                    super::$scenario(super::app::memory_app(super::settings(&clock)).unwrap(), &clock)
                        .await;
                }
            )*
        }
        mod redis {
            $(
                #[tokio::test]
                async fn $scenario() {
                    let Some(url) = super::redis_url() else {
                        return;
                    };
                    let clock = super::TestClock::at(super::PLAY_TIME);
                    let prefix = super::unique_prefix(concat!("edge-security-", stringify!($scenario)));
                    let store = super::RedisStore::builder(url).key_prefix(prefix).build().unwrap();
                    super::$scenario(
                        super::app::redis_app(store, super::settings(&clock)).unwrap(),
                        &clock,
                    )
                    .await;
                }
            )*
        }
    };
}

on_both_stores!(
    malleated_copies_are_the_same_token,
    a_session_id_is_bound_to_its_location,
    a_channel_token_plays_only_its_channel,
    mixed_and_unbounded_tokens_are_refused,
);
