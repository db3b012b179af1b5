//! Wire names of every claim this crate knows, written once.

/// Account that owns the content.
pub const ACCID: &str = "accid";
/// Issued at.
pub const IAT: &str = "iat";
/// Expiry.
pub const EXP: &str = "exp";
/// Not valid before.
pub const NBF: &str = "nbf";
/// Token id (registered JWT claim, used to count uses).
pub const JTI: &str = "jti";
/// Delivery-rule ids.
pub const DRULES: &str = "drules";
/// Content (video) id.
pub const CONID: &str = "conid";
/// Protection type.
pub const PRO: &str = "pro";
/// Video-on-demand configuration object.
pub const VOD: &str = "vod";
/// Server-side ad insertion configuration id inside `vod`.
pub const VOD_SSAI: &str = "vod.ssai";
/// Playback-rights id override.
pub const PRID: &str = "prid";
/// In-token access rules: an ordered allow/block list by country, IP range or any request.
/// The name (and shape) other playback services already mint; see [`crate::AccessRules`].
pub const ACCESS_RULES: &str = "accessRules";
/// Content tags the token is valid for.
pub const TAGS: &str = "tags";
/// Content ids the token is valid for.
pub const VIDS: &str = "vids";
/// Required user agent.
pub const UA: &str = "ua";
/// Maximum distinct client IPs.
pub const MAXIP: &str = "maxip";
/// Maximum licence/key requests.
pub const MAXU: &str = "maxu";
/// User id.
pub const UID: &str = "uid";
/// Concurrent stream limit.
pub const CLIMIT: &str = "climit";
/// Behaviour at the concurrent stream limit.
pub const CBEH: &str = "cbeh";
/// Session id.
pub const SID: &str = "sid";
/// Device limit.
pub const DLIMIT: &str = "dlimit";
/// IVS channel ARN.
pub const CHANNEL_ARN: &str = "aws:channel-arn";
/// Allowed origins of the requesting page.
pub const ALLOW_ORIGIN: &str = "aws:access-control-allow-origin";
/// Whether the origin check applies to every later request.
pub const STRICT_ORIGIN: &str = "aws:strict-origin-enforcement";
/// Single-use token id.
pub const SINGLE_USE_UUID: &str = "aws:single-use-uuid";
/// Viewer id, for disconnection.
pub const VIEWER_ID: &str = "aws:viewer-id";
/// Viewer session version.
pub const VIEWER_SESSION_VERSION: &str = "aws:viewer-session-version";
/// Maximum resolution.
pub const MAXIMUM_RESOLUTION: &str = "aws:maximum-resolution";

/// Every top-level claim the three claim sets read into typed fields (the union of their
/// `KNOWN_CLAIMS`): the names a [`crate::ClaimsObject`] finds without hashing.
pub(crate) const CLAIM_SET_NAMES: [&str; 27] = [
    ACCID,
    IAT,
    EXP,
    NBF,
    DRULES,
    CONID,
    PRO,
    VOD,
    PRID,
    ACCESS_RULES,
    TAGS,
    VIDS,
    UA,
    MAXIP,
    MAXU,
    UID,
    CLIMIT,
    CBEH,
    SID,
    DLIMIT,
    CHANNEL_ARN,
    ALLOW_ORIGIN,
    STRICT_ORIGIN,
    SINGLE_USE_UUID,
    VIEWER_ID,
    VIEWER_SESSION_VERSION,
    MAXIMUM_RESOLUTION,
];

/// The restrictions only playback restriction tokens carry: no other claim set enforces them.
pub(crate) const RESTRICTIONS: &[&str] = &[
    PRID,
    ACCESS_RULES,
    TAGS,
    VIDS,
    UA,
    MAXIP,
    MAXU,
    UID,
    CLIMIT,
    CBEH,
    SID,
    DLIMIT,
];

/// Claims static URL and restriction tokens share, which a private-channel token does not have.
pub(crate) const ACCOUNT_CLAIMS: &[&str] = &[ACCID, DRULES, CONID, PRO, VOD];

/// Claims only private-channel tokens carry.
pub(crate) const CHANNEL_ONLY: &[&str] = &[
    CHANNEL_ARN,
    ALLOW_ORIGIN,
    STRICT_ORIGIN,
    SINGLE_USE_UUID,
    VIEWER_ID,
    VIEWER_SESSION_VERSION,
    MAXIMUM_RESOLUTION,
];
