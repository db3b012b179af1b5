//! What every bench shares: the keys, the realistic restriction claims and the token minted
//! from them, and the same claims as plain serde structs for the peers.
//!
//! The keys are the fixed fuzzing keys (`fuzz/keys/*.pem`, PKCS#8, made once with OpenSSL),
//! so every run measures the same key; the peers get them as PEM text, never as types.
#![allow(
    dead_code,
    unreachable_pub,
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use playback_auth::claims::{ConcurrencyBehavior, NumericDate, PlaybackRestrictionClaims};
use playback_auth::keys::{Algorithm, CryptoProvider, KeySet, PrivateKey};
use playback_auth::policy::RequestContext;
use playback_auth::sign::Signer;
use playback_auth::verify::{FixedClock, Verifier};

/// One algorithm under test: its key in every form and our token.
pub struct Fixture {
    pub alg: Algorithm,
    /// Group label: `RS256-2048`, `ES256`, `ES384`.
    pub label: &'static str,
    pub private: PrivateKey,
    /// PKCS#8 PEM.
    pub private_pem: String,
    /// SubjectPublicKeyInfo PEM.
    pub public_pem: String,
    /// Our verifier, clock fixed at `iat`, default rules otherwise.
    pub verifier: Verifier,
    /// The realistic restriction token, minted once by our `Signer`.
    pub token: String,
    pub claims: PlaybackRestrictionClaims,
}

const PEMS: [(Algorithm, &str, &str); 3] = [
    (
        Algorithm::Rs256,
        "RS256-2048",
        include_str!("../../fuzz/keys/rs256_private.pem"),
    ),
    (
        Algorithm::Es256,
        "ES256",
        include_str!("../../fuzz/keys/es256_private.pem"),
    ),
    (
        Algorithm::Es384,
        "ES384",
        include_str!("../../fuzz/keys/es384_private.pem"),
    ),
];

/// The wall-clock second the benches run at: the peers check `exp` against the system clock,
/// so the token is issued now and valid for an hour, and our verifier's fixed clock reads
/// the same second. `PLAYBACK_AUTH_BENCH_IAT` (Unix seconds) overrides it, so that separate
/// processes of one measurement (`benches/callgrind.sh`) verify the same token bytes.
pub fn issued_at() -> i64 {
    if let Some(iat) = std::env::var("PLAYBACK_AUTH_BENCH_IAT")
        .ok()
        .and_then(|iat| iat.parse().ok())
    {
        return iat;
    }
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    i64::try_from(secs).unwrap()
}

/// A realistic restriction claim set (every restriction claim a level-3 publisher uses).
pub fn claims(iat: i64) -> PlaybackRestrictionClaims {
    let now = NumericDate::from_secs(iat).unwrap();
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

pub fn fixtures(iat: i64) -> Vec<Fixture> {
    let claims = claims(iat);
    PEMS.iter()
        .map(|&(alg, label, pem)| {
            let private = PrivateKey::from_pem(pem).unwrap();
            assert_eq!(private.algorithm(), alg);
            let public = private.public_key();
            let verifier = Verifier::builder(KeySet::new().with_key(public.clone(), None))
                .clock(FixedClock(NumericDate::from_secs(iat).unwrap()))
                .build();
            // RustCrypto's ECDSA signatures are deterministic (RFC 6979): one `iat` gives one
            // token in every process (aws-lc's use random nonces).
            let token = Signer::with_provider(private.clone(), CryptoProvider::RustCrypto)
                .sign(&claims)
                .unwrap();
            Fixture {
                alg,
                label,
                private_pem: private.to_pkcs8_pem().unwrap().to_string(),
                public_pem: public.to_pem(),
                private,
                verifier,
                token,
                claims: claims.clone(),
            }
        })
        .collect()
}

/// The same claims as a plain serde struct, for jsonwebtoken (all registered claims included).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeerClaims {
    pub accid: String,
    pub iat: i64,
    pub exp: i64,
    pub conid: String,
    pub vids: Vec<String>,
    pub tags: Vec<String>,
    pub ua: String,
    pub maxip: u32,
    pub maxu: u32,
    pub uid: String,
    pub climit: u32,
    pub cbeh: String,
    pub sid: String,
    pub dlimit: u32,
    pub drules: Vec<String>,
    pub jti: String,
}

/// The custom part for jwt-simple, whose `JWTClaims` owns `iat`, `exp` and `jti` itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimpleCustomClaims {
    pub accid: String,
    pub conid: String,
    pub vids: Vec<String>,
    pub tags: Vec<String>,
    pub ua: String,
    pub maxip: u32,
    pub maxu: u32,
    pub uid: String,
    pub climit: u32,
    pub cbeh: String,
    pub sid: String,
    pub dlimit: u32,
    pub drules: Vec<String>,
}

impl PeerClaims {
    /// The peers' view of our claims: the same JSON members and values.
    pub fn from_ours(claims: &PlaybackRestrictionClaims) -> Self {
        serde_json::from_value(serde_json::to_value(claims).unwrap()).unwrap()
    }

    pub fn custom(&self) -> SimpleCustomClaims {
        let mut value = serde_json::to_value(self).unwrap();
        let object = value.as_object_mut().unwrap();
        for registered in ["iat", "exp", "jti"] {
            object.remove(registered);
        }
        serde_json::from_value(value).unwrap()
    }
}

/// jsonwebtoken panics on first use without a crypto backend; installs its RustCrypto one.
/// jsonwebtoken's crypto backend is process-global, so one bench process measures one: the one
/// `JSONWEBTOKEN_BACKEND` names (`aws-lc`, the default, or `rust-crypto`). Returns its name,
/// which is also the suffix of the `jsonwebtoken/…` benchmark ids.
pub fn install_jsonwebtoken_provider() -> &'static str {
    let backend = jsonwebtoken_backend();
    let provider = match backend {
        "rust-crypto" => &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER,
        _ => &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER,
    };
    // Installed by an earlier fixture of this process is fine: it is the same one.
    let _ = jsonwebtoken::crypto::CryptoProvider::install_default(provider);
    backend
}

/// The jsonwebtoken backend this process measures (see [`install_jsonwebtoken_provider`]).
pub fn jsonwebtoken_backend() -> &'static str {
    match std::env::var("JSONWEBTOKEN_BACKEND").as_deref() {
        Ok("rust-crypto") => "rust-crypto",
        _ => "aws-lc",
    }
}

pub fn jsonwebtoken_alg(alg: Algorithm) -> jsonwebtoken::Algorithm {
    match alg {
        Algorithm::Rs256 => jsonwebtoken::Algorithm::RS256,
        Algorithm::Es256 => jsonwebtoken::Algorithm::ES256,
        Algorithm::Es384 => jsonwebtoken::Algorithm::ES384,
    }
}

/// The account, content and user agent of the authorizer benches' requests.
pub const ACCOUNT: &str = "1752604059001";
pub const CONTENT: &str = "6318776394112";
pub const UA: &str = "Mozilla/5.0 (X11; Linux x86_64) Player/2.1";

/// A level-3 token for `user` whose limits the authorizer benches never reach, so every
/// decision takes the full allow path (stream renewal, known device, one more use).
pub fn authorizer_token(key: &PrivateKey, user: &str, now: NumericDate) -> String {
    let claims = PlaybackRestrictionClaims::builder(ACCOUNT, now)
        .valid_for(Duration::from_secs(3600))
        .content_id(CONTENT)
        .user_agent(UA)
        .max_uses(u32::MAX)
        .max_ips(3)
        .user(user)
        .concurrent_streams(3)
        .device_limit(3)
        .token_id(format!("bench-{user}"))
        .build()
        .unwrap();
    Signer::new(key.clone()).sign(&claims).unwrap()
}

/// A playback request for `ACCOUNT`/`CONTENT` from `device`, one stream session per device.
pub fn request(device: &str, now: NumericDate) -> RequestContext {
    RequestContext::new(
        ACCOUNT,
        CONTENT,
        UA,
        IpAddr::V4(Ipv4Addr::new(203, 0, 113, 10)),
        now,
    )
    .with_device_id(device)
    .with_session_id(format!("{device}/a"))
}

/// The bare signature check: the signing input and the signature, decoded beforehand.
pub type RawCheck = Box<dyn Fn(&[u8], &[u8]) -> bool>;

/// The floor of `provider`: the signature check alone, on bytes decoded once outside the loop,
/// with the key parsed once.
pub fn raw(fx: &Fixture, provider: CryptoProvider) -> RawCheck {
    match provider.name() {
        "aws-lc" => raw_aws_lc(fx),
        _ => raw_rust_crypto(fx),
    }
}

pub fn raw_aws_lc(fx: &Fixture) -> RawCheck {
    use aws_lc_rs::signature::{self, ParsedPublicKey};
    let public = fx.private.public_key();
    let key = match fx.alg {
        Algorithm::Rs256 => ParsedPublicKey::new(
            &signature::RSA_PKCS1_2048_8192_SHA256,
            public.as_rs256().unwrap().to_pkcs1_der(),
        ),
        Algorithm::Es256 => ParsedPublicKey::new(
            &signature::ECDSA_P256_SHA256_FIXED,
            public.as_es256().unwrap().to_sec1_uncompressed(),
        ),
        Algorithm::Es384 => ParsedPublicKey::new(
            &signature::ECDSA_P384_SHA384_FIXED,
            public.as_es384().unwrap().to_sec1_uncompressed(),
        ),
    }
    .unwrap();
    Box::new(move |input, signature| key.verify_sig(input, signature).is_ok())
}

pub fn raw_rust_crypto(fx: &Fixture) -> RawCheck {
    use p256::pkcs8::DecodePublicKey as _;
    let check: RawCheck = match fx.alg {
        Algorithm::Rs256 => {
            let key = rsa::PublicKey::from_public_key_pem(&fx.public_pem).unwrap();
            Box::new(move |input, signature| {
                let hashed = <rsa::sha2::Sha256 as rsa::sha2::Digest>::digest(input);
                key.verify(
                    rsa::Pkcs1v15Sign::new::<rsa::sha2::Sha256>(),
                    &hashed,
                    signature,
                )
                .is_ok()
            })
        }
        Algorithm::Es256 => {
            use p256::ecdsa::signature::Verifier as _;
            let key = p256::ecdsa::VerifyingKey::from_public_key_pem(&fx.public_pem).unwrap();
            Box::new(move |input, signature| {
                p256::ecdsa::Signature::from_slice(signature)
                    .is_ok_and(|signature| key.verify(input, &signature).is_ok())
            })
        }
        Algorithm::Es384 => {
            use p384::ecdsa::signature::Verifier as _;
            let key = p384::ecdsa::VerifyingKey::from_public_key_pem(&fx.public_pem).unwrap();
            Box::new(move |input, signature| {
                p384::ecdsa::Signature::from_slice(signature)
                    .is_ok_and(|signature| key.verify(input, &signature).is_ok())
            })
        }
    };
    check
}
