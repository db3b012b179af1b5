//! Past its limit of requests in flight the layer sheds at once — `503 overloaded` with
//! `Retry-After` — instead of queueing until store calls time out.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use playback_auth_tower::{ContentTags, TagsFuture};
use tokio::sync::{Notify, Semaphore};

use playback_auth_policy::metrics::{DECISIONS_TOTAL, LOAD_SHED_TOTAL};
use playback_auth_policy::testing::metrics::recorded;

use crate::common::*;

/// A catalogue that holds every lookup until the test lets one through, and says when a
/// lookup is waiting: a request inside the layer, for as long as the test wants.
#[derive(Clone)]
struct HeldCatalogue {
    entered: Arc<Notify>,
    release: Arc<Semaphore>,
}

impl ContentTags for HeldCatalogue {
    fn content_tags<'a>(&'a self, _: &'a str, _: &'a str) -> TagsFuture<'a> {
        Box::pin(async move {
            self.entered.notify_one();
            self.release.acquire().await.unwrap().forget();
            Ok(Vec::new())
        })
    }
}

#[tokio::test]
async fn past_the_limit_requests_are_shed_with_retry_after() {
    shed_one_of_seven().await;
}

/// Every request shed is counted in `playback_auth_load_shed_total`, and no other.
#[test]
fn each_request_shed_is_counted() {
    let ((), metrics) = recorded(shed_one_of_seven());
    assert_eq!(metrics.counter(LOAD_SHED_TOTAL, &[]), 1);
    let allowed = [("outcome", "allowed"), ("code", "ok")];
    assert_eq!(metrics.counter(DECISIONS_TOTAL, &allowed), 5);
}

/// Seven requests, one place: the second comes while the first holds it (shed), the other
/// five one after the other (five allowed, the last denied `max_uses_reached`).
async fn shed_one_of_seven() {
    let (authorizer, keys) = authorizer().await;
    let catalogue = HeldCatalogue {
        entered: Arc::new(Notify::new()),
        release: Arc::new(Semaphore::new(0)),
    };
    let app = app(builder(&authorizer)
        .content_tags(catalogue.clone())
        .max_in_flight(1)
        .retry_after(Duration::from_millis(1500))
        .build());
    let token = keys.restriction(|b| b.max_uses(5));

    let first = tokio::spawn({
        let (app, token) = (app.clone(), token.clone());
        async move { get_reply(&app, play(&token)).await }
    });
    catalogue.entered.notified().await;

    // The one place is taken: shed, before any work (no use is counted).
    let shed = get_reply(&app, play(&token)).await;
    shed.assert_denied(503, "overloaded");
    assert_eq!(shed.header("retry-after"), Some("2"));

    catalogue.release.add_permits(1);
    first.await.unwrap().assert_allowed();

    // The place is free again.
    catalogue.release.add_permits(1);
    get_reply(&app, play(&token)).await.assert_allowed();
    // Two uses counted (first and last), the shed request none: three more fit under maxu 5.
    for _ in 0..3 {
        catalogue.release.add_permits(1);
        get_reply(&app, play(&token)).await.assert_allowed();
    }
    catalogue.release.add_permits(1);
    get_reply(&app, play(&token))
        .await
        .assert_denied(403, "max_uses_reached");
}
