//! The one-call authorizer: token bytes and request in, decision out — and the one place
//! its time settings (leeway, clock) are configured.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use playback_auth_claims::{
    DEFAULT_LEEWAY, MAX_LIFETIME, NumericDate, PlaybackClaims, Uid, ViewerId,
};
use playback_auth_keys::{Algorithm, CryptoProvider, KeySet};
use playback_auth_verify::{Clock, SystemClock, VerifiedTokenCache, Verifier, VerifierBuilder};

use crate::context::{RequestContext, VerifiedToken};
use crate::decision::{Decision, DenyReason};
use crate::engine::{PolicyConfig, PolicyEngine};
use crate::error::{RegistryError, RevocationError, TokenError};
use crate::metrics::{StoreOp, timed};
#[cfg(feature = "tokio")]
use crate::pool::{PoolClosed, VerifyPool};
use crate::registry::{KeyRecord, KeyRegistry};
use crate::revocation::RevocationStore;
use crate::stores::Stores;

/// Does a whole playback request in one call: the account's current keys from the
/// [`KeyRegistry`] → strict verification at the request's time → revocation → static checks →
/// one atomic store operation → audit record → [`Decision`].
///
/// Built once, with [`Authorizer::builder`], over one [`Stores`] value (e.g.
/// [`MemoryStores`](crate::MemoryStores), or a Redis store): the builder is the only place
/// the time settings live. The leeway reaches the verifier (expiry checks), the engine
/// (how long per-token counters are kept) and every revocation (how long its entry is kept);
/// the clock is what the tower layer and the admin API read "now" from. They cannot disagree.
///
/// Keys are read from the registry on every request, so a key registered or deleted through
/// the registry takes effect on the next request, with no restart.
///
/// ```
/// use std::net::{IpAddr, Ipv4Addr};
/// use std::time::Duration;
/// use playback_auth_claims::{NumericDate, PlaybackRestrictionClaims};
/// use playback_auth_keys::{Algorithm, PrivateKey};
/// use playback_auth_policy::{Authorizer, MemoryStores, RequestContext};
/// use playback_auth_sign::Signer;
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let now = NumericDate::from_secs(1_700_000_000).unwrap();
/// let authorizer = Authorizer::builder(MemoryStores::new()).build();
/// let key = PrivateKey::generate(Algorithm::Es256).unwrap();
/// authorizer.register_key("acct-1", &key.public_key().to_public_key_txt(), None).await.unwrap();
///
/// let claims = PlaybackRestrictionClaims::builder("acct-1", now)
///     .content_id("video-7")
///     .max_uses(1)
///     .valid_for(Duration::from_secs(3600))
///     .build()
///     .unwrap();
/// let token = Signer::new(key).sign(&claims).unwrap();
/// let ctx = RequestContext::new("acct-1", "video-7", "Player/1", IpAddr::V4(Ipv4Addr::LOCALHOST), now);
///
/// assert!(authorizer.authorize(&token, &ctx).await.is_allowed());
/// let again = authorizer.authorize(&token, &ctx).await;
/// assert_eq!(again.deny_reason().map(|r| r.code()), Some("max_uses_reached"));
/// # });
/// ```
#[derive(Debug)]
pub struct Authorizer<B> {
    verifier: Verifier,
    engine: PolicyEngine<B>,
    clock: Arc<dyn Clock>,
}

/// Configures an [`Authorizer`]; every setting has a default. See [`Authorizer::builder`].
pub struct AuthorizerBuilder<B> {
    stores: B,
    leeway: Duration,
    clock: Arc<dyn Clock>,
    policy: PolicyConfig,
    verifier: VerifierBuilder,
}

impl<B> fmt::Debug for AuthorizerBuilder<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizerBuilder")
            .field("leeway", &self.leeway)
            .field("clock", &self.clock)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl<B: Stores> AuthorizerBuilder<B> {
    /// How long after `exp` (and before `nbf`/`iat`) a token is still accepted, for clock skew
    /// between the minting server and this one (default [`DEFAULT_LEEWAY`], 30 s). The same
    /// value decides how long per-token counters and revocations are kept after `exp`, so a
    /// token accepted within the leeway always finds its counters and its revocation.
    #[must_use]
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Where "now" comes from for whoever serves with this authorizer (the tower layer reads
    /// it once per request, the admin API for registration times, revocations and report
    /// dates). Default [`SystemClock`]. The authorizer's own calls take `now` from the
    /// request, never from a clock.
    #[must_use]
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The engine's session lease and store-fault behaviour (default [`PolicyConfig::default`]).
    #[must_use]
    pub fn policy(mut self, config: PolicyConfig) -> Self {
        self.policy = config;
        self
    }

    /// The crypto provider signatures are checked with (default
    /// [`CryptoProvider::preferred`]).
    #[must_use]
    pub fn provider(mut self, provider: CryptoProvider) -> Self {
        self.verifier = self.verifier.provider(provider);
        self
    }

    /// The longest token accepted, in bytes (default: the verifier's, 8 KiB).
    #[must_use]
    pub fn max_token_len(mut self, max: usize) -> Self {
        self.verifier = self.verifier.max_token_len(max);
        self
    }

    /// The signature algorithms accepted (default: RS256, ES256 and ES384).
    #[must_use]
    pub fn algorithms(mut self, algorithms: impl IntoIterator<Item = Algorithm>) -> Self {
        self.verifier = self.verifier.algorithms(algorithms);
        self
    }

    /// Skips the signature check for token bytes that already verified (see
    /// [`VerifiedTokenCache`]; default: off). Time rules and the key's presence are still
    /// checked on every request.
    #[must_use]
    pub fn cache(mut self, cache: VerifiedTokenCache) -> Self {
        self.verifier = self.verifier.cache(cache);
        self
    }

    /// The authorizer.
    pub fn build(self) -> Authorizer<B> {
        let verifier = self
            .verifier
            .leeway(self.leeway)
            .clock(ArcClock(Arc::clone(&self.clock)))
            .build();
        Authorizer {
            verifier,
            engine: PolicyEngine::new(self.stores, self.policy, self.leeway),
            clock: self.clock,
        }
    }
}

/// The authorizer's clock, shared with its verifier.
#[derive(Debug)]
struct ArcClock(Arc<dyn Clock>);

impl Clock for ArcClock {
    fn now(&self) -> NumericDate {
        self.0.now()
    }
}

impl<B: Stores> Authorizer<B> {
    /// A builder over `stores` with the defaults: 30 s leeway, the system clock, the default
    /// [`PolicyConfig`], the preferred crypto provider, the verifier's default limits.
    ///
    /// ```
    /// use std::time::Duration;
    /// use playback_auth_policy::{Authorizer, MemoryStores, PolicyConfig};
    ///
    /// let authorizer = Authorizer::builder(MemoryStores::new())
    ///     .leeway(Duration::from_secs(5))
    ///     .policy(PolicyConfig::default().with_lease(Duration::from_secs(60)))
    ///     .build();
    /// assert_eq!(authorizer.leeway(), Duration::from_secs(5));
    /// assert_eq!(authorizer.engine().leeway(), Duration::from_secs(5));
    /// ```
    pub fn builder(stores: B) -> AuthorizerBuilder<B> {
        AuthorizerBuilder {
            stores,
            leeway: DEFAULT_LEEWAY,
            clock: Arc::new(SystemClock),
            policy: PolicyConfig::default(),
            // The key set is the registry's, read per request; this one is never used.
            verifier: Verifier::builder(KeySet::new()),
        }
    }

    /// An authorizer over `stores` with every default of [`Authorizer::builder`].
    pub fn new(stores: B) -> Self {
        Self::builder(stores).build()
    }

    /// Verifies `token` for `ctx.account` at `ctx.now` and decides the request.
    ///
    /// A token that fails verification is denied with [`DenyReason::InvalidToken`]; a
    /// registry that cannot be read is denied with [`DenyReason::StoreUnavailable`] (always:
    /// without keys nothing can be verified, so this never fails open). Every decision on a
    /// verified token is audited with a record; a refusal before that is counted in an
    /// [`AuditAggregate`](crate::AuditAggregate) ([`PolicyEngine::refuse`]), and nothing is
    /// stored for an account that has no registered key
    /// ([`PolicyEngine::refuse_unregistered`]). [`Authorizer::authorize_verified`] decides the
    /// same way and also returns the verified token.
    pub async fn authorize(&self, token: &str, ctx: &RequestContext) -> Decision {
        self.authorize_verified(token, ctx).await.0
    }

    /// Decides like [`Authorizer::authorize`] and also returns the token's verified claims,
    /// for callers that act on them after the decision (an HTTP layer answering CORS from
    /// `aws:access-control-allow-origin`, a handler reading `uid`).
    ///
    /// The token is `Some` whenever it passed verification — also when the policy then denied
    /// the request — and `None` when it failed verification or no keys could be read.
    ///
    /// ```
    /// use std::net::{IpAddr, Ipv4Addr};
    /// use std::time::Duration;
    /// use playback_auth_claims::{NumericDate, PlaybackRestrictionClaims};
    /// use playback_auth_keys::{Algorithm, PrivateKey};
    /// use playback_auth_policy::{Authorizer, MemoryStores, RequestContext};
    /// use playback_auth_sign::Signer;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let now = NumericDate::from_secs(1_700_000_000).unwrap();
    /// let key = PrivateKey::generate(Algorithm::Es256).unwrap();
    /// let authorizer = Authorizer::new(MemoryStores::new());
    /// authorizer.register_key("acct-1", &key.public_key().to_public_key_txt(), None).await.unwrap();
    ///
    /// let claims = PlaybackRestrictionClaims::builder("acct-1", now)
    ///     .user("viewer-42")
    ///     .valid_for(Duration::from_secs(3600))
    ///     .build()
    ///     .unwrap();
    /// let token = Signer::new(key).sign(&claims).unwrap();
    /// let ctx = RequestContext::new("acct-1", "video-7", "Player/1", IpAddr::V4(Ipv4Addr::LOCALHOST), now);
    ///
    /// let (decision, verified) = authorizer.authorize_verified(&token, &ctx).await;
    /// assert!(decision.is_allowed());
    /// assert_eq!(verified.and_then(|t| t.uid().map(|u| u.to_string())).as_deref(), Some("viewer-42"));
    ///
    /// let (decision, verified) = authorizer.authorize_verified("not.a.token", &ctx).await;
    /// assert!(!decision.is_allowed());
    /// assert!(verified.is_none());
    /// # });
    /// ```
    pub async fn authorize_verified(
        &self,
        token: &str,
        ctx: &RequestContext,
    ) -> (Decision, Option<VerifiedToken>) {
        let verified = self.verify_token(&ctx.account, token, ctx.now).await;
        self.settle(verified, ctx).await
    }

    /// The decision once verification is done: the engine's for a verified token, a counted
    /// refusal otherwise.
    async fn settle(
        &self,
        verified: Result<VerifiedToken, TokenError>,
        ctx: &RequestContext,
    ) -> (Decision, Option<VerifiedToken>) {
        let answer = match verified {
            Ok(token) => {
                let decision = self.engine.decide(&token, ctx).await;
                (decision, Some(token))
            }
            Err(TokenError::Registry(error)) => {
                log_registry_fault(&error);
                (self.engine.reject_registry_fault(ctx).await, None)
            }
            // Counted per account, reason and minute, not kept one by one: anyone can send
            // tokens that do not verify.
            Err(TokenError::Invalid(error)) => (
                self.engine
                    .refuse(ctx, DenyReason::InvalidToken(error))
                    .await,
                None,
            ),
            // Nobody can have signed for an account without keys: store nothing for it.
            Err(TokenError::UnregisteredAccount(error)) => (
                self.engine
                    .refuse_unregistered(DenyReason::InvalidToken(error)),
                None,
            ),
        };
        crate::metrics::decision(&answer.0);
        answer
    }

    /// Counts a request refused before it reached [`authorize`](Self::authorize) — an HTTP
    /// layer's request without a token, or with two — in the audit trail's
    /// [`AuditAggregate`](crate::AuditAggregate) of its account, `code` and minute. Nothing
    /// is stored for an account without a registered key (only
    /// [`PolicyEngine::unregistered_refusals`] counts it); when the keys cannot be read, the
    /// refusal is counted as if the account had some. Counted in
    /// [`DECISIONS_TOTAL`](crate::metrics::DECISIONS_TOTAL) as denied with `code`.
    pub async fn count_refusal(&self, ctx: &RequestContext, code: &'static str) {
        crate::metrics::refusal(code);
        let keys = self.stores().registry().key_set(&ctx.account);
        match timed(StoreOp::Registry, keys).await {
            Ok(keys) if keys.is_empty() => self.engine.count_unregistered(),
            _ => self.engine.count_refusal(ctx, code).await,
        }
    }

    /// Verifies `token` for `account` at `now` with the account's current keys from the
    /// registry, without deciding anything or writing an audit record — for callers that
    /// act on a token rather than let it play (e.g. an API that revokes it).
    ///
    /// # Errors
    /// [`TokenError::Registry`] when the keys cannot be read, [`TokenError::Invalid`] when
    /// the token fails verification, [`TokenError::UnregisteredAccount`] when it fails because
    /// the account has no key at all.
    pub async fn verify_token(
        &self,
        account: &str,
        token: &str,
        now: NumericDate,
    ) -> Result<VerifiedToken, TokenError> {
        let keys = timed(StoreOp::Registry, self.stores().registry().key_set(account))
            .await
            .map_err(TokenError::Registry)?;
        self.verify_with_keys(&keys, token, now)
    }

    /// The CPU-bound part of verification: structure, signature, time and claim rules.
    fn verify_with_keys(
        &self,
        keys: &KeySet,
        token: &str,
        now: NumericDate,
    ) -> Result<VerifiedToken, TokenError> {
        let started = Instant::now();
        let verified = self
            .verifier
            .verify_with::<PlaybackClaims>(keys, token, now);
        crate::metrics::verified(
            verified.as_ref().ok().map(|verified| verified.header.alg),
            started.elapsed(),
        );
        let verified = verified.map_err(|error| {
            if keys.is_empty() {
                TokenError::UnregisteredAccount(error)
            } else {
                TokenError::Invalid(error)
            }
        })?;
        Ok(VerifiedToken::new(verified.claims, token))
    }

    /// The policy engine (sessions, devices, revocation and audit live behind it).
    pub fn engine(&self) -> &PolicyEngine<B> {
        &self.engine
    }

    /// The stores decisions are made with.
    pub fn stores(&self) -> &B {
        self.engine.stores()
    }

    /// The verifier whose settings are applied (its own key set is empty and unused: keys
    /// come from the registry).
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    /// The leeway applied to token times, counters and revocations.
    pub fn leeway(&self) -> Duration {
        self.engine.leeway()
    }

    /// The clock a server using this authorizer reads "now" from.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Now, by [`clock`](Self::clock).
    pub fn now(&self) -> NumericDate {
        self.clock.now()
    }

    /// Until when a revocation of tokens that expire at `expires_at` must be kept: their
    /// expiry plus the leeway, during which they still verify.
    pub fn kept_until(&self, expires_at: NumericDate) -> NumericDate {
        expires_at.saturating_add(self.leeway())
    }

    /// Registers a public key for `account` at [`now`](Self::now) (see
    /// [`KeyRegistry::register`]): `value` is `public_key.txt` content or a PEM public key;
    /// `id` defaults to the key's RFC 7638 thumbprint.
    ///
    /// # Errors
    /// As [`KeyRegistry::register`].
    pub async fn register_key(
        &self,
        account: &str,
        value: &str,
        id: Option<&str>,
    ) -> Result<KeyRecord, RegistryError> {
        self.stores()
            .registry()
            .register(account, value, id.map(str::to_owned), self.now())
            .await
    }

    /// Revokes a verified token by its digest until its `exp` plus the leeway (kept until
    /// removed when the token has no `exp`, which only a verifier built not to require it
    /// accepts).
    ///
    /// # Errors
    /// As [`RevocationStore::revoke_token`].
    pub async fn revoke(
        &self,
        account: &str,
        token: &VerifiedToken,
        now: NumericDate,
    ) -> Result<(), RevocationError> {
        let keep_until = token
            .expires_at()
            .map_or(NumericDate::MAX, |exp| self.kept_until(exp));
        self.stores()
            .revocations()
            .revoke_token(account, token.digest, keep_until, now)
            .await
    }

    /// Revokes every token of `account` carrying `jti` whose latest `exp` is `expires_at`.
    ///
    /// # Errors
    /// As [`RevocationStore::revoke_jti`].
    pub async fn revoke_jti(
        &self,
        account: &str,
        jti: &str,
        expires_at: NumericDate,
        now: NumericDate,
    ) -> Result<(), RevocationError> {
        let keep_until = self.kept_until(expires_at);
        self.stores()
            .revocations()
            .revoke_jti(account, jti, keep_until, now)
            .await
    }

    /// Revokes every token of `uid` in `account` issued before `cutoff`, kept until every
    /// such token has expired (`cutoff` plus the longest lifetime plus the leeway).
    ///
    /// # Errors
    /// As [`RevocationStore::revoke_uid_before`].
    pub async fn revoke_uid_before(
        &self,
        account: &str,
        uid: &Uid,
        cutoff: NumericDate,
        now: NumericDate,
    ) -> Result<(), RevocationError> {
        let keep_until = self.kept_until(cutoff.saturating_add(MAX_LIFETIME));
        self.stores()
            .revocations()
            .revoke_uid_before(account, uid, cutoff, keep_until, now)
            .await
    }

    /// Disconnects a viewer (see [`RevocationStore::disconnect_viewer`]) until the latest
    /// `exp` of its tokens, `expires_at`, plus the leeway.
    ///
    /// # Errors
    /// As [`RevocationStore::disconnect_viewer`].
    pub async fn disconnect_viewer(
        &self,
        account: &str,
        viewer_id: &ViewerId,
        at_or_below_version: i64,
        expires_at: NumericDate,
        now: NumericDate,
    ) -> Result<(), RevocationError> {
        let keep_until = self.kept_until(expires_at);
        self.stores()
            .revocations()
            .disconnect_viewer(account, viewer_id, at_or_below_version, keep_until, now)
            .await
    }
}

/// The same decisions with the signature check on a [`VerifyPool`], for servers: a burst of
/// tokens then waits for the pool's places instead of occupying the runtime's threads, so the
/// store operations of the requests already admitted are not starved into their timeouts.
#[cfg(feature = "tokio")]
impl<B: Stores> Authorizer<B> {
    /// Decides like [`Authorizer::authorize_verified`], verifying on `pool`.
    ///
    /// ```
    /// use std::net::{IpAddr, Ipv4Addr};
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// use playback_auth_claims::{NumericDate, PlaybackRestrictionClaims};
    /// use playback_auth_keys::{Algorithm, PrivateKey};
    /// use playback_auth_policy::{Authorizer, MemoryStores, RequestContext, VerifyPool};
    /// use playback_auth_sign::Signer;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let now = NumericDate::from_secs(1_700_000_000).unwrap();
    /// let key = PrivateKey::generate(Algorithm::Es384).unwrap();
    /// let authorizer = Arc::new(Authorizer::new(MemoryStores::new()));
    /// authorizer.register_key("acct-1", &key.public_key().to_public_key_txt(), None).await.unwrap();
    /// let pool = VerifyPool::default();
    ///
    /// let claims = PlaybackRestrictionClaims::builder("acct-1", now)
    ///     .max_uses(1)
    ///     .valid_for(Duration::from_secs(3600))
    ///     .build()
    ///     .unwrap();
    /// let token = Signer::new(key).sign(&claims).unwrap();
    /// let ctx = RequestContext::new("acct-1", "video-7", "Player/1", IpAddr::V4(Ipv4Addr::LOCALHOST), now);
    ///
    /// let (decision, _) = authorizer.authorize_verified_on(&pool, &token, &ctx).await;
    /// assert!(decision.is_allowed());
    /// let (decision, _) = authorizer.authorize_verified_on(&pool, &token, &ctx).await;
    /// assert_eq!(decision.deny_reason().map(|r| r.code()), Some("max_uses_reached"));
    /// # });
    /// ```
    pub async fn authorize_verified_on(
        self: &Arc<Self>,
        pool: &VerifyPool,
        token: &str,
        ctx: &RequestContext,
    ) -> (Decision, Option<VerifiedToken>) {
        let verified = self
            .verify_token_on(pool, &ctx.account, token, ctx.now)
            .await;
        self.settle(verified, ctx).await
    }

    /// Decides `token` for `ctx` without changing anything ([`PolicyEngine::check`]:
    /// verification, revocation and static checks; no store write, no use counted, no audit
    /// record), verifying on `pool`. The answer to a `HEAD`.
    pub async fn check_verified_on(
        self: &Arc<Self>,
        pool: &VerifyPool,
        token: &str,
        ctx: &RequestContext,
    ) -> (Decision, Option<VerifiedToken>) {
        let answer = match self
            .verify_token_on(pool, &ctx.account, token, ctx.now)
            .await
        {
            Ok(token) => (self.engine.check(&token, ctx).await, Some(token)),
            Err(TokenError::Registry(error)) => {
                log_registry_fault(&error);
                self.engine.count_registry_fault();
                (Decision::Deny(DenyReason::StoreUnavailable), None)
            }
            Err(TokenError::Invalid(error) | TokenError::UnregisteredAccount(error)) => {
                (Decision::Deny(DenyReason::InvalidToken(error)), None)
            }
        };
        crate::metrics::decision(&answer.0);
        answer
    }

    /// Verifies like [`Authorizer::verify_token`], the signature check on `pool`.
    ///
    /// # Errors
    /// As [`Authorizer::verify_token`].
    pub async fn verify_token_on(
        self: &Arc<Self>,
        pool: &VerifyPool,
        account: &str,
        token: &str,
        now: NumericDate,
    ) -> Result<VerifiedToken, TokenError> {
        let keys = Arc::new(
            timed(StoreOp::Registry, self.stores().registry().key_set(account))
                .await
                .map_err(TokenError::Registry)?,
        );
        let job = {
            let (this, keys, token) = (Arc::clone(self), Arc::clone(&keys), token.to_owned());
            move || this.verify_with_keys(&keys, &token, now)
        };
        match pool.run(job).await {
            Ok(verified) => verified,
            // Only while the runtime shuts down: the answer is still owed, so verify here.
            Err(PoolClosed) => self.verify_with_keys(&keys, token, now),
        }
    }
}

/// The operator's view of why a request is answered `store_unavailable` before verification:
/// the registry's error and its sources.
fn log_registry_fault(error: &RegistryError) {
    tracing::warn!(
        store = "key registry",
        error = error as &(dyn std::error::Error + 'static),
        "store fault while reading the account's keys"
    );
}
