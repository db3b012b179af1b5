//! RFC 7638 JWK thumbprints: the default key id.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256};

use crate::{PublicKey, Rs256PublicKey};

impl PublicKey {
    /// The RFC 7638 JWK thumbprint with SHA-256, base64url without padding (43
    /// characters): the key id used when the publisher gives none.
    ///
    /// It hashes the required JWK members in lexicographic order with no whitespace —
    /// `{"e":…,"kty":"RSA","n":…}` or `{"crv":…,"kty":"EC","x":…,"y":…}` — so it does not
    /// depend on `kid`, `alg` or any other optional member.
    pub fn thumbprint(&self) -> String {
        match self {
            PublicKey::Rs256(key) => of_rsa(key),
            PublicKey::Es256(key) => {
                let (x, y) = key.coordinates();
                of_ec("P-256", &x, &y)
            }
            PublicKey::Es384(key) => {
                let (x, y) = key.coordinates();
                of_ec("P-384", &x, &y)
            }
        }
    }
}

pub(crate) fn of_rsa(key: &Rs256PublicKey) -> String {
    let e = URL_SAFE_NO_PAD.encode(key.exponent());
    let n = URL_SAFE_NO_PAD.encode(key.modulus());
    // Base64url values and fixed member names need no JSON escaping.
    digest(&format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#))
}

fn of_ec(crv: &str, x: &[u8], y: &[u8]) -> String {
    let x = URL_SAFE_NO_PAD.encode(x);
    let y = URL_SAFE_NO_PAD.encode(y);
    digest(&format!(
        r#"{{"crv":"{crv}","kty":"EC","x":"{x}","y":"{y}"}}"#
    ))
}

fn digest(canonical_json: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical_json.as_bytes()))
}

#[cfg(test)]
mod tests;
