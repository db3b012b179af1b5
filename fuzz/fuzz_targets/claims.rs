//! Decode and validate arbitrary bytes as each claim set; whatever decodes must round-trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use playback_auth_claims::{ClaimSet, PlaybackRestrictionClaims, PrivateChannelClaims, StaticUrlClaims};

fn round_trip<C: ClaimSet>(data: &[u8]) {
    if let Ok(claims) = C::from_json_slice(data) {
        let _ = claims.validate();
        if let Ok(encoded) = claims.to_json_object() {
            let again = C::from_json_object(encoded.clone()).expect("encoded claims decode");
            assert_eq!(again.to_json_object().ok(), Some(encoded), "decode → encode → decode is identity");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    round_trip::<PlaybackRestrictionClaims>(data);
    round_trip::<StaticUrlClaims>(data);
    round_trip::<PrivateChannelClaims>(data);
});
