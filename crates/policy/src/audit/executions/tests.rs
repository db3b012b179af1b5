#![allow(clippy::unwrap_used)]

use super::*;
use proptest::prelude::*;

fn at(secs: i64) -> NumericDate {
    NumericDate::from_secs(1_700_000_000 + secs).unwrap()
}

fn id(n: u8) -> ExecutionId {
    ExecutionId::from_bytes([n; 16])
}

fn execution(status: ExecutionStatus) -> Execution {
    Execution {
        account: "acct-1".to_owned(),
        date: time::macros::date!(2023 - 11 - 13),
        status,
    }
}

#[test]
fn entries_expire_and_an_expiry_in_the_past_removes() {
    let store = MemoryReportStore::new();
    let done = execution(ExecutionStatus::Completed);
    store.put(id(1), &done, Some(b"x\n"), at(100), at(0));
    assert_eq!(store.get(id(1), at(99)), Some(done.clone()));
    assert_eq!(store.file(id(1), at(99)).as_deref(), Some(&b"x\n"[..]));
    assert_eq!(store.get(id(1), at(100)), None);
    assert_eq!(store.file(id(1), at(100)), None);

    store.put(id(2), &done, None, at(100), at(0));
    store.put(id(2), &done, None, at(0), at(0));
    assert_eq!(store.get(id(2), at(0)), None);
}

#[test]
fn the_oldest_go_first_past_the_count_or_the_bytes() {
    let processing = execution(ExecutionStatus::Processing);
    let store = MemoryReportStore::new().with_max_executions(2);
    store.put(id(1), &processing, None, at(100), at(0));
    store.put(id(2), &processing, None, at(100), at(0));
    // Replacing keeps an entry's place: finishing 1 does not make it the newest.
    store.put(
        id(1),
        &execution(ExecutionStatus::Completed),
        None,
        at(100),
        at(0),
    );
    store.put(id(3), &processing, None, at(100), at(0));
    assert_eq!(store.get(id(1), at(0)), None);
    assert!(store.get(id(2), at(0)).is_some());
    assert!(store.get(id(3), at(0)).is_some());

    let store = MemoryReportStore::new().with_max_bytes(10);
    let done = execution(ExecutionStatus::Completed);
    store.put(id(1), &done, Some(&[b'a'; 6]), at(100), at(0));
    store.put(id(2), &done, Some(&[b'b'; 6]), at(100), at(0));
    assert_eq!(store.file(id(1), at(0)), None);
    assert_eq!(store.file(id(2), at(0)), Some(vec![b'b'; 6]));
    // A file larger than the bound is not kept at all, and evicts nothing.
    store.put(id(3), &done, Some(&[b'c'; 11]), at(100), at(0));
    assert_eq!(store.get(id(3), at(0)), None);
    assert_eq!(store.file(id(2), at(0)), Some(vec![b'b'; 6]));
}

#[test]
fn executions_round_trip_through_json() {
    for status in [
        ExecutionStatus::Processing,
        ExecutionStatus::Completed,
        ExecutionStatus::Failed {
            reason: "audit sink unavailable".to_owned(),
        },
    ] {
        let execution = execution(status);
        let json = serde_json::to_string(&execution).unwrap();
        assert_eq!(serde_json::from_str::<Execution>(&json).unwrap(), execution);
    }
    let json = serde_json::to_value(execution(ExecutionStatus::Processing)).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"account": "acct-1", "date": "2023-11-13", "status": "processing"})
    );
}

proptest! {
    /// Display and parse are inverse; nothing else parses.
    #[test]
    fn ids_round_trip(bytes in any::<[u8; 16]>(), text in "\\PC{0,40}") {
        let id = ExecutionId::from_bytes(bytes);
        prop_assert_eq!(ExecutionId::parse(&id.to_string()), Some(id));
        if let Some(parsed) = ExecutionId::parse(&text) {
            prop_assert_eq!(parsed.to_string(), text);
        }
    }
}
