use http::Request;
use http::request::Parts;

use super::extract;
use crate::rejection::Rejection;

fn parts(uri: &str, authorization: &[&[u8]]) -> Parts {
    let mut builder = Request::builder().uri(uri);
    for value in authorization {
        builder = builder.header("authorization", *value);
    }
    builder.body(()).unwrap().into_parts().0
}

fn params() -> Vec<String> {
    vec!["token".into(), "bcov_auth".into()]
}

#[test]
fn the_bearer_header_and_each_query_parameter_carry_a_token() {
    assert_eq!(
        extract(&parts("/p", &[b"Bearer a.b.c"]), &params()),
        Ok("a.b.c".into())
    );
    assert_eq!(
        extract(&parts("/p", &[b"bearer  a.b.c "]), &params()),
        Ok("a.b.c".into())
    );
    assert_eq!(
        extract(&parts("/p?x=1&token=a.b.c", &[]), &params()),
        Ok("a.b.c".into())
    );
    assert_eq!(
        extract(&parts("/p?bcov_auth=a%2Eb.c", &[]), &params()),
        Ok("a.b.c".into())
    );
}

#[test]
fn no_token_is_missing() {
    for (uri, auth) in [
        ("/p", &[][..]),
        ("/p?token=", &[][..]),
        ("/p?token", &[][..]),
        ("/p?other=a.b.c", &[][..]),
        ("/p", &[&b"Basic dXNlcjpwYXNz"[..]][..]),
        ("/p", &[&b"Bearer "[..]][..]),
        ("/p", &[&b"Bearer"[..]][..]),
    ] {
        assert_eq!(
            extract(&parts(uri, auth), &params()),
            Err(Rejection::TokenMissing),
            "{uri} {auth:?}"
        );
    }
    // Query parameters turned off: only the header counts.
    assert_eq!(
        extract(&parts("/p?token=a.b.c", &[]), &[]),
        Err(Rejection::TokenMissing)
    );
}

#[test]
fn two_different_tokens_conflict_and_the_same_token_twice_does_not() {
    assert_eq!(
        extract(&parts("/p?token=x.y.z", &[b"Bearer a.b.c"]), &params()),
        Err(Rejection::ConflictingTokens)
    );
    assert_eq!(
        extract(&parts("/p?token=a.b.c&bcov_auth=x.y.z", &[]), &params()),
        Err(Rejection::ConflictingTokens)
    );
    assert_eq!(
        extract(&parts("/p", &[b"Bearer a.b.c", b"Bearer x.y.z"]), &params()),
        Err(Rejection::ConflictingTokens)
    );
    assert_eq!(
        extract(&parts("/p?token=a.b.c", &[b"Bearer a.b.c"]), &params()),
        Ok("a.b.c".into())
    );
}

#[test]
fn bad_bytes_are_rejections() {
    assert!(matches!(
        extract(&parts("/p", &[b"Bearer a\xffb"]), &params()),
        Err(Rejection::InvalidHeader { .. })
    ));
    assert_eq!(
        extract(&parts("/p?token=%FF", &[]), &params()),
        Err(Rejection::MalformedQuery)
    );
}
