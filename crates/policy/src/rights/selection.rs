//! Which rights apply: the token's `prid` (own account only), else the catalogue's.

use super::PlaybackRights;
use super::outcome::{RightsDenial, RightsRule, RuleMatch};

/// The rights a request is decided with, before they are fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RightsSelection<'a> {
    /// The token's `prid`, looked up in the token's own account: it overrides the
    /// catalogue's rights id, as the vendor's claim documents.
    Token {
        /// The token's account (`accid`).
        account: &'a str,
        /// The `prid`.
        id: &'a str,
    },
    /// The rights id the server-side catalogue gives the content.
    Catalogue {
        /// The content's account.
        account: &'a str,
        /// The catalogue's rights id.
        id: &'a str,
    },
    /// No rights apply (no `prid`, and the catalogue names none).
    None,
}

/// Chooses the rights that apply: the token's `prid` when it has one (always in the token's
/// own account `token_account`: a token can never name another account's rights), else the
/// catalogue's rights id for the content, else none.
///
/// ```
/// use playback_auth_policy::{RightsSelection, select_rights};
///
/// let chosen = select_rights("acct-1", Some("premium"), Some(("acct-1", "default")));
/// assert_eq!(chosen, RightsSelection::Token { account: "acct-1", id: "premium" });
/// let chosen = select_rights("acct-1", None, Some(("acct-1", "default")));
/// assert_eq!(chosen, RightsSelection::Catalogue { account: "acct-1", id: "default" });
/// ```
pub fn select_rights<'a>(
    token_account: &'a str,
    token_prid: Option<&'a str>,
    catalogue: Option<(&'a str, &'a str)>,
) -> RightsSelection<'a> {
    match (token_prid, catalogue) {
        (Some(id), _) => RightsSelection::Token {
            account: token_account,
            id,
        },
        (None, Some((account, id))) => RightsSelection::Catalogue { account, id },
        (None, None) => RightsSelection::None,
    }
}

impl<'a> RightsSelection<'a> {
    /// The `(account, id)` to fetch, if any.
    pub fn key(&self) -> Option<(&'a str, &'a str)> {
        match *self {
            Self::Token { account, id } | Self::Catalogue { account, id } => Some((account, id)),
            Self::None => None,
        }
    }

    /// Checks what the store returned for [`Self::key`]: rights that do not exist are refused
    /// ([`RightsRule::UnknownRights`]: a `prid` or catalogue entry naming nothing must not
    /// play unrestricted), and rights whose account is not the selected one are refused
    /// ([`RightsRule::ForeignRights`]), whatever a store keyed by id alone returned.
    pub fn admit<'r>(
        &self,
        found: Option<&'r PlaybackRights>,
    ) -> Result<Option<&'r PlaybackRights>, RightsDenial> {
        let Some((account, id)) = self.key() else {
            return Ok(None);
        };
        match found {
            None => Err(RightsDenial::new(
                RightsRule::UnknownRights,
                RuleMatch::RightsNotFound { id: id.to_owned() },
            )),
            Some(rights) if rights.account() != account => Err(RightsDenial::new(
                RightsRule::ForeignRights,
                RuleMatch::RightsOfAnotherAccount { id: id.to_owned() },
            )),
            Some(rights) => Ok(Some(rights)),
        }
    }
}
