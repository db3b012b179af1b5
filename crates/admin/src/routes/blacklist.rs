//! `/v1/accounts/{account}/blacklist`: the account's list of revoked tokens.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use http::StatusCode;
use playback_auth_claims::NumericDate;
use playback_auth_policy::{RevocationStore, TokenDigest};
use playback_auth_verify::{Verifier, VerifyError};
use serde::{Deserialize, Serialize};

use crate::api::Shared;
use crate::error::ApiError;
use crate::extract::{AccountPath, Params, check_account};
use crate::routes::no_content_or;
use playback_auth_policy::Stores;

#[derive(Debug, Deserialize)]
pub(crate) struct TokenPath {
    account: String,
    token: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct Blacklist {
    tokens: Vec<Entry>,
}

#[derive(Debug, Serialize)]
struct Entry {
    /// SHA-256 of the revoked token, lowercase hex.
    digest: String,
    /// When the entry frees its place (seconds since the epoch): the token's expiry plus the
    /// authorizer's leeway, during which the token would still verify.
    #[serde(rename = "expiresAt")]
    expires_at: i64,
}

/// `PUT …/blacklist/tokens/{token}` → 204 once listed. The token must verify with the
/// account's registered keys, so only the account's own tokens take a place in the list.
pub(crate) async fn add<B: Stores>(
    State(api): State<Arc<Shared<B>>>,
    Params(path): Params<TokenPath>,
) -> Result<StatusCode, ApiError> {
    let account = check_account(&path.account)?;
    let now = api.now();
    // The length first: an over-long token costs no registry read.
    check_length(api.authorizer.verifier(), &path.token)?;
    let token = api
        .authorizer
        .verify_token(account, &path.token, now)
        .await?;
    // A key may be registered for several accounts; each list holds its own account's tokens
    // (private-channel tokens carry no account and are listed where they verify).
    if let Some(token_account) = token.claims.account()
        && token_account != account
    {
        return Err(ApiError::AccountMismatch(token_account.to_owned()));
    }
    api.authorizer.revoke(account, &token, now).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET …/blacklist/tokens/{token}` → 204 when listed, 404 when not.
pub(crate) async fn check<B: Stores>(
    State(api): State<Arc<Shared<B>>>,
    Params(path): Params<TokenPath>,
) -> Result<StatusCode, ApiError> {
    let (account, digest, now) = listed_token(&api, &path)?;
    let revocations = api.authorizer.stores().revocations();
    let listed = revocations.is_revoked(account, digest, now).await?;
    no_content_or(listed, ApiError::TokenNotListed)
}

/// `DELETE …/blacklist/tokens/{token}` → 204 when removed, 404 when not listed.
pub(crate) async fn remove<B: Stores>(
    State(api): State<Arc<Shared<B>>>,
    Params(path): Params<TokenPath>,
) -> Result<StatusCode, ApiError> {
    let (account, digest, now) = listed_token(&api, &path)?;
    let revocations = api.authorizer.stores().revocations();
    let removed = revocations.unrevoke(account, digest, now).await?;
    no_content_or(removed, ApiError::TokenNotListed)
}

/// `GET …/blacklist` → 200 `{"tokens": [{"digest", "expiresAt"}]}`, soonest expiry first.
pub(crate) async fn list<B: Stores>(
    State(api): State<Arc<Shared<B>>>,
    Params(path): Params<AccountPath>,
) -> Result<Json<Blacklist>, ApiError> {
    let account = check_account(&path.account)?;
    let revoked = api
        .authorizer
        .stores()
        .revocations()
        .list(account, api.now())
        .await?;
    let mut tokens: Vec<Entry> = revoked
        .into_iter()
        .map(|entry| Entry {
            digest: entry.digest.to_hex(),
            expires_at: entry.kept_until.as_secs(),
        })
        .collect();
    tokens.sort_by(|a, b| (a.expires_at, &a.digest).cmp(&(b.expires_at, &b.digest)));
    Ok(Json(Blacklist { tokens }))
}

/// The account, the token's digest and now, for a token looked up in the list.
fn listed_token<'p, B: Stores>(
    api: &Shared<B>,
    path: &'p TokenPath,
) -> Result<(&'p str, TokenDigest, NumericDate), ApiError> {
    let account = check_account(&path.account)?;
    let now = api.now();
    check_length(api.authorizer.verifier(), &path.token)?;
    Ok((account, TokenDigest::of_token(&path.token), now))
}

/// Refuses a token longer than the verifier accepts, before it is hashed or decoded.
fn check_length(verifier: &Verifier, token: &str) -> Result<(), ApiError> {
    verifier
        .check_token_len(token)
        .map_err(|error| match error {
            VerifyError::TokenTooLong { len, max } => ApiError::TokenTooLong { len, max },
            other => ApiError::InvalidToken(other),
        })
}
