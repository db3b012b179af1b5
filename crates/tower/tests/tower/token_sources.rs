//! Where the token comes from: the bearer header, each query parameter, a configured list;
//! none is `401 token_missing`, two different ones are `400 conflicting_tokens`, a parameter
//! that is not percent-encoding `400 malformed_query`.

use crate::common::*;
use axum::http::header;

#[tokio::test]
async fn a_bearer_token_is_read() {
    let (authorizer, keys) = authorizer().await;
    let app = app(builder(&authorizer).build());
    let token = keys.restriction(|b| b.content_id(CONTENT));
    let reply = get_reply(&app, play(&token)).await;
    let body = reply.assert_allowed();
    assert_eq!(body["account"], ACCOUNT);
    assert_eq!(body["content"], CONTENT);
}

#[tokio::test]
async fn each_default_query_parameter_is_read() {
    let (authorizer, keys) = authorizer().await;
    let app = app(builder(&authorizer).build());
    let token = keys.restriction(|b| b);
    for param in ["token", "bcov_auth"] {
        let uri = format!("{PLAY}?quality=hd&{param}={token}");
        get_reply(&app, request(&uri)).await.assert_allowed();
    }
}

#[tokio::test]
async fn configured_query_parameters_replace_the_defaults() {
    let (authorizer, keys) = authorizer().await;
    let app = app(builder(&authorizer).token_query_params(["jwt"]).build());
    let token = keys.restriction(|b| b);
    get_reply(&app, request(&format!("{PLAY}?jwt={token}")))
        .await
        .assert_allowed();
    get_reply(&app, request(&format!("{PLAY}?token={token}")))
        .await
        .assert_denied(401, "token_missing");
}

#[tokio::test]
async fn no_token_is_401_token_missing_with_a_bearer_challenge() {
    let (authorizer, _keys) = authorizer().await;
    let app = app(builder(&authorizer).build());
    for request in [
        request(PLAY),
        request(&format!("{PLAY}?token=")),
        request(PLAY).header(header::AUTHORIZATION, "Basic dXNlcjpwYXNz"),
    ] {
        let reply = get_reply(&app, request).await;
        reply.assert_denied(401, "token_missing");
        assert_eq!(reply.header("www-authenticate"), Some("Bearer"));
    }
}

#[tokio::test]
async fn two_different_tokens_are_400_conflicting_tokens() {
    let (authorizer, keys) = authorizer().await;
    let app = app(builder(&authorizer).build());
    let first = keys.restriction(|b| b);
    let second = keys.restriction(|b| b.max_uses(5));
    let reply = get_reply(&app, play(&first).uri(format!("{PLAY}?token={second}"))).await;
    reply.assert_denied(400, "conflicting_tokens");
    assert_eq!(
        reply.header("www-authenticate"),
        Some(r#"Bearer error="invalid_request""#)
    );

    // The same token in the header and the query is just that token.
    get_reply(&app, play(&first).uri(format!("{PLAY}?bcov_auth={first}")))
        .await
        .assert_allowed();
}

#[tokio::test]
async fn a_token_parameter_that_is_not_percent_encoding_is_400_malformed_query() {
    let (authorizer, _keys) = authorizer().await;
    let app = app(builder(&authorizer).build());
    for uri in [
        format!("{PLAY}?token=%ZZ"),
        format!("{PLAY}?bcov_auth=abc%4"),
    ] {
        get_reply(&app, request(&uri))
            .await
            .assert_denied(400, "malformed_query");
    }
}
