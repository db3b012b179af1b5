//! Playback rights on the authorizer: the country lookup and the rights cache it decides
//! with, and writes to the rights store that this node's cache sees at once.

use std::sync::Arc;

use super::{Authorizer, AuthorizerBuilder};
use crate::rights::{GeoLookup, PlaybackRights};
use crate::rights_cache::RightsCache;
use crate::rights_store::{RightsStore, RightsStoreError, WriteMode, Written};
use crate::stores::Stores;

impl<B: Stores> AuthorizerBuilder<B> {
    /// Where client countries come from, for the geography rules of playback rights and the
    /// country rules of in-token `accessRules` (default: none — every country is unknown, so
    /// an allow-list of countries refuses every client and a block-list refuses none). With
    /// the `geoip` feature, `MaxMindGeoLookup::open(path)` reads a MaxMind-format country
    /// database.
    ///
    /// ```
    /// use playback_auth_claims::{CountryCode, IpRange};
    /// use playback_auth_policy::{Authorizer, MemoryStores, StaticGeoLookup};
    ///
    /// let geo = StaticGeoLookup::new().with(
    ///     IpRange::parse("192.0.2.0/24").unwrap(),
    ///     CountryCode::parse("FR").unwrap(),
    /// );
    /// let authorizer = Authorizer::builder(MemoryStores::new()).geo_lookup(geo).build();
    /// let country = authorizer.engine().geo_lookup().country("192.0.2.1".parse().unwrap());
    /// assert_eq!(country.map(|c| c.to_string()).as_deref(), Some("FR"));
    /// ```
    #[must_use]
    pub fn geo_lookup(mut self, lookup: impl GeoLookup + 'static) -> Self {
        self.rights.geo = Arc::new(lookup);
        self
    }

    /// Like [`geo_lookup`](Self::geo_lookup), with a lookup shared with other authorizers
    /// (one database in memory for all of them).
    #[must_use]
    pub fn shared_geo_lookup(mut self, lookup: Arc<dyn GeoLookup>) -> Self {
        self.rights.geo = lookup;
        self
    }

    /// The in-process cache playback rights are read through (default
    /// [`RightsCache::default`]: 10,000 entries, each used for 5 s). Its `max_age` is how
    /// long a change made on another node may take to reach this one; changes made through
    /// this authorizer ([`Authorizer::put_rights`], [`Authorizer::delete_rights`]) apply at
    /// once. [`RightsCache::disabled`] reads the store on every decision.
    #[must_use]
    pub fn rights_cache(mut self, cache: RightsCache) -> Self {
        self.rights.cache = cache;
        self
    }
}

impl<B: Stores> Authorizer<B> {
    /// Writes `rights` to the rights store (as [`RightsStore::put`]) and drops this node's
    /// cached copy, so the next decision here uses them. What the admin API's create and
    /// replace routes call.
    ///
    /// # Errors
    /// As [`RightsStore::put`].
    pub async fn put_rights(
        &self,
        rights: &PlaybackRights,
        mode: WriteMode,
    ) -> Result<Written, RightsStoreError> {
        let written = self.stores().rights().put(rights, mode).await;
        // Also after a failure: a write that timed out may still have been applied.
        self.engine
            .rights_cache()
            .invalidate(rights.account(), rights.id());
        written
    }

    /// Deletes the account's rights `id` (as [`RightsStore::delete`]) and drops this node's
    /// cached copy: the next decision here that selects them is refused
    /// (`rights_not_found`). What the admin API's delete route calls.
    ///
    /// # Errors
    /// As [`RightsStore::delete`].
    pub async fn delete_rights(&self, account: &str, id: &str) -> Result<bool, RightsStoreError> {
        let deleted = self.stores().rights().delete(account, id).await;
        self.engine.rights_cache().invalidate(account, id);
        deleted
    }
}
