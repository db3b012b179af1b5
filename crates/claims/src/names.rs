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

/// The index of each name in [`CLAIM_SET_NAMES`]: what [`known_slot`] returns, for decoders
/// that match on it.
pub(crate) mod slot {
    pub(crate) const ACCID: u8 = 0;
    pub(crate) const IAT: u8 = 1;
    pub(crate) const EXP: u8 = 2;
    pub(crate) const NBF: u8 = 3;
    pub(crate) const DRULES: u8 = 4;
    pub(crate) const CONID: u8 = 5;
    pub(crate) const PRO: u8 = 6;
    pub(crate) const VOD: u8 = 7;
    pub(crate) const PRID: u8 = 8;
    pub(crate) const ACCESS_RULES: u8 = 9;
    pub(crate) const TAGS: u8 = 10;
    pub(crate) const VIDS: u8 = 11;
    pub(crate) const UA: u8 = 12;
    pub(crate) const MAXIP: u8 = 13;
    pub(crate) const MAXU: u8 = 14;
    pub(crate) const UID: u8 = 15;
    pub(crate) const CLIMIT: u8 = 16;
    pub(crate) const CBEH: u8 = 17;
    pub(crate) const SID: u8 = 18;
    pub(crate) const DLIMIT: u8 = 19;
    pub(crate) const CHANNEL_ARN: u8 = 20;
    pub(crate) const ALLOW_ORIGIN: u8 = 21;
    pub(crate) const STRICT_ORIGIN: u8 = 22;
    pub(crate) const SINGLE_USE_UUID: u8 = 23;
    pub(crate) const VIEWER_ID: u8 = 24;
    pub(crate) const VIEWER_SESSION_VERSION: u8 = 25;
    pub(crate) const MAXIMUM_RESOLUTION: u8 = 26;
}

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

/// The index of `name` in [`CLAIM_SET_NAMES`], if it is one of them. A name of up to seven
/// bytes is matched as one integer (its bytes and its length, see [`short_key`]), so finding
/// a claim costs a few comparisons of integers rather than a string comparison per known
/// name; the long (`accessRules`, `aws:*`) names are matched whole. Always inlined: a decoder
/// asks for a constant name, and the lookup then folds away.
#[inline(always)]
pub(crate) fn known_slot(name: &str) -> Option<u8> {
    let bytes = name.as_bytes();
    if bytes.len() <= SHORT_MAX {
        return match short_key(bytes) {
            KEY_ACCID => Some(slot::ACCID),
            KEY_IAT => Some(slot::IAT),
            KEY_EXP => Some(slot::EXP),
            KEY_NBF => Some(slot::NBF),
            KEY_DRULES => Some(slot::DRULES),
            KEY_CONID => Some(slot::CONID),
            KEY_PRO => Some(slot::PRO),
            KEY_VOD => Some(slot::VOD),
            KEY_PRID => Some(slot::PRID),
            KEY_TAGS => Some(slot::TAGS),
            KEY_VIDS => Some(slot::VIDS),
            KEY_UA => Some(slot::UA),
            KEY_MAXIP => Some(slot::MAXIP),
            KEY_MAXU => Some(slot::MAXU),
            KEY_UID => Some(slot::UID),
            KEY_CLIMIT => Some(slot::CLIMIT),
            KEY_CBEH => Some(slot::CBEH),
            KEY_SID => Some(slot::SID),
            KEY_DLIMIT => Some(slot::DLIMIT),
            _ => None,
        };
    }
    match name {
        ACCESS_RULES => Some(slot::ACCESS_RULES),
        CHANNEL_ARN => Some(slot::CHANNEL_ARN),
        ALLOW_ORIGIN => Some(slot::ALLOW_ORIGIN),
        STRICT_ORIGIN => Some(slot::STRICT_ORIGIN),
        SINGLE_USE_UUID => Some(slot::SINGLE_USE_UUID),
        VIEWER_ID => Some(slot::VIEWER_ID),
        VIEWER_SESSION_VERSION => Some(slot::VIEWER_SESSION_VERSION),
        MAXIMUM_RESOLUTION => Some(slot::MAXIMUM_RESOLUTION),
        _ => None,
    }
}

/// Longest name [`short_key`] packs: seven bytes, the eighth holding the length.
const SHORT_MAX: usize = 7;

/// A name of at most [`SHORT_MAX`] bytes as one integer: its bytes, then its length in the top
/// byte, so no two such names share a key (`"iat"` and `"iat\0"` differ by length).
#[allow(clippy::indexing_slicing)] // `i < name.len()`
const fn short_key(name: &[u8]) -> u64 {
    let mut key = (name.len() as u64) << 56;
    let mut i = 0;
    while i < name.len() && i < SHORT_MAX {
        key |= (name[i] as u64) << (8 * i);
        i += 1;
    }
    key
}

const KEY_ACCID: u64 = short_key(ACCID.as_bytes());
const KEY_IAT: u64 = short_key(IAT.as_bytes());
const KEY_EXP: u64 = short_key(EXP.as_bytes());
const KEY_NBF: u64 = short_key(NBF.as_bytes());
const KEY_DRULES: u64 = short_key(DRULES.as_bytes());
const KEY_CONID: u64 = short_key(CONID.as_bytes());
const KEY_PRO: u64 = short_key(PRO.as_bytes());
const KEY_VOD: u64 = short_key(VOD.as_bytes());
const KEY_PRID: u64 = short_key(PRID.as_bytes());
const KEY_TAGS: u64 = short_key(TAGS.as_bytes());
const KEY_VIDS: u64 = short_key(VIDS.as_bytes());
const KEY_UA: u64 = short_key(UA.as_bytes());
const KEY_MAXIP: u64 = short_key(MAXIP.as_bytes());
const KEY_MAXU: u64 = short_key(MAXU.as_bytes());
const KEY_UID: u64 = short_key(UID.as_bytes());
const KEY_CLIMIT: u64 = short_key(CLIMIT.as_bytes());
const KEY_CBEH: u64 = short_key(CBEH.as_bytes());
const KEY_SID: u64 = short_key(SID.as_bytes());
const KEY_DLIMIT: u64 = short_key(DLIMIT.as_bytes());
