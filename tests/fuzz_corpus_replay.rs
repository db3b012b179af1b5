//! Replays the committed fuzz corpora (`fuzz/corpus/<target>/`) through the fuzz targets'
//! bodies on stable Rust, so every input the fuzzer ever kept stays a regression test.
//!
//! The bodies live in `tests/fuzz_checks/mod.rs`, which the fuzz targets include as well.
//! `cargo test --test fuzz_corpus_replay -- --ignored write_seed_corpus` rewrites the seed
//! inputs (`seed-*` files) from the test vectors of the crates; see `fuzz/README.md`.
#![cfg(all(feature = "sign", feature = "verify", feature = "policy"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod fuzz_checks;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

use fuzz_checks::{NOW, private_key, raw_input, structured_input};
use playback_auth::claims::{ConcurrencyBehavior, NumericDate, PlaybackRestrictionClaims};
use playback_auth::keys::{Algorithm, KeySet, PrivateKey};
use playback_auth::sign::{Signer, sign_bytes, sign_compact};

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target)
}

/// Runs `check` on every file of the target's corpus; returns how many were replayed.
fn replay(target: &str, check: fn(&[u8])) -> usize {
    let dir = corpus_dir(target);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .filter(|path| !path.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect();
    files.sort();
    for path in &files {
        let data = fs::read(path).unwrap();
        let outcome = std::panic::catch_unwind(|| check(&data));
        assert!(
            outcome.is_ok(),
            "{target}: {} fails the check",
            path.display()
        );
    }
    files.len()
}

#[test]
fn differential_corpus_replays() {
    let count = replay("differential", fuzz_checks::differential);
    assert!(count > 0, "no differential corpus");
}

#[test]
fn claims_corpus_replays() {
    let count = replay("claims", fuzz_checks::claims);
    assert!(count > 0, "no claims corpus");
}

#[test]
fn verify_corpus_replays() {
    let count = replay("verify", fuzz_checks::verify);
    assert!(count > 0, "no verify corpus");
}

#[test]
fn keys_corpus_replays() {
    let count = replay("keys", fuzz_checks::keys);
    assert!(count > 0, "no keys corpus");
}

#[test]
fn policy_corpus_replays() {
    let count = replay("policy", fuzz_checks::policy);
    assert!(count > 0, "no policy corpus");
}

// ---------------------------------------------------------------------------------------------
// Seed corpus

fn write(target: &str, name: &str, data: &[u8]) {
    let dir = corpus_dir(target);
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join(format!("seed-{name}")), data).unwrap();
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn header(alg: Algorithm) -> String {
    format!(r#"{{"alg":"{}","typ":"JWT"}}"#, alg.as_str())
}

fn payload(extra: &str) -> String {
    let sep = if extra.is_empty() { "" } else { "," };
    format!(
        r#"{{"accid":"acct-1","iat":{NOW},"exp":{}{sep}{extra}}}"#,
        NOW + 3600
    )
}

/// The realistic restriction token the benches use, at the fuzz clock.
fn realistic_claims() -> PlaybackRestrictionClaims {
    let now = NumericDate::from_secs(NOW).unwrap();
    PlaybackRestrictionClaims::builder("1752604059001", now)
        .valid_for(Duration::from_secs(3600))
        .content_id("6318776394112")
        .video_ids(["6318776394112", "6318776394113"])
        .tags(["sports", "live"])
        .user_agent("Mozilla/5.0 (X11; Linux x86_64) Player/2.1")
        .max_ips(3)
        .max_uses(10)
        .user("user-8843@example.com")
        .concurrent_streams(2)
        .concurrency_behavior(ConcurrencyBehavior::BlockNewUser)
        .session_id("session-5b1c")
        .device_limit(3)
        .delivery_rules(["0758da1f-e913-4df5-9045-f9ef5e12fc38"])
        .token_id("b6e1b0a2-0001")
        .build()
        .unwrap()
}

fn worked_examples() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            "level1_tags",
            include_str!("../crates/claims/tests/claims/examples/level1_tags.json"),
        ),
        (
            "level2_licence_protection",
            include_str!("../crates/claims/tests/claims/examples/level2_licence_protection.json"),
        ),
        (
            "level3_concurrency",
            include_str!("../crates/claims/tests/claims/examples/level3_concurrency.json"),
        ),
        (
            "static_url",
            include_str!("../crates/claims/tests/claims/examples/static_url.json"),
        ),
        (
            "private_channel",
            include_str!("../crates/claims/tests/claims/examples/private_channel.json"),
        ),
    ]
}

/// Header/payload pairs of the attack corpus (crates/verify/tests/attack_corpus.rs), signed by
/// the verify target in its structured mode.
fn attack_shapes() -> Vec<(String, String, String)> {
    let exp = NOW + 60;
    let nested = format!("{}1{}", "[".repeat(40), "]".repeat(40));
    let mut shapes = vec![
        ("valid".into(), String::new(), payload("")),
        ("alg-none".into(), r#"{"alg":"none"}"#.into(), payload("")),
        (
            "alg-hs256".into(),
            r#"{"alg":"HS256","typ":"JWT"}"#.into(),
            payload(""),
        ),
        (
            "alg-ps256".into(),
            r#"{"alg":"PS256","typ":"JWT"}"#.into(),
            payload(""),
        ),
        (
            "alg-lowercase".into(),
            r#"{"alg":"rs256"}"#.into(),
            payload(""),
        ),
        ("alg-missing".into(), r#"{"typ":"JWT"}"#.into(), payload("")),
        ("alg-number".into(), r#"{"alg":256}"#.into(), payload("")),
        (
            "dup-header".into(),
            r#"{"alg":"ES256","alg":"ES256"}"#.into(),
            payload(""),
        ),
        (
            "dup-exp".into(),
            String::new(),
            format!(
                r#"{{"accid":"a","iat":{NOW},"exp":{exp},"exp":{}}}"#,
                NOW + 99_999_999
            ),
        ),
        (
            "crit".into(),
            r#"{"alg":"ES256","crit":["exp"],"exp":1}"#.into(),
            payload(""),
        ),
        (
            "b64-false".into(),
            r#"{"alg":"ES256","b64":false}"#.into(),
            payload(""),
        ),
        (
            "typ-other".into(),
            r#"{"alg":"ES256","typ":"JOSE+JSON"}"#.into(),
            payload(""),
        ),
        (
            "kid-number".into(),
            r#"{"alg":"ES256","kid":7}"#.into(),
            payload(""),
        ),
        (
            "kid-unknown".into(),
            r#"{"alg":"ES256","kid":"retired"}"#.into(),
            payload(""),
        ),
        (
            "unknown-members".into(),
            r#"{"alg":"ES256","type":"JWT","x-trace":[1]}"#.into(),
            payload(""),
        ),
        (
            "embedded-jwk".into(),
            r#"{"alg":"ES256","jku":"https://attacker.example/keys","x5c":["MIIB"]}"#.into(),
            payload(""),
        ),
        (
            "exp-string".into(),
            String::new(),
            format!(r#"{{"accid":"a","iat":{NOW},"exp":"{exp}"}}"#),
        ),
        (
            "exp-null".into(),
            String::new(),
            format!(r#"{{"accid":"a","iat":{NOW},"exp":null}}"#),
        ),
        (
            "exp-1e20".into(),
            String::new(),
            format!(r#"{{"accid":"a","iat":{NOW},"exp":1e20}}"#),
        ),
        (
            "exp-1e400".into(),
            String::new(),
            format!(r#"{{"accid":"a","iat":{NOW},"exp":1e400}}"#),
        ),
        (
            "exp-fraction".into(),
            String::new(),
            format!(r#"{{"accid":"a","iat":{NOW},"exp":{exp}.5}}"#),
        ),
        (
            "exp-missing".into(),
            String::new(),
            format!(r#"{{"accid":"a","iat":{NOW}}}"#),
        ),
        (
            "expired".into(),
            String::new(),
            format!(r#"{{"accid":"a","iat":{},"exp":{}}}"#, NOW - 100, NOW - 30),
        ),
        (
            "nbf-future".into(),
            String::new(),
            format!(
                r#"{{"accid":"a","iat":{NOW},"nbf":{},"exp":{}}}"#,
                NOW + 31,
                NOW + 600
            ),
        ),
        (
            "lifetime-31d".into(),
            String::new(),
            format!(
                r#"{{"accid":"a","iat":{},"exp":{}}}"#,
                NOW - 10,
                NOW - 10 + 2_592_001
            ),
        ),
        (
            "climit-without-uid".into(),
            String::new(),
            payload(r#""climit":2"#),
        ),
        (
            "nested-payload".into(),
            String::new(),
            payload(&format!(r#""deep":{nested}"#)),
        ),
        (
            "nested-header".into(),
            format!(r#"{{"alg":"ES256","x":{nested}}}"#),
            payload(""),
        ),
        ("payload-array".into(), String::new(), "[1,2]".into()),
        (
            "payload-truncated".into(),
            String::new(),
            "{\"accid\":".into(),
        ),
        (
            "channel".into(),
            String::new(),
            format!(
                r#"{{"aws:channel-arn":"arn:aws:ivs:us-west-2:123456789012:channel/abc","exp":{exp}}}"#
            ),
        ),
    ];
    for (name, payload) in worked_examples() {
        shapes.push((
            format!("example-{name}"),
            String::new(),
            payload.trim().to_owned(),
        ));
    }
    shapes
}

#[test]
#[ignore = "writes the differential seed corpus into fuzz/corpus; run by hand"]
fn write_differential_seed_corpus() {
    // The verify corpus, so both providers see every shape of token the verify target kept.
    let verify_dir = corpus_dir("verify");
    for entry in fs::read_dir(&verify_dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with('.') {
            write(
                "differential",
                &format!("verify-{name}"),
                &fs::read(&path).unwrap(),
            );
        }
    }
    // Signatures of our choosing on a valid token: the valid one (RustCrypto's, RFC 6979, so
    // the seed is stable), its high-S twin, and every out-of-range and wrong-length shape.
    for (index, alg) in Algorithm::ALL.into_iter().enumerate() {
        let mode = u8::try_from(4 * (index + 1)).unwrap();
        let input = fuzz_checks::differential_signing_input(alg);
        let key = playback_auth::keys::CryptoProvider::RustCrypto
            .prepare_private_key(private_key(alg))
            .unwrap();
        let valid = key.sign(input.as_bytes()).unwrap();
        let mut shapes: Vec<(&str, Vec<u8>)> = vec![
            ("valid", valid.clone()),
            ("zeros", vec![0; valid.len()]),
            ("ones", vec![0xff; valid.len()]),
            ("short", valid[1..].to_vec()),
            ("long", [&valid[..], &[0]].concat()),
            ("empty", Vec::new()),
        ];
        if let Some(order) = curve_order(alg) {
            let half = order.len();
            let (r, s) = valid.split_at(half);
            let mut high_s = order.clone();
            subtract_in_place(&mut high_s, s);
            let mut n_minus_one = order.clone();
            subtract_in_place(&mut n_minus_one, &one(half));
            shapes.extend([
                ("high-s", [r, &high_s[..]].concat()),
                ("r-zero", [&vec![0; half][..], s].concat()),
                ("s-zero", [r, &vec![0; half][..]].concat()),
                ("r-n", [&order[..], s].concat()),
                ("s-n", [r, &order[..]].concat()),
                ("r-n-minus-1", [&n_minus_one[..], s].concat()),
                ("s-one", [r, &one(half)[..]].concat()),
            ]);
        }
        for (name, signature) in shapes {
            write(
                "differential",
                &format!("seed-signature-{alg}-{name}"),
                &[&[mode][..], &signature].concat(),
            );
        }
    }
}

/// The group order of `alg`'s curve, big-endian; `None` for RS256.
fn curve_order(alg: Algorithm) -> Option<Vec<u8>> {
    let hex = match alg {
        Algorithm::Rs256 => return None,
        Algorithm::Es256 => "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551",
        Algorithm::Es384 => {
            "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973"
        }
    };
    Some(
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect(),
    )
}

fn one(len: usize) -> Vec<u8> {
    let mut bytes = vec![0; len];
    bytes[len - 1] = 1;
    bytes
}

/// `a -= b` on equal-length big-endian integers, `a ≥ b`.
fn subtract_in_place(a: &mut [u8], b: &[u8]) {
    let mut borrow = 0i16;
    for (x, &y) in a.iter_mut().rev().zip(b.iter().rev()) {
        let mut d = i16::from(*x) - i16::from(y) - borrow;
        borrow = i16::from(d < 0);
        if d < 0 {
            d += 256;
        }
        *x = u8::try_from(d).unwrap();
    }
}

#[test]
#[ignore = "writes the seed corpora into fuzz/corpus; run by hand"]
fn write_seed_corpus() {
    // claims: the worked examples and every payload of the attack corpus.
    for (name, json) in worked_examples() {
        write("claims", &format!("example-{name}"), json.trim().as_bytes());
    }
    for (name, _, payload) in attack_shapes() {
        write("claims", &format!("attack-{name}"), payload.as_bytes());
    }
    let realistic = serde_json::to_vec(&realistic_claims()).unwrap();
    write("claims", "realistic", &realistic);

    // verify, structured mode: every shape under ES256 ("" = the alg's own header), the valid
    // token and the worked examples under RS256 and ES384 too (their signatures are the
    // costly ones, and the claims paths after the signature are the same).
    for (name, header_text, payload) in attack_shapes() {
        let every_alg = name == "valid" || name.starts_with("example-");
        for alg in Algorithm::ALL {
            if alg != Algorithm::Es256 && !every_alg {
                continue;
            }
            let header_text = if header_text.is_empty() {
                header(alg)
            } else {
                header_text.clone()
            };
            let input = structured_input(alg, header_text.as_bytes(), payload.as_bytes());
            write("verify", &format!("s-{}-{name}", alg.as_str()), &input);
        }
    }
    // verify, raw mode: valid tokens and the shapes that need exact bytes.
    for alg in Algorithm::ALL {
        let realistic = Signer::new(private_key(alg).clone())
            .sign(&realistic_claims())
            .unwrap();
        write(
            "verify",
            &format!("r-{}-realistic", alg.as_str()),
            &raw_input(&realistic),
        );
        let kid = Signer::new(private_key(alg).clone())
            .with_kid("key-2026")
            .sign(&realistic_claims())
            .unwrap();
        write(
            "verify",
            &format!("r-{}-kid", alg.as_str()),
            &raw_input(&kid),
        );
        let minimal = sign_compact(
            private_key(alg),
            header(alg).as_bytes(),
            payload("").as_bytes(),
        )
        .unwrap();
        write(
            "verify",
            &format!("r-{}-minimal", alg.as_str()),
            &raw_input(&minimal),
        );
        // The signature of another algorithm's key (wrong length or wrong key type).
        let other =
            Algorithm::ALL[(Algorithm::ALL.iter().position(|a| *a == alg).unwrap() + 1) % 3];
        let mismatch = sign_compact(
            private_key(other),
            header(alg).as_bytes(),
            payload("").as_bytes(),
        )
        .unwrap();
        write(
            "verify",
            &format!("r-{}-signed-by-{}", alg.as_str(), other.as_str()),
            &raw_input(&mismatch),
        );
    }
    let es256 = sign_compact(
        private_key(Algorithm::Es256),
        header(Algorithm::Es256).as_bytes(),
        payload("").as_bytes(),
    )
    .unwrap();
    let parts: Vec<&str> = es256.split('.').collect();
    let signing_input = format!("{}.{}", parts[0], parts[1]);
    let raw_cases: Vec<(&str, String)> = vec![
        (
            "alg-none-empty-sig",
            format!("{}.{}.", b64(br#"{"alg":"none"}"#), parts[1]),
        ),
        (
            "alg-none-sig",
            format!("{}.{}.{}", b64(br#"{"alg":"None"}"#), parts[1], b64(b"sig")),
        ),
        (
            "padding",
            format!("{}=.{}.{}", parts[0], parts[1], parts[2]),
        ),
        ("space", format!(" {}.{}.{}", parts[0], parts[1], parts[2])),
        (
            "newline",
            format!("{}.{}\n.{}", parts[0], parts[1], parts[2]),
        ),
        (
            "plus",
            format!("{}.{}.{}", parts[0].replace('e', "+"), parts[1], parts[2]),
        ),
        ("two-segments", signing_input.clone()),
        ("four-segments", format!("{es256}.extra")),
        ("trailing-dot", format!("{es256}.")),
        ("empty", String::new()),
        ("dots", "a.b.c.d.e".into()),
        (
            "non-utf8-header",
            format!(
                "{}.{}.{}",
                b64(b"{\"alg\":\"\xff\"}"),
                parts[1],
                b64(&[0; 64])
            ),
        ),
        (
            "zero-signature",
            format!("{signing_input}.{}", b64(&[0; 64])),
        ),
        (
            "oversized",
            format!("{}.{}.{}", parts[0], "A".repeat(8 * 1024), parts[2]),
        ),
    ];
    for (name, token) in raw_cases {
        write("verify", &format!("r-{name}"), &raw_input(&token));
    }
    // A DER-encoded ECDSA signature and r = 0.
    let PrivateKey::Es256(p256_key) = private_key(Algorithm::Es256) else {
        unreachable!()
    };
    let der: p256::ecdsa::Signature =
        p256::ecdsa::signature::Signer::sign(p256_key.inner(), signing_input.as_bytes());
    let der = der.to_der();
    write(
        "verify",
        "r-der-signature",
        &raw_input(&format!("{signing_input}.{}", b64(der.as_bytes()))),
    );
    let mut r_zero = sign_bytes(private_key(Algorithm::Es256), signing_input.as_bytes()).unwrap();
    r_zero[..32].fill(0);
    write(
        "verify",
        "r-r-zero",
        &raw_input(&format!("{signing_input}.{}", b64(&r_zero))),
    );

    // keys: every fixture, the DER inside every PEM, and the fuzz keys in every export form.
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/keys/tests/fixtures");
    for entry in fs::read_dir(&fixtures).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name == "README.md" {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap();
        write("keys", &format!("fixture-{name}"), text.as_bytes());
        if name.ends_with(".pem") {
            let body: String = text
                .lines()
                .filter(|line| !line.starts_with("-----") && !line.contains(':'))
                .collect();
            if let Ok(der) = STANDARD.decode(body.trim()) {
                write("keys", &format!("fixture-{name}.der"), &der);
            }
        }
    }
    let mut set = KeySet::new();
    for alg in Algorithm::ALL {
        let key = private_key(alg);
        let public = key.public_key();
        let name = alg.as_str();
        write(
            "keys",
            &format!("fuzz-{name}-public.pem"),
            public.to_pem().as_bytes(),
        );
        write(
            "keys",
            &format!("fuzz-{name}-public.der"),
            &public.to_spki_der(),
        );
        write(
            "keys",
            &format!("fuzz-{name}-public_key.txt"),
            public.to_public_key_txt().as_bytes(),
        );
        write(
            "keys",
            &format!("fuzz-{name}-public.jwk"),
            public.to_jwk().to_json().as_bytes(),
        );
        write(
            "keys",
            &format!("fuzz-{name}-private.pem"),
            key.to_pkcs8_pem().unwrap().as_bytes(),
        );
        write(
            "keys",
            &format!("fuzz-{name}-private.der"),
            &key.to_pkcs8_der().unwrap(),
        );
        set.insert(public, Some(format!("{name}-2026")));
    }
    write("keys", "fuzz-jwks.json", set.to_jwks().to_json().as_bytes());
    if let Some(rsa) = private_key(Algorithm::Rs256).public_key().as_rs256() {
        write(
            "keys",
            "fuzz-RS256-pkcs1-public.pem",
            rsa.to_pkcs1_pem().as_bytes(),
        );
        write("keys", "fuzz-RS256-pkcs1-public.der", &rsa.to_pkcs1_der());
    }

    // policy: hand-made sequences through each limit and behaviour.
    for (name, input) in policy_seeds() {
        write("policy", &name, &input);
    }
}

// ---------------------------------------------------------------------------------------------
// Policy seeds, in the layout documented on `fuzz_checks::policy`.

/// A token slot: user (0 none, 1 u0, 2 u1), jti (0 none, 1 jti-a, 2 jti-b), climit (0 none),
/// cbeh (0 absent, 1 BLOCK_NEW, 2 BLOCK_NEW_USER), dlimit (0 none), maxu (0 none), maxip
/// (0 none), conid (0 none, 1 c0, 2 c1), lifetime (0 10 min, 1 1 h, 2 2 h, 3 30 days),
/// sid (0 none, 1 sid-a, 2 sid-b).
#[derive(Clone, Copy, Default)]
struct Slot {
    user: u8,
    jti: u8,
    climit: u8,
    cbeh: u8,
    dlimit: u8,
    maxu: u8,
    maxip: u8,
    conid: u8,
    lifetime: u8,
    sid: u8,
}

impl Slot {
    fn bytes(self) -> [u8; fuzz_checks::POLICY_SLOT_BYTES] {
        [
            self.user + 3 * self.jti,
            self.climit + 4 * self.cbeh,
            self.dlimit + 4 * self.conid,
            self.maxu + 6 * self.maxip,
            self.lifetime + 4 * self.sid,
        ]
    }
}

/// A private-channel single-use token slot: jti as for [`Slot`], uuid 0 or 1.
fn channel_slot(jti: u8, uuid: u8, lifetime: u8) -> [u8; fuzz_checks::POLICY_SLOT_BYTES] {
    [27 + 3 * jti, uuid, 0, 0, lifetime]
}

/// A request: slot, player session (0–3, 4 none), device (0–3, 4 none), IP (0–2 IPv4,
/// 3 the IPv4-mapped form of 0, 4 IPv6), user agent (0, 1), content (0–2).
fn req(slot: u8, session: u8, device: u8, ip: u8, ua: u8, content: u8) -> Vec<u8> {
    vec![0, slot + 4 * session, device + 5 * ip, ua + 2 * content]
}

fn wait(w: u8) -> Vec<u8> {
    vec![10, w]
}

/// Waits past a session lease (120 s): 100 + 30 = 130 s.
fn past_lease() -> Vec<u8> {
    wait(128 + 30)
}

fn end_session(user: u8, index: u8) -> Vec<u8> {
    vec![13, user + 2 * index]
}

fn remove_device(user: u8, device: u8) -> Vec<u8> {
    vec![14, user + 2 * device]
}

fn revoke(slot: u8) -> Vec<u8> {
    vec![15, slot]
}

fn policy_input(slots: [[u8; fuzz_checks::POLICY_SLOT_BYTES]; 4], ops: &[Vec<u8>]) -> Vec<u8> {
    let mut input: Vec<u8> = slots.concat();
    assert_eq!(
        input.len(),
        fuzz_checks::POLICY_SLOTS * fuzz_checks::POLICY_SLOT_BYTES
    );
    for op in ops {
        input.extend_from_slice(op);
    }
    input
}

#[allow(clippy::too_many_lines)] // one table of seeds
fn policy_seeds() -> Vec<(String, Vec<u8>)> {
    let plain = Slot::default().bytes();
    let u0 = Slot {
        user: 1,
        lifetime: 1,
        ..Slot::default()
    };
    let streams = |climit, cbeh| Slot { climit, cbeh, ..u0 }.bytes();
    let mut seeds: Vec<(String, Vec<u8>)> = Vec::new();

    // climit under each behaviour, with 1–3 streams, renewals, expiry and eviction memory.
    for cbeh in 0..3u8 {
        for climit in 1..=3u8 {
            let mut ops = Vec::new();
            for session in 0..4u8 {
                ops.push(req(0, session, session % 2, 0, 0, 0));
                ops.push(wait(2));
            }
            ops.push(req(0, 0, 0, 0, 0, 0)); // renewal or evicted
            ops.push(past_lease());
            ops.push(req(0, 0, 0, 0, 0, 0));
            ops.push(req(0, 3, 1, 0, 0, 0));
            seeds.push((
                format!("climit{climit}-cbeh{cbeh}"),
                policy_input([streams(climit, cbeh), plain, plain, plain], &ops),
            ));
        }
    }
    // BLOCK_NEW_USER: the same device replaces its stream, a new device is refused; the
    // location without a device is user agent + IP.
    seeds.push((
        "block-new-user-locations".into(),
        policy_input(
            [streams(2, 2), plain, plain, plain],
            &[
                req(0, 0, 0, 0, 0, 0),
                req(0, 1, 1, 0, 0, 0),
                req(0, 2, 0, 0, 0, 0),
                req(0, 3, 2, 0, 0, 0),
                req(0, 4, 4, 1, 0, 0),
                past_lease(),
                req(0, 4, 4, 1, 0, 0),
                req(0, 4, 4, 1, 1, 0),
                req(0, 4, 4, 2, 1, 0),
                req(0, 4, 4, 1, 0, 1),
            ],
        ),
    ));
    // A lower climit over more active streams: evict-oldest evicts down to it, BLOCK_NEW
    // refuses, BLOCK_NEW_USER replaces within the location.
    for cbeh in 0..3u8 {
        seeds.push((
            format!("climit-lowered-cbeh{cbeh}"),
            policy_input(
                [streams(3, 0), streams(1, cbeh), plain, plain],
                &[
                    req(0, 0, 0, 0, 0, 0),
                    wait(1),
                    req(0, 1, 0, 0, 0, 0),
                    wait(1),
                    req(0, 2, 1, 0, 0, 0),
                    req(1, 3, 0, 0, 0, 0),
                    req(1, 1, 0, 0, 0, 0),
                    req(0, 0, 0, 0, 0, 0),
                ],
            ),
        ));
    }
    // Derived session keys (no player session id), and sid claims shared across devices.
    seeds.push((
        "derived-and-sid".into(),
        policy_input(
            [
                streams(2, 0),
                Slot {
                    climit: 1,
                    cbeh: 1,
                    sid: 1,
                    ..u0
                }
                .bytes(),
                Slot {
                    climit: 2,
                    sid: 2,
                    ..u0
                }
                .bytes(),
                plain,
            ],
            &[
                req(0, 4, 4, 0, 0, 0),
                req(0, 4, 4, 0, 0, 1),
                req(0, 4, 4, 3, 0, 0),
                req(1, 0, 0, 0, 0, 0),
                req(1, 1, 1, 1, 1, 1),
                req(2, 4, 4, 2, 1, 2),
            ],
        ),
    ));
    // Ended sessions stay refused until their old lease ends.
    seeds.push((
        "end-session".into(),
        policy_input(
            [streams(2, 1), plain, plain, plain],
            &[
                req(0, 0, 0, 0, 0, 0),
                req(0, 1, 0, 0, 0, 0),
                end_session(0, 0),
                req(0, 0, 0, 0, 0, 0),
                req(0, 2, 0, 0, 0, 0),
                end_session(0, 5),
                end_session(1, 0),
                past_lease(),
                req(0, 0, 0, 0, 0, 0),
            ],
        ),
    ));

    // dlimit: registration up to the limit, known devices pass, removal frees a place, a
    // lower limit keeps what is registered, a missing device id is refused.
    for dlimit in 1..=3u8 {
        seeds.push((
            format!("dlimit{dlimit}"),
            policy_input(
                [Slot { dlimit, ..u0 }.bytes(), plain, plain, plain],
                &[
                    req(0, 4, 0, 0, 0, 0),
                    req(0, 4, 1, 0, 0, 0),
                    req(0, 4, 2, 0, 0, 0),
                    req(0, 4, 3, 0, 0, 0),
                    req(0, 4, 0, 1, 0, 0),
                    req(0, 4, 4, 0, 0, 0),
                    remove_device(0, 0),
                    remove_device(0, 4),
                    req(0, 4, 3, 0, 0, 0),
                ],
            ),
        ));
    }
    seeds.push((
        "dlimit-lowered".into(),
        policy_input(
            [
                Slot { dlimit: 3, ..u0 }.bytes(),
                Slot { dlimit: 1, ..u0 }.bytes(),
                Slot {
                    user: 2,
                    dlimit: 1,
                    ..u0
                }
                .bytes(),
                plain,
            ],
            &[
                req(0, 4, 0, 0, 0, 0),
                req(0, 4, 1, 0, 0, 0),
                req(0, 4, 2, 0, 0, 0),
                req(1, 4, 1, 0, 0, 0),
                req(1, 4, 3, 0, 0, 0),
                remove_device(0, 0),
                remove_device(0, 1),
                req(1, 4, 3, 0, 0, 0),
                req(2, 4, 3, 0, 0, 0),
                req(2, 4, 0, 0, 0, 0),
            ],
        ),
    ));
    // Streams and devices together: a refused device must not admit the stream.
    seeds.push((
        "streams-and-devices".into(),
        policy_input(
            [
                Slot {
                    climit: 2,
                    dlimit: 1,
                    maxu: 5,
                    ..u0
                }
                .bytes(),
                Slot {
                    climit: 1,
                    cbeh: 2,
                    dlimit: 2,
                    maxip: 1,
                    ..u0
                }
                .bytes(),
                plain,
                plain,
            ],
            &[
                req(0, 0, 0, 0, 0, 0),
                req(0, 1, 1, 0, 0, 0),
                req(1, 1, 1, 0, 0, 0),
                req(1, 2, 1, 1, 0, 0),
                req(1, 2, 0, 0, 0, 0),
                req(0, 3, 0, 0, 0, 0),
            ],
        ),
    ));

    // maxu and maxip, per token id: a shared jti shares counters within a partition.
    for maxu in 1..=5u8 {
        let mut ops = Vec::new();
        for i in 0..=maxu {
            ops.push(req(0, 4, 4, i % 3, 0, 0));
            ops.push(req(1, 4, 4, 0, 0, 0));
        }
        seeds.push((
            format!("maxu{maxu}"),
            policy_input(
                [
                    Slot {
                        maxu,
                        ..Slot::default()
                    }
                    .bytes(),
                    Slot {
                        jti: 1,
                        maxu,
                        ..Slot::default()
                    }
                    .bytes(),
                    Slot {
                        jti: 1,
                        maxu: 1,
                        ..Slot::default()
                    }
                    .bytes(),
                    plain,
                ],
                &ops,
            ),
        ));
    }
    for maxip in 1..=3u8 {
        let mut ops = Vec::new();
        for ip in 0..5u8 {
            ops.push(req(0, 4, 4, ip, 0, 0));
            ops.push(req(1, 4, 4, ip, 0, 0));
            ops.push(req(0, 4, 4, 0, 0, 0));
        }
        seeds.push((
            format!("maxip{maxip}"),
            policy_input(
                [
                    Slot {
                        maxip,
                        ..Slot::default()
                    }
                    .bytes(),
                    Slot {
                        user: 2,
                        jti: 2,
                        maxip,
                        maxu: 4,
                        ..Slot::default()
                    }
                    .bytes(),
                    Slot {
                        jti: 2,
                        maxip,
                        ..Slot::default()
                    }
                    .bytes(),
                    plain,
                ],
                &ops,
            ),
        ));
    }
    // Counters outlive a token only by the leeway: a short token sharing a jti with a long
    // one, used before and after its expiry.
    seeds.push((
        "counters-expire".into(),
        policy_input(
            [
                Slot {
                    jti: 1,
                    maxu: 2,
                    maxip: 1,
                    lifetime: 0,
                    ..Slot::default()
                }
                .bytes(),
                Slot {
                    jti: 1,
                    maxu: 2,
                    maxip: 1,
                    lifetime: 3,
                    ..Slot::default()
                }
                .bytes(),
                plain,
                plain,
            ],
            &[
                req(0, 4, 4, 0, 0, 0),
                req(0, 4, 4, 1, 0, 0),
                req(0, 4, 4, 0, 0, 0),
                req(0, 4, 4, 0, 0, 0),
                wait(192 + 10),
                req(0, 4, 4, 0, 0, 0),
                req(1, 4, 4, 1, 0, 0),
                req(1, 4, 4, 1, 0, 0),
                wait(250),
                req(1, 4, 4, 2, 0, 0),
            ],
        ),
    ));
    // Single use: once per token, a second token with the same uuid, a shared jti.
    seeds.push((
        "single-use".into(),
        policy_input(
            [
                channel_slot(0, 0, 1),
                channel_slot(0, 0, 1),
                channel_slot(1, 1, 0),
                channel_slot(1, 0, 3),
            ],
            &[
                req(0, 4, 4, 0, 0, 0),
                req(0, 4, 4, 1, 0, 0),
                req(1, 4, 4, 0, 0, 0),
                req(2, 4, 4, 0, 0, 0),
                req(3, 4, 4, 0, 0, 0),
                req(2, 4, 4, 0, 0, 0),
                wait(240),
                req(3, 4, 4, 0, 0, 0),
                req(0, 4, 4, 0, 0, 0),
            ],
        ),
    ));
    // Static denials (conid) and revocation consume nothing.
    seeds.push((
        "static-and-revoked".into(),
        policy_input(
            [
                Slot {
                    conid: 1,
                    maxu: 2,
                    climit: 1,
                    cbeh: 1,
                    dlimit: 1,
                    ..u0
                }
                .bytes(),
                Slot {
                    maxu: 3,
                    climit: 2,
                    dlimit: 2,
                    ..u0
                }
                .bytes(),
                channel_slot(2, 1, 1),
                plain,
            ],
            &[
                req(0, 0, 0, 0, 0, 1),
                req(0, 0, 0, 0, 0, 0),
                req(0, 0, 0, 0, 0, 2),
                req(1, 1, 1, 0, 0, 0),
                revoke(1),
                req(1, 1, 1, 0, 0, 0),
                revoke(2),
                req(2, 4, 4, 0, 0, 0),
                req(0, 1, 0, 0, 0, 0),
            ],
        ),
    ));
    // Everything at once, over long waits past leases and expiries.
    seeds.push((
        "mixed-long".into(),
        policy_input(
            [
                Slot {
                    climit: 2,
                    dlimit: 2,
                    maxu: 5,
                    maxip: 2,
                    lifetime: 0,
                    ..u0
                }
                .bytes(),
                Slot {
                    user: 2,
                    climit: 1,
                    cbeh: 2,
                    dlimit: 3,
                    jti: 1,
                    maxu: 4,
                    ..u0
                }
                .bytes(),
                Slot {
                    user: 2,
                    climit: 3,
                    cbeh: 1,
                    jti: 1,
                    lifetime: 3,
                    ..u0
                }
                .bytes(),
                channel_slot(1, 0, 2),
            ],
            &[
                req(0, 0, 0, 0, 0, 0),
                req(1, 1, 1, 1, 1, 1),
                req(2, 2, 2, 2, 0, 2),
                req(3, 4, 4, 4, 1, 0),
                wait(140),
                req(0, 1, 1, 3, 0, 0),
                req(1, 2, 1, 1, 1, 1),
                wait(200),
                req(2, 3, 3, 0, 0, 0),
                wait(250),
                req(0, 0, 0, 0, 0, 0),
                req(2, 0, 0, 0, 0, 0),
                req(1, 0, 1, 0, 0, 0),
                end_session(1, 0),
                remove_device(1, 1),
                req(1, 0, 1, 0, 0, 0),
            ],
        ),
    ));
    seeds
}
