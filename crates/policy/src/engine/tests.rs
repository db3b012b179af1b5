use std::net::{Ipv4Addr, Ipv6Addr};
use std::num::NonZeroU32;

use playback_auth_claims::ConcurrencyBehavior;

use super::*;
use crate::stores::MemoryStores;
use playback_auth_claims::DEFAULT_LEEWAY;

fn at(secs: i64) -> NumericDate {
    NumericDate::from_secs(1_700_000_000 + secs).unwrap()
}

fn ctx() -> RequestContext {
    RequestContext::new(
        "acct",
        "video",
        "UA",
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
        at(0),
    )
}

fn claims(
    build: impl FnOnce(
        playback_auth_claims::ClaimsBuilder<PlaybackRestrictionClaims>,
    ) -> playback_auth_claims::ClaimsBuilder<PlaybackRestrictionClaims>,
) -> PlaybackRestrictionClaims {
    build(PlaybackRestrictionClaims::builder("acct", at(-10)).valid_for(Duration::from_secs(100)))
        .build()
        .unwrap()
}

fn engine() -> PolicyEngine<MemoryStores> {
    PolicyEngine::new(MemoryStores::new(), PolicyConfig::default(), DEFAULT_LEEWAY)
}

/// The session key the engine plans for `claims` and `ctx`.
fn key(claims: &PlaybackRestrictionClaims, ctx: &RequestContext) -> String {
    stream_identity(claims, ctx).0
}

#[test]
fn session_key_prefers_sid_then_the_players_id_then_derives_one() {
    let with_sid = claims(|b| b.session_id("sid-1"));
    let without = claims(|b| b);
    // `sid` wins over the player's id.
    assert_eq!(
        key(&with_sid, &ctx().with_session_id("p")),
        key(&with_sid, &ctx().with_session_id("q"))
    );
    // Without `sid`, the player's id names the stream.
    assert_ne!(
        key(&without, &ctx().with_session_id("p")),
        key(&without, &ctx().with_session_id("q"))
    );
    // `sid` and a player id of the same text are not the same stream.
    assert_ne!(
        key(&with_sid, &ctx()),
        key(&without, &ctx().with_session_id("sid-1"))
    );
    // Without either: user agent, IP and content.
    let derived = key(&without, &ctx());
    assert_eq!(derived.len(), 32);
    assert!(derived.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(derived, key(&without, &ctx()));
    let mut other = ctx();
    other.content_id = "video-2".into();
    assert_ne!(derived, key(&without, &other));
    assert_ne!(
        derived,
        key(
            &without,
            &ctx().with_client_ip(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2)))
        )
    );
}

#[test]
fn one_stream_id_from_two_locations_is_two_keys() {
    let with_sid = claims(|b| b.session_id("sid-1"));
    let without = claims(|b| b);
    for claims in [&with_sid, &without] {
        let on = |device: &str| ctx().with_session_id("shared").with_device_id(device);
        assert_ne!(key(claims, &on("a")), key(claims, &on("b")));
        // The device is the location: its address may change.
        assert_eq!(
            key(claims, &on("a")),
            key(
                claims,
                &on("a").with_client_ip(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 9)))
            )
        );
        // Without a device id, user agent and IP are the location.
        let mut other_agent = ctx().with_session_id("shared");
        other_agent.user_agent = "UA2".into();
        assert_ne!(
            key(claims, &ctx().with_session_id("shared")),
            key(claims, &other_agent)
        );
    }
    // Keys are fixed-size whatever the client sends.
    let long = ctx()
        .with_session_id("x".repeat(10_000))
        .with_device_id("y".repeat(10_000));
    assert_eq!(key(&without, &long).len(), 32);
}

#[test]
fn ipv4_mapped_addresses_are_the_same_client() {
    let without = claims(|b| b);
    let mapped = IpAddr::V6(Ipv4Addr::new(192, 0, 2, 1).to_ipv6_mapped());
    assert_eq!(
        key(&without, &ctx()),
        key(&without, &ctx().with_client_ip(mapped))
    );
    assert_ne!(
        key(&without, &ctx()),
        key(
            &without,
            &ctx().with_client_ip(IpAddr::V6(Ipv6Addr::LOCALHOST))
        )
    );
}

#[test]
fn location_is_the_device_else_user_agent_and_ip() {
    assert_eq!(location_key(&ctx().with_device_id("tv")), "device:tv");
    let client = location_key(&ctx());
    assert!(client.starts_with("client:"));
    let mut other_agent = ctx();
    other_agent.user_agent = "UA2".into();
    assert_ne!(client, location_key(&other_agent));
}

#[test]
fn hashed_parts_cannot_collide_by_moving_a_separator() {
    assert_ne!(short_hash(&["ab", "c"]), short_hash(&["a", "bc"]));
    assert_ne!(short_hash(&["a", ""]), short_hash(&["", "a"]));
}

#[test]
fn plans_name_the_user_partition_and_every_check() {
    let token = VerifiedToken::new(
        PlaybackClaims::Restriction(claims(|b| {
            b.user("viewer")
                .concurrent_streams(2)
                .concurrency_behavior(ConcurrencyBehavior::BlockNewUser)
                .device_limit(3)
                .max_uses(4)
                .max_ips(5)
        })),
        "encoded",
    );
    let plan = engine().plan(&token, &ctx().with_device_id("tv")).unwrap();
    assert_eq!(
        plan.partition,
        Partition::User {
            account: "acct".into(),
            uid: Uid::new("viewer").unwrap()
        }
    );
    let t = plan.token.unwrap();
    assert_eq!(t.token_id, token.digest.to_hex());
    assert_eq!(t.max_uses.map(NonZeroU32::get), Some(4));
    assert_eq!(t.max_ips.map(NonZeroU32::get), Some(5));
    // exp (90) + the default 30 s leeway.
    assert_eq!(t.expires_at, at(120));
    let s = plan.session.unwrap();
    assert_eq!(s.limit.get(), 2);
    assert_eq!(s.behavior, ConcurrencyBehavior::BlockNewUser);
    assert_eq!(s.lease, PolicyConfig::DEFAULT_LEASE);
    assert_eq!(s.location_key, "device:tv");
    let d = plan.device.unwrap();
    assert_eq!((d.device_id.as_str(), d.limit.get()), ("tv", 3));
}

#[test]
fn tokens_without_uid_are_their_own_partition() {
    let token = VerifiedToken::new(
        PlaybackClaims::Restriction(claims(|b| b.max_uses(1).token_id("jti-9"))),
        "encoded",
    );
    let plan = engine().plan(&token, &ctx()).unwrap();
    assert_eq!(
        plan.partition,
        Partition::Token {
            account: "acct".into(),
            token_id: "jti-9".into()
        }
    );
    assert!(plan.session.is_none() && plan.device.is_none());
}

#[test]
fn tokens_without_exp_keep_state_for_the_longest_lifetime() {
    let mut restriction = claims(|b| b.max_uses(1));
    restriction.exp = None;
    let token = VerifiedToken::new(PlaybackClaims::Restriction(restriction), "encoded");
    let plan = engine().plan(&token, &ctx()).unwrap();
    assert_eq!(
        plan.token.unwrap().expires_at,
        at(0)
            .saturating_add(MAX_LIFETIME)
            .saturating_add(DEFAULT_LEEWAY)
    );
}

#[test]
fn a_missing_device_id_is_found_while_planning() {
    let token = VerifiedToken::new(
        PlaybackClaims::Restriction(claims(|b| b.user("viewer").device_limit(1))),
        "encoded",
    );
    assert_eq!(
        engine().plan(&token, &ctx()),
        Err(DenyReason::DeviceIdMissing)
    );
}

#[test]
fn config_defaults_fail_closed_with_a_120_s_lease() {
    let config = PolicyConfig::default();
    assert_eq!(config.lease, Duration::from_secs(120));
    assert!(!config.fail_open);
    let changed = config
        .with_fail_open(true)
        .with_lease(Duration::from_secs(5));
    assert!(changed.fail_open);
    assert_eq!(changed.lease, Duration::from_secs(5));
    assert_eq!(engine().leeway(), DEFAULT_LEEWAY);
    assert!(format!("{:?}", engine()).contains("PolicyEngine"));
}
