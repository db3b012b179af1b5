//! The [`RightsStore`] suite: a stored object reads back equal (normalised, validated
//! again) and decides as it did, the write modes and their typed refusals, the per-account capacity (also under
//! concurrent creations), listing by id, deletion, and accounts kept apart.
//!
//! Each check takes a factory making a fresh, empty store holding `rights_per_account`
//! rights per account; [`rights_store_conformance!`](crate::rights_store_conformance) runs
//! them all.

use std::future::Future;
use std::sync::Arc;

use crate::rights::PlaybackRights;
use crate::rights_store::{RightsStore, RightsStoreError, WriteMode, Written};

use super::ACCOUNT;

/// A capacity no check reaches.
const ROOMY: usize = 50;

/// Every section of a rights object, its start written with an offset, so the stored form
/// (UTC) is the normalised one.
const FULL: &str = r#"{
    "geo": { "global": "block_all", "allowed_countries": ["FR", "BE"], "blocked_countries": ["US"] },
    "ip": { "allowed": ["203.0.113.7", "2001:db8::/32"], "blocked": ["198.51.100.0/24", "192.0.2.0/25"] },
    "domains": { "allowed": ["example.com", "*.example.com"], "blocked": ["ads.example.com"],
                 "missing_origin": "deny" },
    "schedule": { "starts_at": "2026-01-01T01:00:00+01:00", "ends_at": "2027-01-01T00:00:00Z",
                  "time_zone": "Europe/Paris",
                  "windows": [{ "days": ["mon", "fri"], "from": "22:00", "to": "02:00" }] }
}"#;

fn rights(account: &str, id: &str, json: &str) -> PlaybackRights {
    PlaybackRights::from_json(account, id, json.as_bytes()).expect("valid rights")
}

fn countries(allowed: &str) -> String {
    format!(r#"{{ "geo": {{ "global": "block_all", "allowed_countries": ["{allowed}"] }} }}"#)
}

async fn ids<S: RightsStore>(store: &S, account: &str) -> Vec<String> {
    store
        .list(account)
        .await
        .expect("list")
        .iter()
        .map(|rights| rights.id().to_owned())
        .collect()
}

async fn create<S: RightsStore>(store: &S, id: &str) -> Result<Written, RightsStoreError> {
    store
        .put(&rights(ACCOUNT, id, &countries("FR")), WriteMode::Create)
        .await
}

/// Rights read back equal to those written — every section, in normalised form — and decide
/// every request as the written rights do.
pub async fn rights_read_back_equal<S, F, Fut>(new_store: F)
where
    S: RightsStore,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = S>,
{
    let store = new_store(ROOMY).await;
    let written = rights(ACCOUNT, "full", FULL);
    assert_eq!(
        store.put(&written, WriteMode::Create).await.expect("put"),
        Written::Created
    );
    let read = store
        .get(ACCOUNT, "full")
        .await
        .expect("get")
        .expect("found");
    assert_eq!(*read, written);
    assert_eq!(read.account(), ACCOUNT);
    assert_eq!(read.id(), "full");
    assert_eq!(read.to_document(), written.to_document());
    let document = serde_json::to_value(read.to_document()).expect("JSON");
    assert_eq!(
        document["geo"]["allowed_countries"],
        serde_json::json!(["FR", "BE"])
    );
    assert_eq!(document["schedule"]["starts_at"], "2026-01-01T00:00:00Z");
    same_decisions(&written, &read);
    let listed = store.list(ACCOUNT).await.expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(*listed[0], written);
    // The empty rights object is rights too.
    let empty = rights(ACCOUNT, "empty", "{}");
    store.put(&empty, WriteMode::Create).await.expect("put");
    assert_eq!(
        store.get(ACCOUNT, "empty").await.expect("get").as_deref(),
        Some(&empty)
    );
}

/// `written` and `read` decide a spread of requests alike (inside and outside the schedule's
/// window, each country and range, each site, with and without `Origin`), and those
/// decisions are not all the same (so the comparison could fail).
fn same_decisions(written: &PlaybackRights, read: &PlaybackRights) {
    use crate::rights::{RightsOutcome, RightsRequest};
    use playback_auth_claims::{CountryCode, NumericDate};

    let mut outcomes: Vec<RightsOutcome> = Vec::new();
    // Friday 2026-03-06 22:30 and 12:00 in Paris (UTC+1).
    for secs in [1_772_832_600_i64, 1_772_794_800] {
        let now = NumericDate::from_secs(secs).expect("in range");
        for ip in [
            "203.0.113.7",
            "198.51.100.20",
            "2001:db8::5",
            "192.0.2.1",
            "8.8.8.8",
        ] {
            for country in ["FR", "US", "DE"] {
                for origin in [
                    None,
                    Some("https://a.example.com"),
                    Some("https://ads.example.com"),
                ] {
                    let client_ip = ip.parse().expect("address");
                    let mut request =
                        RightsRequest::new(client_ip, CountryCode::parse(country).ok(), now);
                    if let Some(origin) = origin {
                        request = request.with_origin(origin);
                    }
                    let outcome = read.evaluate(&request);
                    assert_eq!(outcome, written.evaluate(&request), "{request:?}");
                    outcomes.push(outcome);
                }
            }
        }
    }
    assert!(outcomes.iter().any(RightsOutcome::is_allowed));
    assert!(!outcomes.iter().all(RightsOutcome::is_allowed));
}

/// `Create` refuses a taken id, `Replace` a free one, `Upsert` does either; a refused write
/// changes nothing, and a replacement is whole.
pub async fn write_modes_are_kept<S, F, Fut>(new_store: F)
where
    S: RightsStore,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = S>,
{
    let store = new_store(ROOMY).await;
    let france = rights(ACCOUNT, "r", &countries("FR"));
    let belgium = rights(ACCOUNT, "r", &countries("BE"));
    match store.put(&belgium, WriteMode::Replace).await {
        Err(RightsStoreError::NotFound { id }) => assert_eq!(id, "r"),
        other => panic!("expected NotFound, got {other:?}"),
    }
    assert_eq!(store.get(ACCOUNT, "r").await.expect("get"), None);
    store.put(&france, WriteMode::Create).await.expect("create");
    match store.put(&belgium, WriteMode::Create).await {
        Err(RightsStoreError::AlreadyExists { id }) => assert_eq!(id, "r"),
        other => panic!("expected AlreadyExists, got {other:?}"),
    }
    assert_eq!(
        store.get(ACCOUNT, "r").await.expect("get").as_deref(),
        Some(&france)
    );
    assert_eq!(
        store
            .put(&belgium, WriteMode::Replace)
            .await
            .expect("replace"),
        Written::Replaced
    );
    assert_eq!(
        store.get(ACCOUNT, "r").await.expect("get").as_deref(),
        Some(&belgium)
    );
    // Whole: the replacement has no schedule, so none is left behind.
    let full = rights(ACCOUNT, "r", FULL);
    store.put(&full, WriteMode::Upsert).await.expect("upsert");
    assert_eq!(
        store.put(&france, WriteMode::Upsert).await.expect("upsert"),
        Written::Replaced
    );
    assert_eq!(
        store.get(ACCOUNT, "r").await.expect("get").as_deref(),
        Some(&france)
    );
    assert_eq!(
        store
            .put(&rights(ACCOUNT, "s", "{}"), WriteMode::Upsert)
            .await
            .expect("upsert"),
        Written::Created
    );
    assert_eq!(ids(&store, ACCOUNT).await, ["r", "s"]);
}

/// An account holds `rights_per_account` objects; replacing in a full account still works,
/// another account has room of its own, and deleting frees a place.
pub async fn the_capacity_is_per_account_and_freed_by_deletion<S, F, Fut>(new_store: F)
where
    S: RightsStore,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = S>,
{
    let store = new_store(3).await;
    for id in ["a", "b", "c"] {
        create(&store, id).await.expect("room");
    }
    for mode in [WriteMode::Create, WriteMode::Upsert] {
        match store.put(&rights(ACCOUNT, "d", "{}"), mode).await {
            Err(RightsStoreError::Full { capacity }) => assert_eq!(capacity, 3),
            other => panic!("expected Full, got {other:?}"),
        }
    }
    assert_eq!(store.get(ACCOUNT, "d").await.expect("get"), None);
    store
        .put(&rights(ACCOUNT, "b", "{}"), WriteMode::Replace)
        .await
        .expect("replacing takes no place");
    store
        .put(&rights("acct-other", "d", "{}"), WriteMode::Create)
        .await
        .expect("another account");
    assert!(store.delete(ACCOUNT, "b").await.expect("delete"));
    assert!(!store.delete(ACCOUNT, "b").await.expect("delete"));
    create(&store, "d").await.expect("the freed place");
    assert!(matches!(
        create(&store, "e").await,
        Err(RightsStoreError::Full { .. })
    ));
    assert_eq!(ids(&store, ACCOUNT).await, ["a", "c", "d"]);
}

/// Rights are listed by id (byte order), whatever the order they were written in.
pub async fn rights_are_listed_by_id<S, F, Fut>(new_store: F)
where
    S: RightsStore,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = S>,
{
    let store = new_store(ROOMY).await;
    for id in ["m", "B", "a-2", "a", "z:1", "A_b"] {
        create(&store, id).await.expect("create");
    }
    assert_eq!(
        ids(&store, ACCOUNT).await,
        ["A_b", "B", "a", "a-2", "m", "z:1"]
    );
    assert!(ids(&store, "acct-empty").await.is_empty());
}

/// One account's rights are invisible to another: not read, not listed, not deleted, not
/// replaced; the same id lives in both, each its own.
pub async fn accounts_are_independent<S, F, Fut>(new_store: F)
where
    S: RightsStore,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = S>,
{
    let store = new_store(ROOMY).await;
    let mine = rights(ACCOUNT, "shared-id", &countries("FR"));
    store.put(&mine, WriteMode::Create).await.expect("create");
    assert_eq!(
        store.get("acct-other", "shared-id").await.expect("get"),
        None
    );
    assert!(ids(&store, "acct-other").await.is_empty());
    assert!(
        !store
            .delete("acct-other", "shared-id")
            .await
            .expect("delete")
    );
    assert!(matches!(
        store
            .put(&rights("acct-other", "shared-id", "{}"), WriteMode::Replace)
            .await,
        Err(RightsStoreError::NotFound { .. })
    ));
    let theirs = rights("acct-other", "shared-id", &countries("BE"));
    assert_eq!(
        store.put(&theirs, WriteMode::Create).await.expect("create"),
        Written::Created
    );
    let read = store
        .get(ACCOUNT, "shared-id")
        .await
        .expect("get")
        .expect("found");
    assert_eq!((read.account(), &*read), (ACCOUNT, &mine));
    let read = store
        .get("acct-other", "shared-id")
        .await
        .expect("get")
        .expect("found");
    assert_eq!((read.account(), &*read), ("acct-other", &theirs));
    // An account name that is a prefix of another's shares nothing with it.
    assert!(ids(&store, "acct").await.is_empty());
}

/// Sixteen simultaneous creations of distinct ids into a store holding four per account:
/// exactly four succeed, the rest are refused as full.
pub async fn concurrent_creations_respect_the_capacity<S, F, Fut>(new_store: F)
where
    S: RightsStore,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = S>,
{
    let store = Arc::new(new_store(4).await);
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let store = Arc::clone(&store);
            let rights = rights(ACCOUNT, &format!("r{i}"), "{}");
            tokio::spawn(async move { store.put(&rights, WriteMode::Create).await })
        })
        .collect();
    let mut created = 0;
    for task in tasks {
        match task.await.expect("task") {
            Ok(Written::Created) => created += 1,
            Err(RightsStoreError::Full { capacity: 4 }) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(created, 4);
    assert_eq!(ids(&*store, ACCOUNT).await.len(), 4);
}

/// Stamps out one `#[tokio::test]` per check of
/// [`testing::rights`](crate::testing::rights), each calling it with `$factory`: an
/// expression for a closure from a per-account capacity (`usize`) to a future of a fresh,
/// empty rights store with that capacity. Needs `tokio` (`macros`, `rt-multi-thread`);
/// once per module.
///
/// ```
/// use playback_auth_policy::MemoryRightsStore;
///
/// playback_auth_policy::rights_store_conformance!(|rights_per_account| async move {
///     MemoryRightsStore::new().with_rights_per_account(rights_per_account)
/// });
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! rights_store_conformance {
    ($factory:expr) => {
        $crate::__conformance_tests!(
            rights, $factory;
            rights_read_back_equal,
            write_modes_are_kept,
            the_capacity_is_per_account_and_freed_by_deletion,
            rights_are_listed_by_id,
            accounts_are_independent,
            concurrent_creations_respect_the_capacity
        );
    };
}
