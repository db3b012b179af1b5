//! The playback-rights stage of a decision: which rights apply, read through the
//! [`RightsCache`], and evaluated with the client's country.

use std::fmt;
use std::sync::Arc;

use playback_auth_claims::PlaybackClaims;

use super::PolicyEngine;
use crate::context::{RequestContext, VerifiedToken};
use crate::decision::{Decision, DenyReason};
use crate::metrics::{StoreOp, timed};
use crate::rights::{
    GeoLookup, NoGeoLookup, PlaybackRights, RightsApplied, RightsDenial, RightsOutcome,
    RightsRequest, RuleMatch, check_id, evaluate_rights, select_rights,
};
use crate::rights_cache::{CachedRights, RightsCache};
use crate::rights_store::{RightsStore, RightsStoreError};
use crate::stores::Stores;

/// What the engine evaluates playback rights with: the country lookup and the cache.
pub(crate) struct RightsGate {
    pub(crate) geo: Arc<dyn GeoLookup>,
    pub(crate) cache: RightsCache,
}

impl Default for RightsGate {
    fn default() -> Self {
        Self {
            geo: Arc::new(NoGeoLookup),
            cache: RightsCache::default(),
        }
    }
}

impl fmt::Debug for RightsGate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RightsGate")
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

/// The rights stage let the request through.
#[derive(Debug, Default)]
pub(super) struct RightsPass {
    /// What allowed it, when any rights applied.
    pub(super) applied: Option<RightsApplied>,
    /// The rights store failed and the engine fails open: server-side rights were skipped.
    pub(super) degraded: bool,
}

impl<B: Stores> PolicyEngine<B> {
    /// The same engine, deciding playback rights with `gate`.
    pub(crate) fn with_rights(mut self, gate: RightsGate) -> Self {
        self.rights = gate;
        self
    }

    /// The playback-rights stage: the rights [`select_rights`] chooses (the token's `prid`
    /// in the token's own account, else the catalogue's id of the content), read through the
    /// cache, and the token's `accessRules`, evaluated with the client's country. `Err` is
    /// the decision to return (a refusal naming its rule, or a store fault failing closed).
    pub(super) async fn rights_gate(
        &self,
        token: &VerifiedToken,
        ctx: &RequestContext,
    ) -> Result<RightsPass, Decision> {
        let (token_account, prid, token_rules) = match &token.claims {
            PlaybackClaims::Restriction(claims) => (
                claims.accid.as_str(),
                claims.prid.as_deref(),
                claims.access_rules.as_ref(),
            ),
            // Only restriction tokens carry `prid` and `accessRules`; the content's own
            // rights apply whatever the kind of token.
            _ => (ctx.account.as_str(), None, None),
        };
        let catalogue = ctx
            .content_rights
            .as_deref()
            .map(|id| (ctx.account.as_str(), id));
        let selection = select_rights(token_account, prid, catalogue);
        let mut degraded = false;
        let rights = match selection.key() {
            None => None,
            Some((account, id)) => match self.fetch_rights(account, id, ctx).await {
                Ok(found) => {
                    selection
                        .admit(found.as_deref())
                        .map_err(|denial| refuse(denial.with_rights_id(id)))?;
                    found
                }
                Err(error) => {
                    if let Some(deny) = self.store_fault("rights", &error) {
                        return Err(deny);
                    }
                    // Failing open: the server-side rights are skipped, the token's own
                    // rules still apply.
                    degraded = true;
                    None
                }
            },
        };
        if rights.is_none() && token_rules.is_none() {
            // Nothing restricts the request: no country lookup.
            return Ok(RightsPass {
                applied: None,
                degraded,
            });
        }
        let country = self.rights.geo.country(ctx.client_ip);
        let request = RightsRequest::from_context(ctx, country);
        match evaluate_rights(rights.as_deref(), token_rules, &request) {
            RightsOutcome::Allowed { matched } => Ok(RightsPass {
                applied: Some(RightsApplied::new(
                    rights.map(|r| r.id().to_owned()),
                    matched,
                )),
                degraded,
            }),
            RightsOutcome::Denied(denial) => Err(refuse(match (&rights, &denial.matched) {
                // The token's rules refused: no server-side rights to name.
                (_, RuleMatch::TokenRule { .. }) | (None, _) => denial,
                (Some(rights), _) => denial.with_rights_id(rights.id()),
            })),
        }
    }

    /// The rights `(account, id)`, from the cache when it holds a fresh answer, else from
    /// the store (and then cached).
    async fn fetch_rights(
        &self,
        account: &str,
        id: &str,
        ctx: &RequestContext,
    ) -> Result<Option<Arc<PlaybackRights>>, RightsStoreError> {
        if check_id("id", id).is_err() {
            // No stored rights can have this id (ids are checked when rights are created):
            // nothing to read, and nothing to hold in the cache under it.
            return Ok(None);
        }
        let cache = &self.rights.cache;
        let miss = match cache.get(account, id, ctx.now) {
            CachedRights::Hit(found) => return Ok(found),
            CachedRights::Miss(miss) => miss,
        };
        let found = timed(StoreOp::Rights, self.stores.rights().get(account, id)).await?;
        cache.insert(account, id, found.clone(), ctx.now, miss);
        Ok(found)
    }

    /// The cache playback rights are read through (see [`RightsCache`] for its staleness
    /// bound).
    pub fn rights_cache(&self) -> &RightsCache {
        &self.rights.cache
    }

    /// Where client countries come from.
    pub fn geo_lookup(&self) -> &Arc<dyn GeoLookup> {
        &self.rights.geo
    }
}

fn refuse(denial: RightsDenial) -> Decision {
    Decision::Deny(DenyReason::PlaybackRights(denial))
}

/// What the audit record of `decision` says about playback rights: the rights and entry
/// that refused, or the entries that allowed.
pub(super) fn rights_audit(decision: &Decision) -> Option<String> {
    match decision {
        Decision::Allow(allowed) => allowed.rights.as_ref().map(ToString::to_string),
        Decision::Deny(DenyReason::PlaybackRights(denial)) => Some(denial.audit_text()),
        Decision::Deny(_) => None,
    }
}
