//! The bodies of the fuzz targets, written once.
//!
//! `fuzz/fuzz_targets/*.rs` include this file with `#[path]`, and `tests/fuzz_corpus_replay.rs`
//! replays the committed corpora through it on stable Rust, so the fuzzer and the test suite
//! run identical code. Each function takes the raw fuzzer input, must never panic on its own
//! account, and asserts the invariants of what it exercises.
//!
//! The keys are fixed (`fuzz/keys/*.pem`, made once with OpenSSL; they protect nothing), so
//! every input replays to the same result on every machine.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod malleate;

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use playback_auth::claims::{
    ClaimSet, ClaimsObject, ConcurrencyBehavior, DEFAULT_LEEWAY, NumericDate, PlaybackClaims,
    PlaybackRestrictionClaims, PrivateChannelClaims, StaticUrlClaims, TimeClaims, Uid, names,
};
use playback_auth::keys::{
    Algorithm, CryptoProvider, Es256PublicKey, Es384PublicKey, Jwk, Jwks, KeySet, PrivateKey,
    PublicKey, Rs256PrivateKey, Rs256PublicKey,
};
use playback_auth::policy::{
    Authorizer, Decision, DenyReason, MemoryAuditSink, MemoryKeyRegistry, MemoryPolicyStore,
    MemoryRevocationStore, MemoryRightsStore, PolicyConfig, RequestContext, SessionChange,
    SessionInfo, StoreSet, VerifiedToken,
};
use playback_auth::sign::{sign_bytes_with, sign_compact};
use playback_auth::verify::{
    DEFAULT_MAX_TOKEN_LEN, FixedClock, Verifier, VerifyError, verify_signature,
};

/// The fuzz verifier's clock: the time the seed tokens and worked examples are issued at.
pub const NOW: i64 = 1_700_000_000;

/// PKCS#8 PEM of the fixed key of each algorithm, in `Algorithm::ALL` order.
pub const PRIVATE_PEMS: [&str; 3] = [
    include_str!("../../fuzz/keys/rs256_private.pem"),
    include_str!("../../fuzz/keys/es256_private.pem"),
    include_str!("../../fuzz/keys/es384_private.pem"),
];

struct Fixture {
    keys: Vec<PrivateKey>,
    verifier: Verifier,
    /// The same verifier on each compiled signature provider.
    verifiers: Vec<Verifier>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let keys: Vec<PrivateKey> = PRIVATE_PEMS
            .iter()
            .map(|pem| PrivateKey::from_pem(pem).expect("fixed fuzz key parses"))
            .collect();
        let set = keys.iter().fold(KeySet::new(), |set, key| {
            set.with_key(key.public_key(), None)
        });
        let now = NumericDate::from_secs(NOW).expect("NOW is in range");
        let verifier = Verifier::builder(set).clock(FixedClock(now)).build();
        let verifiers = CryptoProvider::all()
            .iter()
            .map(|&provider| verifier.to_provider(provider))
            .collect();
        Fixture {
            keys,
            verifier,
            verifiers,
        }
    })
}

/// The fixed private key of `alg`.
pub fn private_key(alg: Algorithm) -> &'static PrivateKey {
    let index = Algorithm::ALL
        .iter()
        .position(|a| *a == alg)
        .expect("known algorithm");
    &fixture().keys[index]
}

/// A verifier at [`NOW`] with default settings, trusting the three fixed keys (no `kid`s).
pub fn verifier() -> &'static Verifier {
    &fixture().verifier
}

// ---------------------------------------------------------------------------------------------
// claims

/// Arbitrary bytes decoded and validated as each claim set; whatever decodes must round-trip.
pub fn claims(data: &[u8]) {
    round_trip::<PlaybackRestrictionClaims>(data);
    round_trip::<StaticUrlClaims>(data);
    round_trip::<PrivateChannelClaims>(data);
    round_trip::<PlaybackClaims>(data);
    one_pass_equals_object_path::<PlaybackRestrictionClaims>(data);
    one_pass_equals_object_path::<StaticUrlClaims>(data);
    one_pass_equals_object_path::<PrivateChannelClaims>(data);
    one_pass_equals_object_path::<PlaybackClaims>(data);
}

/// `C::decode_payload` (decoded in the parse by the set's draft) decides exactly as the
/// object path (`ClaimsObject` then `from_claims_object`): the same error, the same members,
/// the same time claims, the same claims or violations.
fn one_pass_equals_object_path<C: ClaimSet + PartialEq + std::fmt::Debug>(data: &[u8]) {
    let names: Vec<&str> = [
        PlaybackRestrictionClaims::KNOWN_CLAIMS,
        StaticUrlClaims::KNOWN_CLAIMS,
        PrivateChannelClaims::KNOWN_CLAIMS,
        &[names::JTI],
    ]
    .concat();
    match (ClaimsObject::from_json_slice(data), C::decode_payload(data)) {
        (Err(expected), Err(found)) => assert_eq!(found.to_string(), expected.to_string()),
        (Ok(object), Ok(payload)) => {
            let present = |has: &dyn Fn(&str) -> bool| -> Vec<bool> {
                names.iter().map(|name| has(name)).collect()
            };
            assert_eq!(
                present(&|name| payload.contains_key(name)),
                present(&|name| object.contains_key(name)),
                "the same members"
            );
            let mut members = payload.member_names();
            let mut expected: Vec<&str> = object.member_names().collect();
            members.sort_unstable();
            expected.sort_unstable();
            assert_eq!(members, expected, "the same member names");
            assert_eq!(
                payload.time_claims(),
                TimeClaims::from_claims_object(&object),
                "the same time claims"
            );
            assert_eq!(
                payload.into_claims(),
                C::from_claims_object(object),
                "the same claims"
            );
        }
        (expected, found) => panic!("object path {expected:?}, one pass {found:?}"),
    }
}

fn round_trip<C: ClaimSet + PartialEq + std::fmt::Debug>(data: &[u8]) {
    if let Ok(claims) = C::from_json_slice(data) {
        let _ = claims.validate();
        if let Ok(encoded) = claims.to_json_object() {
            let again = C::from_json_object(encoded.clone()).expect("encoded claims decode");
            assert_eq!(
                again, claims,
                "decode → encode → decode gives the same claims"
            );
            assert_eq!(
                again.to_json_object().ok(),
                Some(encoded),
                "decode → encode → decode is identity"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// verify

/// The verify target. The first byte picks the mode:
///
/// - `% 4 == 0`: the rest is the token (lossy UTF-8), checked as it is;
/// - otherwise structured: the next byte is a length `n`, the following `n` bytes are the
///   header JSON and the rest the payload JSON; they are signed with a trusted key
///   (`sign_compact`, no checks), so mutations get past the signature. The key is RS256's
///   for a first byte of exactly 1, ES384's for exactly 3, and ES256's for every other.
///
/// Signing is most of the cost of a structured input, and an RS256 signature (a
/// constant-time RSA-2048 private-key operation) costs about ten ES256 ones under the
/// fuzzer's instrumentation. What follows the signature check does not depend on the
/// algorithm, so the cheap key signs every input that does not ask for another precisely;
/// the RS256 and ES384 inputs of the corpus keep their own keys.
pub fn verify(data: &[u8]) {
    if let Some((token, signed)) = token_of(data) {
        check_token(&token, signed);
    }
}

/// The algorithm and header a structured-mode token was signed with.
type SignedWith<'a> = Option<(Algorithm, &'a [u8])>;

/// The token a [`verify`] input stands for, and what it was signed with in structured mode.
fn token_of(data: &[u8]) -> Option<(String, SignedWith<'_>)> {
    let (&mode, rest) = data.split_first()?;
    match mode % 4 {
        0 => Some((String::from_utf8_lossy(rest).into_owned(), None)),
        _ => {
            let alg = match mode {
                1 => Algorithm::Rs256,
                3 => Algorithm::Es384,
                _ => Algorithm::Es256,
            };
            let (&len, rest) = rest.split_first()?;
            let (header, payload) = rest.split_at(usize::from(len).min(rest.len()));
            let token = sign_compact(private_key(alg), header, payload).expect("signing succeeds");
            Some((token, Some((alg, header))))
        }
    }
}

/// The differential target: both signature providers must give the same verdict — the same
/// claims or the same typed error — on every token.
///
/// The input is a [`verify`] input (a raw token, or a header and payload signed by a trusted
/// key so mutations get past the signature), except that a first byte of 4, 8 or 12 puts a
/// signature of the input's choosing on a valid RS256, ES256 or ES384 token: the rest of the
/// input is the raw signature (any length; `r` and `s` of any value), so the range and
/// length rules our code applies before asking a provider are exercised on both.
pub fn differential(data: &[u8]) {
    let token = match data.split_first() {
        Some((&mode @ (4 | 8 | 12), signature)) => {
            let alg = Algorithm::ALL[usize::from(mode / 4) - 1];
            let input = differential_signing_input(alg);
            // The primitive alone, on each provider.
            let public = private_key(alg).public_key();
            let outcomes: Vec<_> = CryptoProvider::all()
                .iter()
                .map(|&provider| {
                    let key = provider
                        .prepare_public_key(&public)
                        .expect("fixed keys prepare");
                    verify_signature(alg, &key, input.as_bytes(), signature)
                })
                .collect();
            assert!(
                outcomes.windows(2).all(|pair| pair[0] == pair[1]),
                "providers disagree on a raw {alg} signature: {outcomes:?}"
            );
            format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
        }
        _ => match token_of(data) {
            Some((token, _)) => token,
            None => return,
        },
    };
    let results: Vec<_> = fixture()
        .verifiers
        .iter()
        .map(|verifier| {
            (
                verifier.provider(),
                verifier.verify::<PlaybackClaims>(&token),
            )
        })
        .collect();
    if let Some(((first_provider, first), rest)) = results.split_first() {
        for (provider, result) in rest {
            assert_eq!(
                first, result,
                "{first_provider} and {provider} disagree on {token:?}"
            );
        }
    }
}

/// The `header.payload` the differential target's signature inputs sign: a valid token of
/// `alg` under the fixed key, so only the signature decides.
pub fn differential_signing_input(alg: Algorithm) -> String {
    let header = format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#);
    let payload = format!(r#"{{"accid":"fuzz","iat":{NOW},"exp":{}}}"#, NOW + 3600);
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload)
    )
}

/// Encodes a structured-mode input (the inverse of [`verify`]'s split), for seed corpora.
pub fn structured_input(alg: Algorithm, header: &[u8], payload: &[u8]) -> Vec<u8> {
    let mode = match alg {
        Algorithm::Rs256 => 1,
        Algorithm::Es256 => 2,
        Algorithm::Es384 => 3,
    };
    let len = u8::try_from(header.len()).expect("seed headers are under 256 bytes");
    [&[mode, len][..], header, payload].concat()
}

/// Encodes a raw-mode input, for seed corpora.
pub fn raw_input(token: &str) -> Vec<u8> {
    [&[0u8][..], token.as_bytes()].concat()
}

fn check_token(token: &str, signed: Option<(Algorithm, &[u8])>) {
    let result = verifier().verify::<PlaybackClaims>(token);
    match &result {
        Ok(verified) => {
            assert!(
                token.len() <= DEFAULT_MAX_TOKEN_LEN,
                "a token over the length limit was accepted"
            );
            assert_eq!(
                token.split('.').count(),
                3,
                "an accepted token has three segments"
            );
            let claims = &verified.claims;
            claims.validate().expect("accepted claims obey their rules");
            if let PlaybackClaims::Channel(_) = claims {
                assert_eq!(
                    verified.header.alg,
                    Algorithm::Es384,
                    "channel tokens are ES384 only"
                );
            }
            let encoded = claims.to_json_object().expect("accepted claims encode");
            let again = PlaybackClaims::from_json_object(encoded).expect("encoded claims decode");
            assert_eq!(&again, claims, "accepted claims survive encode → decode");
            check_malleated_copy(token, claims);
        }
        Err(error) => {
            assert!(!error.code().is_empty());
            let _ = error.to_string();
        }
    }
    // A token signed by the trusted key of the algorithm its header names must never fail the
    // signature check (or find no key): that would mean the signing input or the key choice
    // differs between signer and verifier.
    if let Some((alg, header)) = signed {
        let header_alg = serde_json::from_slice::<serde_json::Value>(header)
            .ok()
            .and_then(|header| header.get("alg")?.as_str().map(str::to_owned));
        if header_alg.as_deref() == Some(alg.as_str()) {
            assert!(
                !matches!(
                    result,
                    Err(VerifyError::InvalidSignature
                        | VerifyError::InvalidSignatureLength { .. }
                        | VerifyError::NoKeyForAlgorithm { .. }
                        | VerifyError::UnknownKeyId { .. })
                ),
                "a validly signed {alg} token failed the signature step: {result:?}"
            );
        }
    }
}

/// An accepted ECDSA token's malleated copy (`s → n − s`, made without the key) is a different
/// string that verifies too — and must be the same token: one identity, so revocation, `maxu`,
/// `maxip` and single use cannot be escaped by rewriting the signature.
fn check_malleated_copy(token: &str, claims: &PlaybackClaims) {
    let Some(copy) = malleate::negate_s(token) else {
        return;
    };
    assert_ne!(copy, token, "the malleated copy is another string");
    let verified = verifier()
        .verify::<PlaybackClaims>(&copy)
        .expect("the malleated copy of an accepted token verifies");
    assert_eq!(&verified.claims, claims);
    let original = VerifiedToken::new(claims.clone(), token);
    let malleated = VerifiedToken::new(verified.claims, &copy);
    assert_eq!(
        original.digest, malleated.digest,
        "one signed part, one identity"
    );
    assert_eq!(original.token_id(), malleated.token_id());
}

// ---------------------------------------------------------------------------------------------
// keys

/// Every key parser over the same input (as lossy UTF-8 text and as DER); every key that
/// parses must survive each export → import and, for private keys, sign what its public half
/// verifies.
pub fn keys(data: &[u8]) {
    let text = String::from_utf8_lossy(data);

    if let Ok(key) = PublicKey::from_pem(&text) {
        public_round_trip(&key);
    }
    if let Ok(key) = PublicKey::from_public_key_txt(&text) {
        public_round_trip(&key);
    }
    if let Ok(entries) = PublicKey::parse(&text) {
        assert!(
            !entries.is_empty(),
            "parse returns at least one key or an error"
        );
        for entry in &entries {
            public_round_trip(&entry.key);
        }
    }
    if let Ok(jwk) = Jwk::from_json(&text)
        && let Ok(key) = PublicKey::from_jwk(&jwk)
    {
        assert!(
            !jwk.has_private_members(),
            "a private JWK was accepted as public"
        );
        if let Some(alg) = &jwk.alg {
            assert_eq!(alg, key.algorithm().as_str(), "JWK alg matches the key");
        }
        public_round_trip(&key);
    }
    if let Ok(jwks) = Jwks::from_json(&text)
        && let Ok(set) = KeySet::from_jwks(&jwks)
    {
        assert!(set.len() <= jwks.keys.len());
        let again = KeySet::from_jwks(&set.to_jwks()).expect("exported JWK Set imports");
        assert_eq!(again.len(), set.len(), "JWK Set round trip keeps every key");
        for (a, b) in again.iter().zip(set.iter()) {
            assert_eq!(a.key, b.key);
        }
    }
    if let Ok(key) = PrivateKey::from_pem(&text) {
        private_round_trip(&key);
    }

    if let Ok(key) = PublicKey::from_spki_der(data) {
        public_round_trip(&key);
    }
    if let Ok(key) = Rs256PublicKey::from_pkcs1_der(data) {
        public_round_trip(&key.into());
    }
    if let Ok(key) = Es256PublicKey::from_sec1_bytes(data) {
        public_round_trip(&key.into());
    }
    if let Ok(key) = Es384PublicKey::from_sec1_bytes(data) {
        public_round_trip(&key.into());
    }
    if let Ok(key) = PrivateKey::from_pkcs8_der(data) {
        private_round_trip(&key);
    }
    if let Ok(key) = PrivateKey::from_sec1_der(data) {
        private_round_trip(&key);
    }
    if let Ok(key) = Rs256PrivateKey::from_pkcs1_der(data) {
        private_round_trip(&key.into());
    }
}

fn public_round_trip(key: &PublicKey) {
    let from_der = PublicKey::from_spki_der(&key.to_spki_der()).expect("exported SPKI imports");
    assert_eq!(&from_der, key, "SPKI DER round trip");
    let from_pem = PublicKey::from_pem(&key.to_pem()).expect("exported PEM imports");
    assert_eq!(&from_pem, key, "PEM round trip");
    let from_txt = PublicKey::from_public_key_txt(&key.to_public_key_txt())
        .expect("exported public_key.txt imports");
    assert_eq!(&from_txt, key, "public_key.txt round trip");
    let jwk = key.to_jwk();
    let from_jwk = PublicKey::from_jwk(&jwk).expect("exported JWK imports");
    assert_eq!(&from_jwk, key, "JWK round trip");
    let thumbprint = key.thumbprint();
    assert_eq!(jwk.kid.as_deref(), Some(thumbprint.as_str()));
    assert_eq!(from_jwk.thumbprint(), thumbprint, "thumbprint is stable");
    let parsed = PublicKey::parse(&jwk.to_json()).expect("exported JWK JSON parses");
    assert_eq!(parsed.len(), 1);
    assert_eq!(&parsed[0].key, key);
}

fn private_round_trip(key: &PrivateKey) {
    let public = key.public_key();
    assert_eq!(public.algorithm(), key.algorithm());
    let der = key.to_pkcs8_der().expect("a parsed private key exports");
    let again = PrivateKey::from_pkcs8_der(&der).expect("exported PKCS#8 imports");
    assert_eq!(again.public_key(), public, "PKCS#8 round trip");
    let pem = key
        .to_pkcs8_pem()
        .expect("a parsed private key exports as PEM");
    let again = PrivateKey::from_pem(&pem).expect("exported PKCS#8 PEM imports");
    assert_eq!(again.public_key(), public, "PKCS#8 PEM round trip");
    // An inconsistent key (say, a mutated RSA prime) that was accepted would sign garbage.
    let message = b"eyJhbGciOiJFUzI1NiJ9.e30";
    for &signer in CryptoProvider::all() {
        let prepared = signer
            .prepare_private_key(key)
            .expect("every provider takes a parsed private key");
        let signature = sign_bytes_with(&prepared, message).expect("a parsed private key signs");
        for &verifier in CryptoProvider::all() {
            let public = verifier
                .prepare_public_key(&public)
                .expect("every provider takes a parsed public key");
            verify_signature(key.algorithm(), &public, message, &signature)
                .expect("a parsed private key's signature verifies with its public key");
        }
    }
    public_round_trip(&public);
}

// ---------------------------------------------------------------------------------------------
// policy

/// The account every policy token and request belongs to.
const POLICY_ACCOUNT: &str = "acct-1";
/// Tokens of one policy input, each described by [`POLICY_SLOT_BYTES`] leading bytes.
pub const POLICY_SLOTS: usize = 4;
/// Bytes that describe one token slot.
pub const POLICY_SLOT_BYTES: usize = 5;
/// Operations replayed per input at most, so one input stays cheap.
const POLICY_MAX_OPS: usize = 128;
const USERS: [&str; 2] = ["u0", "u1"];
const DEVICES: [&str; 4] = ["d0", "d1", "d2", "d3"];
const SESSIONS: [&str; 4] = ["s0", "s1", "s2", "s3"];
const CONTENTS: [&str; 3] = ["c0", "c1", "c2"];
const USER_AGENTS: [&str; 2] = ["Player/1.0", "Player/2.0"];
const UUIDS: [&str; 2] = [
    "6f1c1a52-1e2b-4c3d-9e8f-0a1b2c3d4e5f",
    "0b9e7a3c-5d2f-4e8a-b1c6-7d3e9f0a2b4c",
];
const CHANNEL_ARN: &str = "arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf123456";

/// The in-memory stores around a state store the run keeps a handle to (for its invariants).
type MemoryAuthorizer = Authorizer<
    StoreSet<
        Arc<MemoryPolicyStore>,
        MemoryRevocationStore,
        Arc<MemoryAuditSink>,
        MemoryKeyRegistry,
    >,
>;

/// The policy target: a sequence of requests, waits, ended sessions, removed devices and
/// revocations against a [`PolicyEngine`] on a [`MemoryPolicyStore`], with the store's
/// invariants checked after every step.
///
/// Layout: [`POLICY_SLOTS`] token descriptions of [`POLICY_SLOT_BYTES`] bytes each (see
/// [`policy_slot`]), then operations, each an opcode byte (`% 16`) and its arguments:
///
/// - `0..=9` request `[r0, r1, r2]`: token slot `r0 % 4`, player session `s(r0 / 4 % 5)`
///   (4: none, so the key is derived), device `d(r1 % 5)` (4: none), client IP `r1 / 5 % 5`
///   (192.0.2.1–3, `::ffff:192.0.2.1` — the first one again — and 2001:db8::1), user agent
///   `r2 % 2`, content `c(r2 / 2 % 3)`;
/// - `10..=12` wait `[w]`: `w < 128` → `w % 16` s; `< 192` → 100–163 s (around the 120 s
///   lease); `< 240` → 200–2 550 s; else 1–16 h (past every token's expiry but the longest);
/// - `13` end session `[e]`: of user `e % 2`, the `e / 2`-th active one (modulo their number;
///   a fixed key when none is active);
/// - `14` remove device `[e]`: of user `e % 2`, device `d(e / 2 % 5)` (4: never registered);
/// - `15` revoke `[e]`: the token of slot `e % 4`.
///
/// A request whose token has expired beyond the leeway is skipped: the verifier refuses it
/// before the engine sees it.
pub fn policy(data: &[u8]) {
    let Some((slots, ops)) = data.split_at_checked(POLICY_SLOTS * POLICY_SLOT_BYTES) else {
        return;
    };
    let slots: Vec<PolicySlot> = slots
        .chunks_exact(POLICY_SLOT_BYTES)
        .enumerate()
        .map(|(index, bytes)| policy_slot(index, bytes))
        .collect();
    let mut run = PolicyRun::new(slots);
    let mut ops = ops.iter().copied();
    for _ in 0..POLICY_MAX_OPS {
        let Some(opcode) = ops.next() else { break };
        let step = match opcode % 16 {
            0..=9 => (|| {
                let (r0, r1, r2) = (ops.next()?, ops.next()?, ops.next()?);
                Some(PolicyOp::Request { r0, r1, r2 })
            })(),
            10..=12 => ops.next().map(PolicyOp::Wait),
            13 => ops.next().map(PolicyOp::EndSession),
            14 => ops.next().map(PolicyOp::RemoveDevice),
            _ => ops.next().map(PolicyOp::Revoke),
        };
        let Some(step) = step else { break };
        run.step(step);
        run.check_users();
    }
}

/// One operation of a policy input, with its raw argument bytes.
#[derive(Debug, Clone, Copy)]
enum PolicyOp {
    Request { r0: u8, r1: u8, r2: u8 },
    Wait(u8),
    EndSession(u8),
    RemoveDevice(u8),
    Revoke(u8),
}

/// One token of a policy input, with the claims its invariants read.
pub struct PolicySlot {
    token: VerifiedToken,
    /// `exp + leeway`: the first instant the verifier refuses the token.
    refused_from: i64,
}

/// The token of slot `index` described by `bytes` (`POLICY_SLOT_BYTES` of them):
///
/// - `b0`: user `b0 % 3` (none, u0, u1); `jti` `b0 / 3 % 3` (none, jti-a, jti-b — slots
///   sharing one share counters); a private-channel single-use token when `b0 / 9 % 4 == 3`;
/// - `b1`: `climit` `b1 % 4` (0: none), `cbeh` `b1 / 4 % 3` (absent, BLOCK_NEW,
///   BLOCK_NEW_USER); for a channel token, the single-use uuid `b1 % 2`;
/// - `b2`: `dlimit` `b2 % 4` (0: none), `conid` `b2 / 4 % 3` (none, c0, c1);
/// - `b3`: `maxu` `b3 % 6` (0: none), `maxip` `b3 / 6 % 4` (0: none);
/// - `b4`: lifetime `b4 % 4` (10 min, 1 h, 2 h, 30 days), `sid` `b4 / 4 % 3` (none, sid-a,
///   sid-b).
///
/// `climit`, `dlimit` and `sid` need a user and are left out without one. Every token is
/// issued at [`NOW`]; its encoded form (so its digest) is `slot-<index>`.
pub fn policy_slot(index: usize, bytes: &[u8]) -> PolicySlot {
    let byte = |i: usize| bytes.get(i).copied().unwrap_or(0);
    let (b0, b1, b2, b3, b4) = (byte(0), byte(1), byte(2), byte(3), byte(4));
    let iat = NumericDate::from_secs(NOW).expect("NOW is in range");
    let lifetime = Duration::from_secs([600, 3600, 7200, 30 * 86_400][usize::from(b4 % 4)]);
    let jti = [None, Some("jti-a"), Some("jti-b")][usize::from(b0 / 3 % 3)];
    let claims = if b0 / 9 % 4 == 3 {
        let mut builder = PrivateChannelClaims::builder(CHANNEL_ARN, iat)
            .valid_for(lifetime)
            .single_use(UUIDS[usize::from(b1 % 2)]);
        if let Some(jti) = jti {
            builder = builder.token_id(jti);
        }
        PlaybackClaims::Channel(builder.build().expect("channel slot claims are valid"))
    } else {
        let mut builder =
            PlaybackRestrictionClaims::builder(POLICY_ACCOUNT, iat).valid_for(lifetime);
        if let Some(jti) = jti {
            builder = builder.token_id(jti);
        }
        if let Some(conid) = [None, Some("c0"), Some("c1")][usize::from(b2 / 4 % 3)] {
            builder = builder.content_id(conid);
        }
        if b3 % 6 > 0 {
            builder = builder.max_uses(u32::from(b3 % 6));
        }
        if b3 / 6 % 4 > 0 {
            builder = builder.max_ips(u32::from(b3 / 6 % 4));
        }
        if let Some(user) = [None, Some(USERS[0]), Some(USERS[1])][usize::from(b0 % 3)] {
            builder = builder.user(user);
            if b1 % 4 > 0 {
                let cbeh = [
                    ConcurrencyBehavior::EvictOldest,
                    ConcurrencyBehavior::BlockNew,
                    ConcurrencyBehavior::BlockNewUser,
                ][usize::from(b1 / 4 % 3)];
                builder = builder
                    .concurrent_streams(u32::from(b1 % 4))
                    .concurrency_behavior(cbeh);
            }
            if b2 % 4 > 0 {
                builder = builder.device_limit(u32::from(b2 % 4));
            }
            if let Some(sid) = [None, Some("sid-a"), Some("sid-b")][usize::from(b4 / 4 % 3)] {
                builder = builder.session_id(sid);
            }
        }
        PlaybackClaims::Restriction(builder.build().expect("restriction slot claims are valid"))
    };
    let token = VerifiedToken::new(claims, &format!("slot-{index}"));
    let exp = token.expires_at().expect("slot tokens expire").as_secs();
    let leeway = i64::try_from(DEFAULT_LEEWAY.as_secs()).expect("small leeway");
    PolicySlot {
        token,
        refused_from: exp + leeway,
    }
}

/// What the invariants remember of one user between steps.
#[derive(Debug, Default)]
struct UserShadow {
    /// Registered devices, earliest first: devices never expire, so the store must list
    /// exactly these after every step.
    devices: Vec<String>,
    /// Sessions evicted or ended, until their old lease ends: none may be admitted again
    /// before that.
    evicted: BTreeMap<String, i64>,
    /// The largest `climit` a session of this user was admitted under.
    max_climit: usize,
}

/// The counters of one token id in one partition (`uid`, else the token id alone), or of one
/// single-use uuid.
#[derive(Debug, Default)]
struct TokenShadow {
    /// The state is dropped from this instant on (the latest `exp + leeway` recorded).
    kept_until: i64,
    uses: u32,
    /// Canonical client IPs, recorded under `maxip`.
    ips: BTreeSet<IpAddr>,
    single_use: BTreeSet<String>,
}

struct PolicyRun {
    authorizer: MemoryAuthorizer,
    store: Arc<MemoryPolicyStore>,
    slots: Vec<PolicySlot>,
    revoked: Vec<bool>,
    now: i64,
    lease: i64,
    leeway: i64,
    users: BTreeMap<&'static str, UserShadow>,
    tokens: BTreeMap<(Option<String>, String), TokenShadow>,
}

/// Runs a future of the in-memory stores to its end. Their operations take a plain lock and
/// never wait, so one poll with a no-op waker finishes them; no runtime is needed.
fn ready<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("an in-memory store operation waited"),
    }
}

fn at(secs: i64) -> NumericDate {
    NumericDate::from_secs(secs).expect("fuzz times are in range")
}

fn secs(duration: Duration) -> i64 {
    i64::try_from(duration.as_secs()).expect("short durations")
}

impl PolicyRun {
    fn new(slots: Vec<PolicySlot>) -> Self {
        // One shard: every partition shares it, so each write also sweeps the others, and
        // the shard a partition lands in does not depend on the hasher's random seed.
        let store = Arc::new(MemoryPolicyStore::with_shards(
            1,
            MemoryPolicyStore::DEFAULT_SHARD_CAPACITY,
        ));
        let config = PolicyConfig::default();
        let authorizer = Authorizer::builder(StoreSet {
            policy: Arc::clone(&store),
            revocations: MemoryRevocationStore::new(),
            audit: Arc::new(MemoryAuditSink::new()),
            registry: MemoryKeyRegistry::new(),
            rights: MemoryRightsStore::new(),
        })
        .policy(config)
        .build();
        let leeway = secs(authorizer.leeway());
        Self {
            authorizer,
            store,
            revoked: vec![false; slots.len()],
            slots,
            now: NOW,
            lease: secs(config.lease),
            leeway,
            users: USERS.iter().map(|u| (*u, UserShadow::default())).collect(),
            tokens: BTreeMap::new(),
        }
    }

    fn sessions(&self, user: &str) -> Vec<SessionInfo> {
        let uid = Uid::new(user).expect("fuzz uids are valid");
        ready(
            self.authorizer
                .engine()
                .sessions(POLICY_ACCOUNT, &uid, at(self.now)),
        )
        .expect("the memory store reads")
    }

    fn devices(&self, user: &str) -> Vec<String> {
        let uid = Uid::new(user).expect("fuzz uids are valid");
        ready(self.authorizer.engine().devices(POLICY_ACCOUNT, &uid))
            .expect("the memory store reads")
            .into_iter()
            .map(|d| d.device_id)
            .collect()
    }

    fn step(&mut self, op: PolicyOp) {
        match op {
            PolicyOp::Request { r0, r1, r2 } => self.request(r0, r1, r2),
            PolicyOp::Wait(w) => {
                self.now += match w {
                    0..128 => i64::from(w % 16),
                    128..192 => 100 + i64::from(w - 128),
                    192..240 => 200 + 50 * i64::from(w - 192),
                    _ => 3600 * i64::from(w - 239),
                };
            }
            PolicyOp::EndSession(e) => self.end_session(e),
            PolicyOp::RemoveDevice(e) => self.remove_device(e),
            PolicyOp::Revoke(e) => {
                let slot = usize::from(e) % self.slots.len();
                ready(self.authorizer.revoke(
                    POLICY_ACCOUNT,
                    &self.slots[slot].token,
                    at(self.now),
                ))
                .expect("the memory revocation store has room for four tokens");
                if self.now < self.slots[slot].refused_from {
                    self.revoked[slot] = true;
                }
            }
        }
    }

    /// After every step: each user's devices are exactly those registered and not removed,
    /// and no more sessions are active than the largest `climit` any was admitted under.
    fn check_users(&self) {
        for user in USERS {
            let shadow = &self.users[user];
            assert_eq!(
                self.devices(user),
                shadow.devices,
                "devices of {user}: only registration adds one, only removal drops one"
            );
            let active = self.sessions(user).len();
            assert!(
                active <= shadow.max_climit,
                "{user} has {active} active sessions, above every climit admitted under ({})",
                shadow.max_climit
            );
        }
    }

    fn end_session(&mut self, e: u8) {
        let user = USERS[usize::from(e % 2)];
        let before = self.sessions(user);
        let index = usize::from(e / 2);
        let key = before.get(index % before.len().max(1)).map_or_else(
            || SESSIONS[index % SESSIONS.len()].to_owned(),
            |s| s.session_key.clone(),
        );
        let uid = Uid::new(user).expect("fuzz uids are valid");
        let ended = ready(self.authorizer.engine().end_session(
            POLICY_ACCOUNT,
            &uid,
            &key,
            at(self.now),
        ))
        .expect("the memory store writes");
        let ended_session = before.iter().find(|s| s.session_key == key);
        assert_eq!(
            ended,
            ended_session.is_some(),
            "end_session answers whether {key} was active"
        );
        let after = self.sessions(user);
        assert!(
            !after.iter().any(|s| s.session_key == key),
            "{key} still active after its end"
        );
        if let Some(session) = ended_session {
            assert_eq!(
                after.len() + 1,
                before.len(),
                "ending one session ends only that one"
            );
            self.users
                .get_mut(user)
                .expect("known user")
                .evicted
                .insert(key, session.lease_until.as_secs());
        } else {
            assert_eq!(after.len(), before.len());
        }
    }

    fn remove_device(&mut self, e: u8) {
        let user = USERS[usize::from(e % 2)];
        let device = DEVICES
            .get(usize::from(e / 2 % 5))
            .copied()
            .unwrap_or("d-unknown");
        let uid = Uid::new(user).expect("fuzz uids are valid");
        let removed = ready(
            self.authorizer
                .engine()
                .remove_device(POLICY_ACCOUNT, &uid, device),
        )
        .expect("the memory store writes");
        let devices = &mut self.users.get_mut(user).expect("known user").devices;
        let known = devices.iter().position(|d| d == device);
        assert_eq!(
            removed,
            known.is_some(),
            "remove_device answers whether {device} was registered"
        );
        if let Some(position) = known {
            devices.remove(position);
        }
    }

    fn request(&mut self, r0: u8, r1: u8, r2: u8) {
        let slot = usize::from(r0) % self.slots.len();
        if self.now >= self.slots[slot].refused_from {
            return;
        }
        let ips = [
            IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
            IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2)),
            IpAddr::V4(Ipv4Addr::new(192, 0, 2, 3)),
            IpAddr::V6(Ipv4Addr::new(192, 0, 2, 1).to_ipv6_mapped()),
            IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1)),
        ];
        let mut ctx = RequestContext::new(
            POLICY_ACCOUNT,
            CONTENTS[usize::from(r2 / 2 % 3)],
            USER_AGENTS[usize::from(r2 % 2)],
            ips[usize::from(r1 / 5 % 5)],
            at(self.now),
        );
        if let Some(session) = SESSIONS.get(usize::from(r0 / 4 % 5)) {
            ctx = ctx.with_session_id(*session);
        }
        if let Some(device) = DEVICES.get(usize::from(r1 % 5)) {
            ctx = ctx.with_device_id(*device);
        }
        // The catalogue maps every content to the channel of the channel slots, so their
        // single uses are exercised.
        ctx = ctx.with_content_channel(CHANNEL_ARN);

        let token = &self.slots[slot].token.clone();
        let restriction = token.claims.as_restriction();
        let user = token
            .uid()
            .and_then(|uid| USERS.iter().copied().find(|u| *u == uid.as_str()));
        let sessions_before = user.map(|u| self.sessions(u)).unwrap_or_default();
        // A single-use uuid is one piece of state whatever token carries it.
        let counters_key = match token
            .claims
            .as_channel()
            .and_then(|c| c.single_use_uuid.as_ref())
        {
            Some(uuid) => (None, format!("uuid:{}", uuid.as_str())),
            None => (token.uid().map(|u| u.as_str().to_owned()), token.token_id()),
        };
        let snapshot = self.store.snapshot();

        let decision = ready(self.authorizer.engine().decide(token, &ctx));

        if self.revoked[slot] {
            assert_eq!(
                decision,
                Decision::Deny(DenyReason::TokenRevoked),
                "a revoked token is refused until it expires"
            );
        }
        let counters = self
            .tokens
            .get(&counters_key)
            .filter(|t| t.kept_until > self.now);
        let uses = counters.map_or(0, |t| t.uses);
        let ip = ctx.client_ip.to_canonical();
        let known_ip = counters.is_some_and(|t| t.ips.contains(&ip));
        let ip_count = counters.map_or(0, |t| t.ips.len());
        let single_use = token
            .claims
            .as_channel()
            .and_then(|c| c.single_use_uuid.as_ref())
            .map(|u| u.as_str().to_owned());
        let consumed = counters.is_some_and(|t| {
            single_use
                .as_ref()
                .is_some_and(|u| t.single_use.contains(u))
        });
        let devices_before = user
            .map(|u| self.users[u].devices.clone())
            .unwrap_or_default();
        let device_known = ctx
            .device_id
            .as_ref()
            .is_some_and(|d| devices_before.contains(d));

        let allowed = match decision {
            Decision::Deny(reason) => {
                assert!(
                    self.store.snapshot() == snapshot,
                    "a denied request ({reason:?}) changed the store"
                );
                // Each limit refuses only when it is really reached.
                match reason {
                    DenyReason::SingleUseAlreadyUsed => {
                        assert!(consumed, "single use refused before the first use")
                    }
                    DenyReason::MaxUsesReached { limit } => {
                        assert!(uses >= limit, "maxu {limit} refused use {}", uses + 1)
                    }
                    DenyReason::MaxIpsReached { limit } => assert!(
                        !known_ip && ip_count >= usize::try_from(limit).expect("small"),
                        "maxip {limit} refused {ip} with {ip_count} IPs recorded (known: {known_ip})"
                    ),
                    DenyReason::StreamLimitReached { limit } => assert!(
                        sessions_before.len() >= usize::try_from(limit).expect("small"),
                        "climit {limit} refused a stream with {} active",
                        sessions_before.len()
                    ),
                    DenyReason::DeviceLimitReached { limit } => assert!(
                        !device_known
                            && devices_before.len() >= usize::try_from(limit).expect("small"),
                        "dlimit {limit} refused a device with {} registered (known: {device_known})",
                        devices_before.len()
                    ),
                    DenyReason::SessionEvicted { session } => assert!(
                        !sessions_before.iter().any(|s| s.session_key == session),
                        "an active session {session} was refused as evicted"
                    ),
                    _ => {}
                }
                return;
            }
            Decision::Allow(allowed) => allowed,
        };
        assert!(!self.revoked[slot] && !allowed.degraded);

        // Per-token counters: maxu, maxip, single use.
        if let Some(claims) = restriction {
            if let Some(maxu) = claims.maxu {
                assert!(uses < maxu.get(), "maxu {maxu} allowed use {}", uses + 1);
                assert_eq!(
                    allowed.uses,
                    Some(uses + 1),
                    "the use count is every allowed use"
                );
            }
            if let Some(maxip) = claims.maxip {
                assert!(
                    known_ip || ip_count < usize::try_from(maxip.get()).expect("small"),
                    "maxip {maxip} allowed a new IP {ip} with {ip_count} recorded"
                );
            }
        }
        assert!(!consumed, "a single-use uuid was allowed twice");
        let has_counters = restriction.is_some_and(|c| c.maxu.is_some() || c.maxip.is_some())
            || single_use.is_some();
        if has_counters {
            let refused_from = self.slots[slot].refused_from;
            let now = self.now;
            let counters = self.tokens.entry(counters_key).or_default();
            if counters.kept_until <= now {
                *counters = TokenShadow::default();
            }
            counters.kept_until = counters.kept_until.max(refused_from);
            counters.uses += 1;
            if restriction.is_some_and(|c| c.maxip.is_some()) {
                counters.ips.insert(ip);
            }
            counters.single_use.extend(single_use);
        }

        // Streams: climit and cbeh.
        let session_plan = restriction
            .and_then(|c| c.climit.map(|limit| (limit, c.cbeh)))
            .zip(user);
        match (&allowed.session, session_plan) {
            (None, None) => assert!(allowed.evicted.is_empty()),
            (Some(change), Some(((limit, behavior), user))) => self.check_session(
                user,
                change,
                &allowed.evicted,
                limit.get(),
                behavior,
                &sessions_before,
            ),
            (change, plan) => panic!("session change {change:?} for plan {plan:?}"),
        }

        // Devices: dlimit.
        let device_plan = restriction.and_then(|c| c.dlimit).zip(user);
        if let Some((dlimit, user)) = device_plan {
            let device = ctx
                .device_id
                .clone()
                .expect("dlimit allows only with a device id");
            assert_eq!(
                allowed.device_registered, !device_known,
                "a device registers on first use"
            );
            if allowed.device_registered {
                let devices = &mut self.users.get_mut(user).expect("known user").devices;
                assert!(
                    devices.len() < usize::try_from(dlimit.get()).expect("small"),
                    "dlimit {dlimit} registered device number {}",
                    devices.len() + 1
                );
                devices.push(device);
            }
        } else {
            assert!(!allowed.device_registered);
        }
    }

    /// An allowed request's session change, against the sessions active before it.
    fn check_session(
        &mut self,
        user: &'static str,
        change: &SessionChange,
        evicted: &[String],
        limit: u32,
        behavior: ConcurrencyBehavior,
        before: &[SessionInfo],
    ) {
        let limit = usize::try_from(limit).expect("small");
        let after = self.sessions(user);
        let key = change.session();
        let lease_until = self.now + self.lease;
        let active_after = after
            .iter()
            .find(|s| s.session_key == key)
            .expect("the admitted or renewed session is active");
        assert_eq!(
            active_after.lease_until.as_secs(),
            lease_until,
            "a full lease from now"
        );
        let shadow = self.users.get_mut(user).expect("known user");
        match change {
            SessionChange::Renewed { .. } => {
                assert!(
                    before.iter().any(|s| s.session_key == key),
                    "renewed {key} was not active"
                );
                assert!(evicted.is_empty(), "a renewal evicts nothing");
                assert_eq!(after.len(), before.len(), "a renewal admits nothing");
            }
            SessionChange::Admitted { .. } => {
                assert!(
                    !before.iter().any(|s| s.session_key == key),
                    "admitted {key} was active"
                );
                assert!(
                    shadow
                        .evicted
                        .get(key)
                        .is_none_or(|until| *until <= self.now),
                    "{key} was admitted again while its eviction stands"
                );
                for gone in evicted {
                    let session = before
                        .iter()
                        .find(|s| s.session_key == *gone)
                        .expect("an evicted session was active");
                    assert!(
                        !after.iter().any(|s| s.session_key == *gone),
                        "{gone} still active"
                    );
                    shadow
                        .evicted
                        .insert(gone.clone(), session.lease_until.as_secs());
                }
                assert_eq!(
                    after.len(),
                    before.len() + 1 - evicted.len(),
                    "sessions after admitting"
                );
                match behavior {
                    ConcurrencyBehavior::EvictOldest => {
                        let oldest: Vec<&str> = before
                            .iter()
                            .take(evicted.len())
                            .map(|s| s.session_key.as_str())
                            .collect();
                        assert_eq!(oldest, evicted, "the oldest sessions are evicted first");
                        assert!(
                            after.len() <= limit,
                            "climit {limit}: {} active",
                            after.len()
                        );
                    }
                    ConcurrencyBehavior::BlockNew => {
                        assert!(evicted.is_empty(), "BLOCK_NEW never evicts");
                        assert!(
                            after.len() <= limit,
                            "climit {limit}: {} active",
                            after.len()
                        );
                    }
                    ConcurrencyBehavior::BlockNewUser => {
                        // A same-location replacement keeps the count; it never grows past
                        // the limit or past the count before.
                        assert!(evicted.len() <= 1, "BLOCK_NEW_USER replaces one stream");
                        for gone in evicted {
                            let location = before
                                .iter()
                                .find(|s| s.session_key == *gone)
                                .map(|s| s.location_key.as_str());
                            assert_eq!(
                                location,
                                Some(active_after.location_key.as_str()),
                                "BLOCK_NEW_USER replaces a stream of the same location"
                            );
                        }
                        assert!(
                            after.len() <= limit.max(before.len()),
                            "climit {limit} (BLOCK_NEW_USER): {} → {} active",
                            before.len(),
                            after.len()
                        );
                    }
                }
                shadow.max_climit = shadow.max_climit.max(limit);
            }
        }
    }
}
