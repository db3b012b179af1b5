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
            RouteError::MissingCapture { name: "account" },
        ),
        (
            "/v1/{account}",
            RouteError::MissingCapture { name: "content" },
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
