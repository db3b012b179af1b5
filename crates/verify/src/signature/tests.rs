#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use super::*;
use p256::elliptic_curve::ff::PrimeField as _;

fn minus_one(order: &[u8]) -> Vec<u8> {
    let mut bytes = order.to_vec();
    let last = bytes.last_mut().unwrap();
    *last -= 1; // both orders end in an odd byte, so no borrow
    bytes
}

#[test]
fn the_orders_are_the_curves_orders() {
    // n itself is not a scalar, n − 1 is: the constants are exactly the group orders.
    let n = p256::FieldBytes::from(P256_ORDER);
    assert!(bool::from(p256::Scalar::from_repr(n).is_none()));
    let below = p256::FieldBytes::try_from(minus_one(&P256_ORDER).as_slice()).unwrap();
    assert!(bool::from(p256::Scalar::from_repr(below).is_some()));
    let n = p384::FieldBytes::from(P384_ORDER);
    assert!(bool::from(p384::Scalar::from_repr(n).is_none()));
    let below = p384::FieldBytes::try_from(minus_one(&P384_ORDER).as_slice()).unwrap();
    assert!(bool::from(p384::Scalar::from_repr(below).is_some()));
}

#[test]
fn scalars_must_be_between_one_and_n_minus_one() {
    let one = {
        let mut bytes = [0u8; 32];
        bytes[31] = 1;
        bytes
    };
    let join = |r: &[u8], s: &[u8]| [r, s].concat();
    let top = minus_one(&P256_ORDER);
    assert!(scalars_in_range(&join(&one, &top), &P256_ORDER));
    assert!(!scalars_in_range(&join(&[0; 32], &one), &P256_ORDER));
    assert!(!scalars_in_range(&join(&one, &[0; 32]), &P256_ORDER));
    assert!(!scalars_in_range(&join(&P256_ORDER, &one), &P256_ORDER));
    assert!(!scalars_in_range(&join(&one, &[0xff; 32]), &P256_ORDER));
    assert!(!scalars_in_range(&one, &P256_ORDER));
}
