//! The playback-rights id of the requested content, from the server's own catalogue.

use std::future::{Future, ready};
use std::pin::Pin;

use crate::error::RightsIdUnavailable;

/// What [`ContentRights::content_rights`] returns.
pub type RightsIdFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Option<String>, RightsIdUnavailable>> + Send + 'a>>;

/// Looks up the playback-rights id the catalogue gives a content id: the rights that apply
/// to a request whose token has no `prid` (a `prid` overrides it, within the token's own
/// account).
///
/// The id comes from the server (a catalogue, a database, a static map), never from the
/// request: a client could otherwise name rights that let it play anywhere. Without a
/// resolver no content has catalogue rights. Content without rights resolves to `None`; an
/// `Err` fails closed with `503 content_rights_unavailable`.
///
/// A plain function or closure `Fn(&str, &str) -> Option<String>` (account, content id) is a
/// resolver; implement the trait for an asynchronous lookup.
///
/// ```
/// use playback_auth_tower::{ContentRights, RightsIdFuture};
///
/// struct Catalogue;
///
/// impl ContentRights for Catalogue {
///     fn content_rights<'a>(&'a self, _account: &'a str, content_id: &'a str) -> RightsIdFuture<'a> {
///         Box::pin(async move {
///             Ok(content_id.starts_with("match-").then(|| "eu-only".to_owned()))
///         })
///     }
/// }
///
/// let closure = |_account: &str, content_id: &str| (content_id == "video-7").then(|| "eu-only".to_owned());
/// # fn is_resolver(_: impl ContentRights) {}
/// # is_resolver(Catalogue);
/// # is_resolver(closure);
/// ```
pub trait ContentRights: Send + Sync + 'static {
    /// The rights id of `content_id` in `account`, if it has one.
    fn content_rights<'a>(&'a self, account: &'a str, content_id: &'a str) -> RightsIdFuture<'a>;
}

impl<F> ContentRights for F
where
    F: Fn(&str, &str) -> Option<String> + Send + Sync + 'static,
{
    fn content_rights<'a>(&'a self, account: &'a str, content_id: &'a str) -> RightsIdFuture<'a> {
        Box::pin(ready(Ok(self(account, content_id))))
    }
}
