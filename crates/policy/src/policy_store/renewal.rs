//! What a heartbeat and a stop ask of a [`PolicyStore`](super::PolicyStore): renew one
//! session's lease, or end one session at once.

use playback_auth_claims::NumericDate;

/// What [`PolicyStore::renew_session`](super::PolicyStore::renew_session) found.
///
/// A renewal admits nothing, evicts nothing, counts no use and records no IP: it only
/// extends the lease of a session that is active at `now`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SessionRenewal {
    /// The session was active; its lease now ends at `lease_until`.
    Renewed {
        /// The new end of the lease (`now + lease`).
        lease_until: NumericDate,
    },
    /// The session was evicted (by a newer stream, or ended by an administrator) and its old
    /// lease has not run out: the player must not go on.
    Evicted,
    /// No such session is active and none was evicted: it never started, it was stopped, or
    /// its lease ran out.
    Unknown,
}

impl SessionRenewal {
    /// Whether the session was renewed.
    pub fn is_renewed(&self) -> bool {
        matches!(self, Self::Renewed { .. })
    }
}
