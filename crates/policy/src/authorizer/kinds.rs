//! The three kinds of stream request through the authorizer: verification (the token's key
//! still registered, its signature and time rules at the request's time) on every one, then
//! [`PolicyEngine::decide_request`](crate::PolicyEngine::decide_request).

#[cfg(feature = "tokio")]
use std::sync::Arc;

use super::Authorizer;
use crate::context::{RequestContext, VerifiedToken};
use crate::decision::Decision;
use crate::engine::RequestKind;
#[cfg(feature = "tokio")]
use crate::pool::VerifyPool;
use crate::stores::Stores;

impl<B: Stores> Authorizer<B> {
    /// Verifies `token` and decides a request of `kind` ([`RequestKind`]): a start as
    /// [`authorize_verified`](Self::authorize_verified); a heartbeat or stop re-verifies the
    /// token against the account's current keys at `ctx.now` — a deleted key or an expired
    /// token is refused mid-stream — then re-runs every check that can change mid-stream
    /// and renews (or ends) the session.
    ///
    /// ```
    /// use std::net::{IpAddr, Ipv4Addr};
    /// use std::time::Duration;
    /// use playback_auth_claims::{NumericDate, PlaybackRestrictionClaims};
    /// use playback_auth_keys::{Algorithm, PrivateKey};
    /// use playback_auth_policy::{Authorizer, MemoryStores, RequestContext, RequestKind};
    /// use playback_auth_sign::Signer;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let at = |secs: i64| NumericDate::from_secs(1_700_000_000 + secs).unwrap();
    /// let authorizer = Authorizer::new(MemoryStores::new());
    /// let key = PrivateKey::generate(Algorithm::Es256).unwrap();
    /// authorizer.register_key("acct-1", &key.public_key().to_public_key_txt(), None).await.unwrap();
    /// let claims = PlaybackRestrictionClaims::builder("acct-1", at(0))
    ///     .user("viewer-42")
    ///     .max_uses(1)
    ///     .concurrent_streams(1)
    ///     .valid_for(Duration::from_secs(3600))
    ///     .build()
    ///     .unwrap();
    /// let token = Signer::new(key).sign(&claims).unwrap();
    /// let ctx = |secs: i64| {
    ///     RequestContext::new("acct-1", "video-7", "Player/1", IpAddr::V4(Ipv4Addr::LOCALHOST), at(secs))
    ///         .with_session_id("s-1")
    /// };
    ///
    /// let (start, _) = authorizer.authorize_request(RequestKind::Start, &token, &ctx(0)).await;
    /// assert!(start.is_allowed());
    /// // `maxu 1` is spent, yet the stream goes on: heartbeats count no use.
    /// for minute in 1..=5 {
    ///     let (beat, _) = authorizer.authorize_request(RequestKind::Heartbeat, &token, &ctx(60 * minute)).await;
    ///     assert!(beat.is_allowed());
    /// }
    /// let (stop, _) = authorizer.authorize_request(RequestKind::Stop, &token, &ctx(301)).await;
    /// assert!(stop.allowed().is_some_and(|a| a.stopped.is_some()));
    /// let (late, _) = authorizer.authorize_request(RequestKind::Heartbeat, &token, &ctx(302)).await;
    /// assert_eq!(late.deny_reason().map(|r| r.code()), Some("session_unknown"));
    /// # });
    /// ```
    pub async fn authorize_request(
        &self,
        kind: RequestKind,
        token: &str,
        ctx: &RequestContext,
    ) -> (Decision, Option<VerifiedToken>) {
        let verified = self.verify_token(&ctx.account, token, ctx.now).await;
        self.settle(verified, ctx, kind).await
    }

    /// Decides like [`authorize_request`](Self::authorize_request), verifying on `pool`.
    #[cfg(feature = "tokio")]
    pub async fn authorize_request_on(
        self: &Arc<Self>,
        pool: &VerifyPool,
        kind: RequestKind,
        token: &str,
        ctx: &RequestContext,
    ) -> (Decision, Option<VerifiedToken>) {
        let verified = self
            .verify_token_on(pool, &ctx.account, token, ctx.now)
            .await;
        self.settle(verified, ctx, kind).await
    }
}
