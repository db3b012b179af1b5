use super::super::*;
use super::*;

#[test]
fn writes_are_decided_by_id_then_capacity() {
    use WriteMode::{Create, Replace, Upsert};
    assert!(matches!(
        check_write("a", Create, true, 0, 0),
        Err(RightsStoreError::AlreadyExists { id }) if id == "a"
    ));
    assert!(matches!(
        check_write("a", Replace, false, 5, 5),
        Err(RightsStoreError::NotFound { id }) if id == "a"
    ));
    // Replacing never needs a place, even in a full account.
    assert_eq!(
        check_write("a", Replace, true, 5, 5).unwrap(),
        Written::Replaced
    );
    assert_eq!(
        check_write("a", Upsert, true, 5, 5).unwrap(),
        Written::Replaced
    );
    for mode in [Create, Upsert] {
        assert!(matches!(
            check_write("a", mode, false, 5, 5),
            Err(RightsStoreError::Full { capacity: 5 })
        ));
        assert_eq!(
            check_write("a", mode, false, 4, 5).unwrap(),
            Written::Created
        );
    }
}

#[test]
fn an_emptied_account_is_forgotten() {
    let store = MemoryRightsStore::new();
    let rights = PlaybackRights::from_json("acct", "r", b"{}").unwrap();
    store.put_now(&rights, WriteMode::Create).unwrap();
    assert_eq!(store.read().len(), 1);
    let deleted = futures_ready(store.delete("acct", "r"));
    assert!(deleted);
    assert!(store.read().is_empty());
}

/// The memory store's futures are ready at once.
fn futures_ready<T>(future: impl Future<Output = Result<T, RightsStoreError>>) -> T {
    let mut future = std::pin::pin!(future);
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut context) {
        std::task::Poll::Ready(result) => result.unwrap(),
        std::task::Poll::Pending => panic!("the memory store never waits"),
    }
}
