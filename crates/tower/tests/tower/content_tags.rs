//! Content tags come from the server's resolver, never from the request; a failing
//! resolver fails closed with `503 content_tags_unavailable`.

use std::io;

use crate::common::*;
use playback_auth_tower::{ContentTags, TagsFuture, TagsUnavailable};

#[tokio::test]
async fn tags_from_the_resolver_satisfy_a_tags_claim() {
    let (authorizer, keys) = authorizer().await;
    let resolver = |account: &str, content: &str| {
        if (account, content) == (ACCOUNT, CONTENT) {
            vec!["sports".to_owned(), "live".to_owned()]
        } else {
            Vec::new()
        }
    };
    let app = app(builder(&authorizer).content_tags(resolver).build());
    let sports = keys.restriction(|b| b.tags(["sports"]));
    let body = get_reply(&app, play(&sports))
        .await
        .assert_allowed()
        .clone();
    assert_eq!(body["tags"], serde_json::json!(["sports", "live"]));

    let news = keys.restriction(|b| b.tags(["news"]));
    get_reply(&app, play(&news))
        .await
        .assert_denied(403, "no_matching_tag");
}

#[tokio::test]
async fn the_client_cannot_name_tags() {
    let (authorizer, keys) = authorizer().await;
    let app = app(builder(&authorizer).build());
    let sports = keys.restriction(|b| b.tags(["sports"]));
    let uri = format!("{PLAY}?tags=sports&content_tags=sports");
    get_reply(
        &app,
        play(&sports).uri(uri).header("x-content-tags", "sports"),
    )
    .await
    .assert_denied(403, "no_matching_tag");
}

struct DownCatalogue;

impl ContentTags for DownCatalogue {
    fn content_tags<'a>(&'a self, _: &'a str, _: &'a str) -> TagsFuture<'a> {
        Box::pin(async { Err(TagsUnavailable::new(io::Error::other("catalogue db down"))) })
    }
}

#[tokio::test]
async fn a_failing_resolver_is_503_content_tags_unavailable() {
    let (authorizer, keys) = authorizer().await;
    let app = app(builder(&authorizer).content_tags(DownCatalogue).build());
    let reply = get_reply(&app, play(&keys.restriction(|b| b))).await;
    reply.assert_denied(503, "content_tags_unavailable");
    assert!(!reply.body["message"].as_str().unwrap().contains("db down"));
}
