//! ECDSA signature malleation: what an attacker holding one ES256/ES384 token can do
//! without the key. If `(r, s)` verifies, so does `(r, n − s)`; the token string changes,
//! the signed part does not.
//!
//! Shared by the fuzz checks (`mod.rs`) and the edge service's end-to-end tests (which include
//! this file with `#[path]`), so both attack with the same code.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The order `n` of P-256, big-endian.
const P256_ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

/// The order `n` of P-384, big-endian.
const P384_ORDER: [u8; 48] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xc7, 0x63, 0x4d, 0x81, 0xf4, 0x37, 0x2d, 0xdf,
    0x58, 0x1a, 0x0d, 0xb2, 0x48, 0xb0, 0xa7, 0x7a, 0xec, 0xec, 0x19, 0x6a, 0xcc, 0xc5, 0x29, 0x73,
];

/// `token` with its ECDSA signature `(r, s)` rewritten as `(r, n − s)`: another token string
/// that verifies under the same key. `None` unless the token has three segments and an
/// ES256 (64-byte) or ES384 (96-byte) signature with `0 < s < n`.
#[allow(unreachable_pub)] // `pub` for the fuzz checks, private where `#[path]`-included
pub fn negate_s(token: &str) -> Option<String> {
    let (signed, signature) = token.rsplit_once('.')?;
    let mut bytes = URL_SAFE_NO_PAD.decode(signature).ok()?;
    let order: &[u8] = match bytes.len() {
        64 => &P256_ORDER,
        96 => &P384_ORDER,
        _ => return None,
    };
    let half = order.len();
    let s = bytes.get_mut(half..)?;
    if s.iter().all(|b| *b == 0) || s.iter().cmp(order.iter()).is_ge() {
        return None;
    }
    // n − s, big-endian, with a borrow.
    let mut borrow = 0u16;
    for (digit, n) in s.iter_mut().rev().zip(order.iter().rev()) {
        let subtrahend = u16::from(*digit) + borrow;
        let minuend = u16::from(*n);
        let (value, next_borrow) = if minuend >= subtrahend {
            (minuend - subtrahend, 0)
        } else {
            (minuend + 256 - subtrahend, 1)
        };
        *digit = u8::try_from(value).ok()?;
        borrow = next_borrow;
    }
    Some(format!("{signed}.{}", URL_SAFE_NO_PAD.encode(&bytes)))
}
