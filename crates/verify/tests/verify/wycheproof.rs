//! Wycheproof test vectors through [`playback_auth_verify::verify_signature`] only, on every
//! compiled signature provider: each vector's key is prepared for each provider, and the
//! providers must give the same outcome (asserted per vector), which must be the expected one.
//!
//! Sets (wycheproof crate 0.7):
//!
//! | set | alg | groups | valid | invalid | acceptable |
//! |---|---|---|---|---|---|
//! | `ecdsa_secp256r1_sha256_p1363` | ES256 | 112 | 173 | 89 | 0 |
//! | `ecdsa_secp384r1_sha384_p1363` | ES384 | 104 | 193 | 87 | 0 |
//! | `rsa_signature_2048_sha256` | RS256 | 3 | 9 | 249 | 1 |
//! | `rsa_signature_3072_sha256` | RS256 | 2 | 8 | 250 | 1 |
//! | `rsa_signature_4096_sha256` | RS256 | 1 | 7 | 250 | 1 |
//!
//! Each group's public key is imported through `playback_auth_keys`
//! (`PublicKey::from_spki_der` on `publicKeyDer`, cross-checked against `PublicKey::from_pem`
//! on `publicKeyPem`). A group whose key our crate refuses would be counted and must be
//! refused for the documented reason (an RSA modulus under 2048 bits →
//! `KeyError::RsaKeyTooSmall`); none of these five sets has such a group (all RSA keys are
//! exactly 2048, 3072 or 4096 bits), so the refused count is asserted to be 0.
//!
//! Outcomes:
//! - every `Valid` vector is accepted;
//! - every `Invalid` vector is rejected, as `VerifyError::InvalidSignature`, or as
//!   `VerifyError::InvalidSignatureLength` exactly when the signature is not 64 / 96 bytes
//!   (ECDSA) or the modulus length (RSA) — never for another reason;
//! - `Acceptable`: the only ones are the three RSA vectors flagged `MissingNull` (tcId 8 in
//!   each RSA set: a PKCS#1 v1.5 `DigestInfo` whose `AlgorithmIdentifier` omits the `NULL`
//!   parameters). **We reject them** (as `InvalidSignature`): RS256 verification compares
//!   against the one canonical encoding, with `NULL`, which is what every JWS signer
//!   produces. The test asserts exactly 3 acceptable vectors, all rejected.
//!
//! Mismatches are collected and reported by set and tcId; the per-set counts above are
//! asserted exactly, so a silently empty or shrunken set fails.

// The tally helpers below run only inside tests; a panic there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Debug;

use playback_auth_keys::{Algorithm, KeyError, PublicKey};
use playback_auth_verify::VerifyError;

use crate::common::verify_signature_on_each as verify_signature;
use wycheproof::TestResult;

/// Counts of one set, compared as a whole against the documented numbers.
#[derive(Debug, Default, PartialEq, Eq)]
struct Tally {
    groups: usize,
    refused_groups: usize,
    valid: usize,
    invalid: usize,
    acceptable: usize,
    acceptable_accepted: usize,
}

/// The outcome of running one set: its counts and every vector that did not go as required.
#[derive(Debug, Default)]
struct Run {
    tally: Tally,
    mismatches: Vec<String>,
}

impl Run {
    /// Records one vector's outcome against its expected result. `signature_len` is the length
    /// every well-formed signature of this group has.
    fn record(
        &mut self,
        tc_id: usize,
        expected: TestResult,
        flags: &impl Debug,
        signature: &[u8],
        signature_len: usize,
        outcome: Result<(), VerifyError>,
    ) {
        // A rejection must be for a signature reason, and a length error only for a wrong length.
        let reason_ok = match &outcome {
            Ok(()) | Err(VerifyError::InvalidSignature) => true,
            Err(VerifyError::InvalidSignatureLength {
                expected, found, ..
            }) => *expected == signature_len && *found == signature.len() && *found != *expected,
            Err(_) => false,
        };
        if !reason_ok {
            self.mismatches.push(format!(
                "tcId {tc_id}: rejected for a wrong reason: {outcome:?}"
            ));
        }
        match expected {
            TestResult::Valid => {
                self.tally.valid += 1;
                if let Err(error) = outcome {
                    self.mismatches.push(format!(
                        "tcId {tc_id}: valid but rejected ({error:?}) {flags:?}"
                    ));
                }
            }
            TestResult::Invalid => {
                self.tally.invalid += 1;
                if outcome.is_ok() {
                    self.mismatches
                        .push(format!("tcId {tc_id}: invalid but accepted {flags:?}"));
                }
            }
            TestResult::Acceptable => {
                self.tally.acceptable += 1;
                if outcome.is_ok() {
                    self.tally.acceptable_accepted += 1;
                }
            }
        }
    }

    fn assert(self, set: &str, expected: Tally) {
        assert!(
            self.mismatches.is_empty(),
            "{set}: {} mismatches:\n{}",
            self.mismatches.len(),
            self.mismatches.join("\n")
        );
        assert_eq!(self.tally, expected, "{set}: vector counts");
    }
}

/// Imports a group's key from DER and PEM; both must agree. `Err` when our crate refuses it.
fn import(der: &[u8], pem: &str) -> Result<PublicKey, KeyError> {
    let from_der = PublicKey::from_spki_der(der);
    let from_pem = PublicKey::from_pem(pem);
    match (&from_der, &from_pem) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "DER and PEM imports differ"),
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "DER and PEM refusals differ"),
        _ => panic!("DER import {from_der:?} but PEM import {from_pem:?}"),
    }
    from_der
}

fn run_ecdsa(name: wycheproof::ecdsa::TestName, alg: Algorithm) -> Run {
    use wycheproof::ecdsa::{TestGroupTypeId, TestSet};

    let (hash, curve, field_len) = match alg {
        Algorithm::Es256 => (
            wycheproof::HashFunction::Sha2_256,
            wycheproof::EllipticCurve::Secp256r1,
            32,
        ),
        Algorithm::Es384 => (
            wycheproof::HashFunction::Sha2_384,
            wycheproof::EllipticCurve::Secp384r1,
            48,
        ),
        Algorithm::Rs256 => panic!("not an ECDSA algorithm"),
    };
    let set = TestSet::load(name).expect("the Wycheproof set loads");
    let mut run = Run::default();
    for group in &set.test_groups {
        run.tally.groups += 1;
        assert_eq!(group.test_type, TestGroupTypeId::EcdsaP1363);
        assert_eq!(group.hash, hash);
        assert_eq!(group.key.curve, curve);
        let key = match import(&group.der, &group.pem) {
            Ok(key) => key,
            Err(error) => {
                // No curve point Wycheproof uses for these curves is one we may refuse.
                run.tally.refused_groups += 1;
                run.mismatches.push(format!(
                    "group with key {:?}: refused ({error})",
                    group.key.key
                ));
                continue;
            }
        };
        assert_eq!(key.algorithm(), alg);
        for test in &group.tests {
            let outcome = verify_signature(alg, &key, &test.msg, &test.sig);
            run.record(
                test.tc_id,
                test.result,
                &test.flags,
                &test.sig,
                2 * field_len,
                outcome,
            );
        }
    }
    run
}

fn run_rsa(name: wycheproof::rsa_pkcs1_verify::TestName, bits: usize) -> Run {
    use wycheproof::rsa_pkcs1_verify::TestSet;

    let set = TestSet::load(name).expect("the Wycheproof set loads");
    let mut run = Run::default();
    for group in &set.test_groups {
        run.tally.groups += 1;
        assert_eq!(group.hash, wycheproof::HashFunction::Sha2_256);
        assert_eq!(group.key_size, bits);
        let key = match import(&group.der, &group.pem) {
            Ok(key) => key,
            Err(error) => {
                run.tally.refused_groups += 1;
                // The one documented reason: a modulus under 2048 bits.
                let documented = matches!(error, KeyError::RsaKeyTooSmall { bits }
                    if bits == group.key_size && bits < 2048);
                if !documented {
                    run.mismatches.push(format!(
                        "{}-bit group refused for an undocumented reason: {error}",
                        group.key_size
                    ));
                }
                continue;
            }
        };
        assert_eq!(key.algorithm(), Algorithm::Rs256);
        let rsa = key.as_rs256().unwrap();
        assert_eq!(rsa.modulus_bits(), bits);
        for test in &group.tests {
            let outcome = verify_signature(Algorithm::Rs256, &key, &test.msg, &test.sig);
            if test.result == TestResult::Acceptable {
                // Documented decision: the MissingNull encoding is rejected as a bad signature.
                assert_eq!(
                    test.flags,
                    vec![wycheproof::rsa_pkcs1_verify::TestFlag::MissingNull],
                    "tcId {}: an acceptable vector of an undocumented kind",
                    test.tc_id
                );
                assert_eq!(
                    outcome,
                    Err(VerifyError::InvalidSignature),
                    "tcId {}: MissingNull must be rejected",
                    test.tc_id
                );
            }
            run.record(
                test.tc_id,
                test.result,
                &test.flags,
                &test.sig,
                rsa.signature_len(),
                outcome,
            );
        }
    }
    run
}

#[test]
fn ecdsa_p256_sha256_p1363() {
    let run = run_ecdsa(
        wycheproof::ecdsa::TestName::EcdsaSecp256r1Sha256P1363,
        Algorithm::Es256,
    );
    run.assert(
        "ecdsa_secp256r1_sha256_p1363",
        Tally {
            groups: 112,
            refused_groups: 0,
            valid: 173,
            invalid: 89,
            acceptable: 0,
            acceptable_accepted: 0,
        },
    );
}

#[test]
fn ecdsa_p384_sha384_p1363() {
    let run = run_ecdsa(
        wycheproof::ecdsa::TestName::EcdsaSecp384r1Sha384P1363,
        Algorithm::Es384,
    );
    run.assert(
        "ecdsa_secp384r1_sha384_p1363",
        Tally {
            groups: 104,
            refused_groups: 0,
            valid: 193,
            invalid: 87,
            acceptable: 0,
            acceptable_accepted: 0,
        },
    );
}

#[test]
fn rsa_pkcs1_2048_sha256() {
    let run = run_rsa(wycheproof::rsa_pkcs1_verify::TestName::Rsa2048Sha256, 2048);
    run.assert(
        "rsa_signature_2048_sha256",
        Tally {
            groups: 3,
            refused_groups: 0,
            valid: 9,
            invalid: 249,
            acceptable: 1,
            acceptable_accepted: 0,
        },
    );
}

#[test]
fn rsa_pkcs1_3072_sha256() {
    let run = run_rsa(wycheproof::rsa_pkcs1_verify::TestName::Rsa3072Sha256, 3072);
    run.assert(
        "rsa_signature_3072_sha256",
        Tally {
            groups: 2,
            refused_groups: 0,
            valid: 8,
            invalid: 250,
            acceptable: 1,
            acceptable_accepted: 0,
        },
    );
}

#[test]
fn rsa_pkcs1_4096_sha256() {
    let run = run_rsa(wycheproof::rsa_pkcs1_verify::TestName::Rsa4096Sha256, 4096);
    run.assert(
        "rsa_signature_4096_sha256",
        Tally {
            groups: 1,
            refused_groups: 0,
            valid: 7,
            invalid: 250,
            acceptable: 1,
            acceptable_accepted: 0,
        },
    );
}

#[test]
fn a_key_of_the_wrong_curve_never_verifies_a_vector() {
    // The first valid P-384 vector, offered with the first P-256 group's key: refused as
    // "no key for the algorithm", not attempted.
    let p256 =
        wycheproof::ecdsa::TestSet::load(wycheproof::ecdsa::TestName::EcdsaSecp256r1Sha256P1363)
            .unwrap();
    let p384 =
        wycheproof::ecdsa::TestSet::load(wycheproof::ecdsa::TestName::EcdsaSecp384r1Sha384P1363)
            .unwrap();
    let p256_group = p256.test_groups.first().unwrap();
    let p384_group = p384.test_groups.first().unwrap();
    let p256_key = PublicKey::from_spki_der(&p256_group.der).unwrap();
    let p384_key = PublicKey::from_spki_der(&p384_group.der).unwrap();
    let test = p384_group
        .tests
        .iter()
        .find(|t| t.result == TestResult::Valid)
        .unwrap();

    assert_eq!(
        verify_signature(Algorithm::Es384, &p384_key, &test.msg, &test.sig),
        Ok(())
    );
    assert_eq!(
        verify_signature(Algorithm::Es384, &p256_key, &test.msg, &test.sig),
        Err(VerifyError::NoKeyForAlgorithm {
            alg: Algorithm::Es384
        })
    );
    assert_eq!(
        verify_signature(Algorithm::Es256, &p384_key, &test.msg, &test.sig),
        Err(VerifyError::NoKeyForAlgorithm {
            alg: Algorithm::Es256
        })
    );
}
