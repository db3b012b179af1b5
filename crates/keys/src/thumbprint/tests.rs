#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256};

use crate::{Es256PublicKey, PublicKey};

#[test]
fn ec_thumbprint_hashes_the_canonical_members() {
    let key: PublicKey = Es256PublicKey::from(
        *p256::ecdsa::SigningKey::from_slice(&[1u8; 32])
            .unwrap()
            .verifying_key(),
    )
    .into();
    let jwk = key.to_jwk();
    let canonical = format!(
        r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
        jwk.x.unwrap(),
        jwk.y.unwrap()
    );
    let expected = URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()));
    assert_eq!(key.thumbprint(), expected);
    assert_eq!(key.thumbprint().len(), 43);
}
