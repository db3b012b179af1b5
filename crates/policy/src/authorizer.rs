//! The one-call authorizer: token bytes and request in, decision out.

use playback_auth_claims::{NumericDate, PlaybackClaims};
use playback_auth_verify::Verifier;

use crate::audit::AuditSink;
use crate::context::{RequestContext, VerifiedToken};
use crate::decision::{Decision, DenyReason};
use crate::engine::PolicyEngine;
use crate::error::TokenError;
use crate::registry::KeyRegistry;
use crate::revocation::RevocationStore;
use crate::store::PolicyStore;

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
    /// ([`PolicyEngine::refuse_unregistered`]). [`Authorizer::authorize_verified`] decides the same way and also returns the
    /// verified token.
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
        let keys = match self.registry.key_set(&ctx.account).await {
            Ok(keys) => keys,
            Err(_) => return (self.engine.reject_registry_fault(ctx).await, None),
        };
        match self
            .verifier
            .verify_with::<PlaybackClaims>(&keys, token, ctx.now)
        {
            Ok(verified) => {
                let token = VerifiedToken::new(verified.claims, token);
                let decision = self.engine.decide(&token, ctx).await;
                (decision, Some(token))
            }
            // Nobody can have signed for an account without keys: store nothing for it.
            Err(error) if keys.is_empty() => (
                self.engine
                    .refuse_unregistered(DenyReason::InvalidToken(error)),
                None,
            ),
            // Counted per account, reason and minute, not kept one by one: anyone can send
            // tokens that do not verify.
            Err(error) => (
                self.engine
                    .refuse(ctx, DenyReason::InvalidToken(error))
                    .await,
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
    /// the token fails verification.
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
        let verified = self
            .verifier
            .verify_with::<PlaybackClaims>(&keys, token, now)
            .map_err(TokenError::Invalid)?;
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
