//! A state store that cannot be reached fails closed: `503 store_unavailable`.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::io;

use crate::common::*;
use playback_auth_claims::{NumericDate, Uid};
use playback_auth_policy::{
    DecisionPlan, DeviceInfo, Outcome, PolicyStore, SessionInfo, StoreError,
};

/// A store whose backend is down: every call fails.
struct DownStore;

fn down() -> StoreError {
    StoreError::backend(io::Error::new(
        io::ErrorKind::ConnectionRefused,
        "10.0.0.5:6379 connection refused",
    ))
}

impl PolicyStore for DownStore {
    async fn apply(&self, _: &DecisionPlan) -> Result<Outcome, StoreError> {
        Err(down())
    }
    async fn sessions(
        &self,
        _: &str,
        _: &Uid,
        _: NumericDate,
    ) -> Result<Vec<SessionInfo>, StoreError> {
        Err(down())
    }
    async fn renew_session(
        &self,
        _: &playback_auth_policy::Partition,
        _: &str,
        _: std::time::Duration,
        _: NumericDate,
    ) -> Result<playback_auth_policy::SessionRenewal, StoreError> {
        Err(down())
    }
    async fn stop_session(
        &self,
        _: &playback_auth_policy::Partition,
        _: &str,
        _: NumericDate,
    ) -> Result<bool, StoreError> {
        Err(down())
    }
    async fn end_session(
        &self,
        _: &str,
        _: &Uid,
        _: &str,
        _: NumericDate,
    ) -> Result<bool, StoreError> {
        Err(down())
    }
    async fn devices(&self, _: &str, _: &Uid) -> Result<Vec<DeviceInfo>, StoreError> {
        Err(down())
    }
    async fn remove_device(&self, _: &str, _: &Uid, _: &str) -> Result<bool, StoreError> {
        Err(down())
    }
}

#[tokio::test]
async fn a_stateful_token_is_503_store_unavailable_without_internal_details() {
    let (authorizer, keys) = authorizer_on(DownStore).await;
    let app = app(builder(&authorizer).build());
    let token = keys.restriction(|b| b.max_uses(3));
    let reply = get_reply(&app, play(&token)).await;
    reply.assert_denied(503, "store_unavailable");
    assert_eq!(reply.header("www-authenticate"), None);
    let message = reply.body["message"].as_str().unwrap();
    assert!(
        !message.contains("6379") && !message.contains("refused"),
        "{message}"
    );
}

#[tokio::test]
async fn a_token_without_stateful_claims_does_not_need_the_store() {
    let (authorizer, keys) = authorizer_on(DownStore).await;
    let app = app(builder(&authorizer).build());
    get_reply(&app, play(&keys.restriction(|b| b)))
        .await
        .assert_allowed();
}

/// Collects what the log subscriber writes.
#[derive(Clone, Default)]
pub(crate) struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Captured {
    /// Everything logged so far.
    pub(crate) fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

impl io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The process's log, captured from the first call on. A global subscriber, not a scoped
/// one: tracing caches each call site's interest process-wide, and a site first reached by a
/// test thread without a subscriber can stay disabled for a scoped one.
pub(crate) fn process_log() -> &'static Captured {
    static LOG: std::sync::OnceLock<Captured> = std::sync::OnceLock::new();
    LOG.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        captured
    })
}

#[tokio::test]
async fn the_cause_of_a_store_fault_is_logged_for_the_operator() {
    let log = process_log();
    let (authorizer, keys) = authorizer_on(DownStore).await;
    let app = app(builder(&authorizer).build());
    get_reply(&app, play(&keys.restriction(|b| b.max_uses(3))))
        .await
        .assert_denied(503, "store_unavailable");

    let log = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    let fault = log
        .lines()
        .find(|line| line.contains("store fault"))
        .unwrap_or_else(|| panic!("no store fault logged: {log}"));
    // The backend's own error (kept as the source), which the client never sees.
    assert!(
        fault.contains("10.0.0.5:6379 connection refused"),
        "{fault}"
    );
    assert!(fault.contains("WARN"), "{fault}");
}
