//! The layer over real HTTP: an axum server on 127.0.0.1:0 with `ConnectInfo`, called with
//! reqwest.

use std::net::SocketAddr;

use crate::common::*;
use reqwest::StatusCode;

#[tokio::test]
async fn an_axum_server_authorizes_requests_from_its_peer() {
    let (authorizer, keys) = authorizer().await;
    let app = app(builder(&authorizer).build());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    let base = format!("http://{addr}");
    let client = reqwest::Client::new();
    let token = keys.restriction(|b| b.content_id(CONTENT).max_uses(1));

    let allowed = client
        .get(format!("{base}{PLAY}"))
        .bearer_auth(&token)
        .header("user-agent", UA)
        .send()
        .await
        .unwrap();
    assert_eq!(allowed.status(), StatusCode::OK);
    let body: serde_json::Value = allowed.json().await.unwrap();
    assert_eq!(body["client_ip"], "127.0.0.1");
    assert_eq!(body["content"], CONTENT);

    let again = client
        .get(format!("{base}{PLAY}?token={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::FORBIDDEN);
    let headers = again.headers().clone();
    let body: serde_json::Value = again.json().await.unwrap();
    assert_json_denial(&headers, &body, "max_uses_reached");

    let missing = client.get(format!("{base}{PLAY}")).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(missing.headers()["www-authenticate"], "Bearer");

    server.abort();
}
