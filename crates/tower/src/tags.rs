//! The tags of the requested content, from the server's own catalogue.

use std::future::{Future, ready};
use std::pin::Pin;

use crate::error::TagsUnavailable;

/// What [`ContentTags::content_tags`] returns.
pub type TagsFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Vec<String>, TagsUnavailable>> + Send + 'a>>;

/// Looks up the tags a content id carries, for tokens restricted by `tags`.
///
/// Tags come from the server (a catalogue, a database, a static map), never from the
/// request: a client could otherwise name whatever tag its token allows. Without a resolver
/// every request has no tags, so a token with `tags` is denied `no_matching_tag`. Unknown
/// content should resolve to no tags; an `Err` fails closed with
/// `503 content_tags_unavailable`.
///
/// A plain function or closure `Fn(&str, &str) -> Vec<String>` (account, content id) is a
/// resolver; implement the trait for an asynchronous lookup.
///
/// ```
/// use playback_auth_tower::{ContentTags, TagsFuture};
///
/// struct Catalogue;
///
/// impl ContentTags for Catalogue {
///     fn content_tags<'a>(&'a self, _account: &'a str, content_id: &'a str) -> TagsFuture<'a> {
///         Box::pin(async move {
///             Ok(if content_id.starts_with("match-") { vec!["sports".to_owned()] } else { Vec::new() })
///         })
///     }
/// }
///
/// let closure = |_account: &str, content_id: &str| vec![format!("series:{content_id}")];
/// # fn is_resolver(_: impl ContentTags) {}
/// # is_resolver(Catalogue);
/// # is_resolver(closure);
/// ```
pub trait ContentTags: Send + Sync + 'static {
    /// The tags of `content_id` in `account`.
    fn content_tags<'a>(&'a self, account: &'a str, content_id: &'a str) -> TagsFuture<'a>;
}

impl<F> ContentTags for F
where
    F: Fn(&str, &str) -> Vec<String> + Send + Sync + 'static,
{
    fn content_tags<'a>(&'a self, account: &'a str, content_id: &'a str) -> TagsFuture<'a> {
        Box::pin(ready(Ok(self(account, content_id))))
    }
}
