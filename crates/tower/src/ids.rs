//! The ids a request names (account, content, device, session): checked before anything is
//! looked up or stored with them.

use crate::rejection::Rejection;

/// The longest id the layer accepts, in bytes: 128. Longer ids are answered
/// `400 invalid_id`, so no store, log or audit record ever holds one.
pub const MAX_ID_LEN: usize = 128;

/// Which id of the request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IdField {
    Account,
    Content,
    Device,
    Session,
}

impl IdField {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Account => "account id",
            Self::Content => "content id",
            Self::Device => "device id",
            Self::Session => "session id",
        }
    }
}

/// `value` if it is 1 to [`MAX_ID_LEN`] bytes of visible ASCII (`!` to `~`: no spaces,
/// controls or non-ASCII), else [`Rejection::InvalidId`].
pub(crate) fn check_id(value: &str, field: IdField) -> Result<(), Rejection> {
    let valid = !value.is_empty()
        && value.len() <= MAX_ID_LEN
        && value.bytes().all(|byte| byte.is_ascii_graphic());
    if valid {
        Ok(())
    } else {
        Err(Rejection::InvalidId { field })
    }
}

#[cfg(test)]
mod tests;
