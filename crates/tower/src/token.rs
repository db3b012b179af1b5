//! Where the token comes from: `Authorization: Bearer …` or the token query parameters.

use http::header::AUTHORIZATION;
use http::request::Parts;

use crate::percent;
use crate::rejection::Rejection;

/// The one token the request carries.
///
/// Every `Authorization: Bearer` value and every configured query parameter is collected;
/// other authorization schemes and empty values are not tokens. No token is
/// [`Rejection::TokenMissing`]; the same token in several places is that token; two different
/// tokens are [`Rejection::ConflictingTokens`] (never "the first one wins": a proxy and a
/// client could then disagree on which token was checked).
pub(crate) fn extract(parts: &Parts, query_params: &[String]) -> Result<String, Rejection> {
    let mut found: Option<String> = None;
    let mut offer = |candidate: String| match &found {
        Some(token) if *token != candidate => Err(Rejection::ConflictingTokens),
        Some(_) => Ok(()),
        None => {
            found = Some(candidate);
            Ok(())
        }
    };

    for value in parts.headers.get_all(AUTHORIZATION) {
        let value = value.to_str().map_err(|_| Rejection::InvalidHeader {
            name: AUTHORIZATION,
        })?;
        if let Some(token) = bearer(value) {
            offer(token.to_owned())?;
        }
    }
    if !query_params.is_empty()
        && let Some(query) = parts.uri.query()
    {
        for pair in query.split('&') {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            if value.is_empty() || !query_params.iter().any(|p| p == name) {
                continue;
            }
            offer(percent::decode(value).ok_or(Rejection::MalformedQuery)?)?;
        }
    }
    found.ok_or(Rejection::TokenMissing)
}

/// The token of a `Bearer` credential (scheme case-insensitive, RFC 7235), if non-empty.
fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests;
