use super::ContentRoute;
use crate::error::RouteError;

fn ids(route: &ContentRoute, path: &str) -> Option<(String, String)> {
    route.matches(path).map(|m| (m.account, m.content_id))
}

fn pair(account: &str, content: &str) -> Option<(String, String)> {
    Some((account.to_owned(), content.to_owned()))
}

#[test]
fn captures_are_taken_segment_by_segment() {
    let route = ContentRoute::new("/v1/play/{account}/{content}").unwrap();
    assert_eq!(ids(&route, "/v1/play/a/c"), pair("a", "c"));
    assert_eq!(ids(&route, "/v1/play/a%20b/c%2Fd"), pair("a b", "c/d"));
    assert_eq!(route.template(), "/v1/play/{account}/{content}");
}

#[test]
fn captures_may_come_in_any_order_with_ignored_segments() {
    let route = ContentRoute::new("/c/{content}/{region}/a/{account}").unwrap();
    assert_eq!(ids(&route, "/c/vid/eu/a/acct"), pair("acct", "vid"));
}

#[test]
fn mismatches_are_none() {
    let route = ContentRoute::new("/v1/play/{account}/{content}").unwrap();
    for path in [
        "",
        "v1/play/a/c",
        "/v1/play/a",
        "/v1/play/a/c/",
        "/v1/play/a/c/extra",
        "/V1/play/a/c",
        "/v1/play//c",
        "/v1/play/a/",
        "/v1/play/%zz/c",
        "/v1/play/%00/c",
        "/v1/play/a/%FF",
    ] {
        assert_eq!(ids(&route, path), None, "{path:?}");
    }
}

#[test]
fn a_catch_all_takes_the_rest() {
    let route = ContentRoute::new("/hls/{account}/{content}/{*file}").unwrap();
    assert_eq!(ids(&route, "/hls/a/c"), pair("a", "c"));
    assert_eq!(ids(&route, "/hls/a/c/"), pair("a", "c"));
    assert_eq!(ids(&route, "/hls/a/c/720p/seg-1.ts"), pair("a", "c"));
    assert_eq!(ids(&route, "/hls/a"), None);
}

#[test]
fn bad_templates_are_typed_errors() {
    let cases = [
        (
            "v1/{account}/{content}",
            RouteError::NotAbsolute {
                template: "v1/{account}/{content}".into(),
            },
        ),
        ("/v1//{account}/{content}", RouteError::EmptySegment),
        ("/{account}/{content}/", RouteError::EmptySegment),
        (
            "/{account}/x{content}",
            RouteError::InvalidSegment {
                segment: "x{content}".into(),
            },
        ),
        (
            "/{account}/{}/{content}",
            RouteError::InvalidSegment {
                segment: "{}".into(),
            },
        ),
        (
            "/{account}/{a-b}/{content}",
            RouteError::InvalidSegment {
                segment: "{a-b}".into(),
            },
        ),
        (
            "/{account}/{account}/{content}",
            RouteError::DuplicateCapture {
                name: "account".into(),
            },
        ),
        (
            "/v1/{content}",
            RouteError::MissingCapture {
                template: "/v1/{content}".into(),
                id: "account",
                name: "account".into(),
                captures: vec!["content".into()],
            },
        ),
        (
            "/v1/{account}",
            RouteError::MissingCapture {
                template: "/v1/{account}".into(),
                id: "content",
                name: "content".into(),
                captures: vec!["account".into()],
            },
        ),
        ("/{account}/{*rest}/{content}", RouteError::CatchAllNotLast),
        (
            "/{account}/{*content}",
            RouteError::InvalidSegment {
                segment: "{*content}".into(),
            },
        ),
    ];
    for (template, expected) in cases {
        assert_eq!(ContentRoute::new(template), Err(expected), "{template:?}");
    }
}

#[test]
fn the_path_for_the_router_is_the_template() {
    let route = ContentRoute::new("/hls/{account}/{content}/{*file}").unwrap();
    assert_eq!(route.path(), "/hls/{account}/{content}/{*file}");
    assert_eq!(route.path(), route.template());
    assert_eq!(
        (route.account_capture(), route.content_capture()),
        ("account", "content")
    );
}

#[test]
fn capture_names_can_be_chosen() {
    let route = ContentRoute::builder("/watch/{publisher}/{video}/{*file}")
        .account_capture("publisher")
        .content_capture("video")
        .build()
        .unwrap();
    assert_eq!(
        ids(&route, "/watch/acct/vid/master.m3u8"),
        pair("acct", "vid")
    );
    assert_eq!(
        (route.account_capture(), route.content_capture()),
        ("publisher", "video")
    );
    // The default names are then ordinary ignored captures.
    let route = ContentRoute::builder("/w/{account}/{content}/{video}")
        .content_capture("video")
        .build()
        .unwrap();
    assert_eq!(ids(&route, "/w/acct/ignored/vid"), pair("acct", "vid"));
}

#[test]
fn a_template_without_the_named_capture_fails_at_construction_naming_both() {
    // The newcomer's case: the axum route says `{video}`, the layer looks for `{content}`.
    let error = ContentRoute::new("/watch/{account}/{video}").unwrap_err();
    assert_eq!(
        error,
        RouteError::MissingCapture {
            template: "/watch/{account}/{video}".into(),
            id: "content",
            name: "content".into(),
            captures: vec!["account".into(), "video".into()],
        }
    );
    let message = error.to_string();
    for part in [
        "\"/watch/{account}/{video}\"",
        "no {content} capture for the content id",
        "{account}, {video}",
        "content_capture(",
    ] {
        assert!(message.contains(part), "{part:?} not in {message:?}");
    }
    // A name given to the builder that the template lacks fails the same way.
    let error = ContentRoute::builder("/watch/{account}/{video}")
        .account_capture("publisher")
        .content_capture("video")
        .build()
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("no {publisher} capture for the account id"),
        "{error}"
    );
    assert_eq!(
        ContentRoute::new("/health").unwrap_err().to_string(),
        "route template \"/health\" has no {account} capture for the account id (its captures: \
         none); name the capture the account id is in with \
         ContentRoute::builder(…).account_capture(\"…\")"
    );
}

#[test]
fn capture_names_are_checked() {
    for name in ["", "{video}", "a-b", "vid eo"] {
        assert_eq!(
            ContentRoute::builder("/{account}/{content}")
                .content_capture(name)
                .build(),
            Err(RouteError::InvalidCaptureName { name: name.into() }),
            "{name:?}"
        );
    }
    assert_eq!(
        ContentRoute::builder("/{account}/{content}")
            .content_capture("account")
            .build(),
        Err(RouteError::SameCapture {
            name: "account".into()
        })
    );
    // A chosen id capture cannot be the catch-all either.
    assert_eq!(
        ContentRoute::builder("/{account}/{*video}")
            .content_capture("video")
            .build(),
        Err(RouteError::InvalidSegment {
            segment: "{*video}".into()
        })
    );
}
