//! The one-call authorizer: token bytes and request in, decision out.

use playback_auth_claims::{NumericDate, PlaybackClaims};
use playback_auth_keys::KeySet;
use playback_auth_verify::Verifier;

use crate::audit::AuditSink;
use crate::context::{RequestContext, VerifiedToken};
use crate::decision::{Decision, DenyReason};
use crate::engine::PolicyEngine;
use crate::error::{RegistryError, TokenError};
#[cfg(feature = "tokio")]
use crate::pool::{PoolClosed, VerifyPool};
use crate::registry::KeyRegistry;
use crate::revocation::RevocationStore;
use crate::store::PolicyStore;
#[cfg(feature = "tokio")]
use std::sync::Arc;

/// Does a whole playback request in one call: the account's current keys from the
/// [`KeyRegistry`] → strict verification at the request's time → revocation → static checks →
/// one atomic store operation → audit record → [`Decision`].
///
/// Keys are read from the registry on every request, so a key registered or deleted through
/// the registry takes effect on the next request, with no restart. The verifier's own key set
/// is not used; its other settings (leeway, maximum length, algorithms) are.
///
/// ```
/// use std::net::{IpAddr, Ipv4Addr};
/// use std::time::Duration;
/// use playback_auth_claims::{NumericDate, PlaybackRestrictionClaims};
/// use playback_auth_keys::{Algorithm, KeySet, PrivateKey};
/// use playback_auth_policy::{
///     Authorizer, KeyRegistry, MemoryAuditSink, MemoryKeyRegistry, MemoryPolicyStore,
///     MemoryRevocationStore, PolicyEngine, RequestContext,
/// };
/// use playback_auth_sign::Signer;
/// use playback_auth_verify::Verifier;
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let now = NumericDate::from_secs(1_700_000_000).unwrap();
/// let key = PrivateKey::generate(Algorithm::Es256).unwrap();
/// let registry = MemoryKeyRegistry::new();
/// registry.register("acct-1", &key.public_key().to_public_key_txt(), None, now).await.unwrap();
///
/// let engine = PolicyEngine::new(
///     MemoryPolicyStore::new(),
///     MemoryRevocationStore::new(),
///     MemoryAuditSink::new(),
/// );
/// let authorizer = Authorizer::new(Verifier::builder(KeySet::new()).build(), registry, engine);
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
pub struct Authorizer<S, R, A, K> {
    verifier: Verifier,
    registry: K,
    engine: PolicyEngine<S, R, A>,
}

impl<S, R, A, K> Authorizer<S, R, A, K>
where
    S: PolicyStore,
    R: RevocationStore,
    A: AuditSink,
    K: KeyRegistry,
{
    /// An authorizer verifying with `verifier`'s settings and `registry`'s keys, deciding
    /// with `engine`.
    pub fn new(verifier: Verifier, registry: K, engine: PolicyEngine<S, R, A>) -> Self {
        Self {
            verifier,
            registry,
            engine,
        }
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
    /// use playback_auth_keys::{Algorithm, KeySet, PrivateKey};
    /// use playback_auth_policy::{
    ///     Authorizer, KeyRegistry, MemoryAuditSink, MemoryKeyRegistry, MemoryPolicyStore,
    ///     MemoryRevocationStore, PolicyEngine, RequestContext,
    /// };
    /// use playback_auth_sign::Signer;
    /// use playback_auth_verify::Verifier;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let now = NumericDate::from_secs(1_700_000_000).unwrap();
    /// let key = PrivateKey::generate(Algorithm::Es256).unwrap();
    /// let registry = MemoryKeyRegistry::new();
    /// registry.register("acct-1", &key.public_key().to_public_key_txt(), None, now).await.unwrap();
    /// let engine = PolicyEngine::new(
    ///     MemoryPolicyStore::new(),
    ///     MemoryRevocationStore::new(),
    ///     MemoryAuditSink::new(),
    /// );
    /// let authorizer = Authorizer::new(Verifier::builder(KeySet::new()).build(), registry, engine);
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
        match verified {
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
        }
    }

    /// Counts a request refused before it reached [`authorize`](Self::authorize) — an HTTP
    /// layer's request without a token, or with two — in the audit trail's
    /// [`AuditAggregate`](crate::AuditAggregate) of its account, `code` and minute. Nothing
    /// is stored for an account without a registered key (only
    /// [`PolicyEngine::unregistered_refusals`] counts it); when the keys cannot be read, the
    /// refusal is counted as if the account had some.
    pub async fn count_refusal(&self, ctx: &RequestContext, code: &str) {
        match self.registry.key_set(&ctx.account).await {
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
        let keys = self
            .registry
            .key_set(account)
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
        let verified = self
            .verifier
            .verify_with::<PlaybackClaims>(keys, token, now)
            .map_err(|error| {
                if keys.is_empty() {
                    TokenError::UnregisteredAccount(error)
                } else {
                    TokenError::Invalid(error)
                }
            })?;
        Ok(VerifiedToken::new(verified.claims, token))
    }

    /// The policy engine (sessions, devices, revocation and audit live behind it).
    pub fn engine(&self) -> &PolicyEngine<S, R, A> {
        &self.engine
    }

    /// The key registry.
    pub fn registry(&self) -> &K {
        &self.registry
    }

    /// The verifier whose settings are applied.
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }
}

/// The same decisions with the signature check on a [`VerifyPool`], for servers: a burst of
/// tokens then waits for the pool's places instead of occupying the runtime's threads, so the
/// store operations of the requests already admitted are not starved into their timeouts.
#[cfg(feature = "tokio")]
impl<S, R, A, K> Authorizer<S, R, A, K>
where
    S: PolicyStore,
    R: RevocationStore,
    A: AuditSink,
    K: KeyRegistry,
{
    /// Decides like [`Authorizer::authorize_verified`], verifying on `pool`.
    ///
    /// ```
    /// use std::net::{IpAddr, Ipv4Addr};
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// use playback_auth_claims::{NumericDate, PlaybackRestrictionClaims};
    /// use playback_auth_keys::{Algorithm, KeySet, PrivateKey};
    /// use playback_auth_policy::{
    ///     Authorizer, KeyRegistry, MemoryAuditSink, MemoryKeyRegistry, MemoryPolicyStore,
    ///     MemoryRevocationStore, PolicyEngine, RequestContext, VerifyPool,
    /// };
    /// use playback_auth_sign::Signer;
    /// use playback_auth_verify::Verifier;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let now = NumericDate::from_secs(1_700_000_000).unwrap();
    /// let key = PrivateKey::generate(Algorithm::Es384).unwrap();
    /// let registry = MemoryKeyRegistry::new();
    /// registry.register("acct-1", &key.public_key().to_public_key_txt(), None, now).await.unwrap();
    /// let engine = PolicyEngine::new(
    ///     MemoryPolicyStore::new(),
    ///     MemoryRevocationStore::new(),
    ///     MemoryAuditSink::new(),
    /// );
    /// let verifier = Verifier::builder(KeySet::new()).build();
    /// let authorizer = Arc::new(Authorizer::new(verifier, registry, engine));
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
        match self
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
        }
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
            self.registry
                .key_set(account)
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
