//! Token problems are `401` with `WWW-Authenticate: Bearer error="invalid_token"`: a bad
//! signature, an expired token (at the injected clock's time), a revoked token.

use crate::common::*;
use playback_auth_keys::{Algorithm, PrivateKey};
use playback_auth_policy::Stores;
use playback_auth_policy::{RevocationStore, TokenDigest};
use playback_auth_sign::Signer;
use playback_auth_verify::FixedClock;

const INVALID_TOKEN: &str = r#"Bearer error="invalid_token""#;

#[tokio::test]
async fn a_forged_signature_is_401_invalid_signature() {
    let (authorizer, keys) = authorizer().await;
    let app = app(builder(&authorizer).build());
    let genuine = keys.restriction(|b| b);
    let forger = PrivateKey::generate(Algorithm::Es256).unwrap();
    let claims = playback_auth_claims::PlaybackRestrictionClaims::builder(ACCOUNT, at(-10))
        .valid_for(std::time::Duration::from_secs(3600))
        .build()
        .unwrap();
    let forged = Signer::new(forger).sign(&claims).unwrap();
    assert_ne!(genuine, forged);

    let reply = get_reply(&app, play(&forged)).await;
    reply.assert_denied(401, "invalid_signature");
    assert_eq!(reply.header("www-authenticate"), Some(INVALID_TOKEN));

    let reply = get_reply(&app, play("not-a-token")).await;
    reply.assert_denied(401, "malformed_token");
    assert_eq!(reply.header("www-authenticate"), Some(INVALID_TOKEN));
}

#[tokio::test]
async fn expiry_is_judged_at_the_injected_clocks_time() {
    let (authorizer, keys) = authorizer().await;
    let token = keys.restriction(|b| b); // valid until at(3590)
    let now = app(builder(&authorizer).build());
    get_reply(&now, play(&token)).await.assert_allowed();

    let later = authorizer_with(
        playback_auth_policy::MemoryPolicyStore::new(),
        FixedClock(at(3590 + 30)),
        &keys,
    )
    .await;
    let later = app(builder(&later).build());
    let reply = get_reply(&later, play(&token)).await;
    reply.assert_denied(401, "token_expired");
    assert_eq!(reply.header("www-authenticate"), Some(INVALID_TOKEN));
}

#[tokio::test]
async fn a_revoked_token_is_401_token_revoked() {
    let (authorizer, keys) = authorizer().await;
    let app = app(builder(&authorizer).build());
    let token = keys.restriction(|b| b);
    get_reply(&app, play(&token)).await.assert_allowed();

    authorizer
        .stores()
        .revocations()
        .revoke_token(ACCOUNT, TokenDigest::of_token(&token), at(3600), at(0))
        .await
        .unwrap();
    let reply = get_reply(&app, play(&token)).await;
    reply.assert_denied(401, "token_revoked");
    assert_eq!(reply.header("www-authenticate"), Some(INVALID_TOKEN));
}
