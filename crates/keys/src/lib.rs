#![doc = include_str!("../README.md")]

mod algorithm;
mod asn1;
mod error;
mod files;
mod generate;
mod jwk;
mod key_set;
mod parse;
mod pem;
mod private;
mod provider;
mod public;
mod thumbprint;

pub use algorithm::Algorithm;
pub use error::KeyError;
pub use files::{
    KeyFiles, PRIVATE_PEM, PUBLIC_KEY_TXT, PUBLIC_PEM, read_private_key_file, read_public_key_file,
    write_key_files, write_key_files_as,
};
pub use generate::RSA_GENERATED_BITS;
pub use jwk::{Jwk, Jwks};
pub use key_set::KeySet;
pub use parse::KeyEntry;
pub use private::{
    Es256PrivateKey, Es384PrivateKey, PrivateKey, PrivateKeyFormat, Rs256PrivateKey,
};
pub use provider::{CryptoProvider, SignatureRejected, SigningKey, VerifyingKey};
pub use public::{Es256PublicKey, Es384PublicKey, PublicKey, Rs256PublicKey};

/// Wrapper that wipes its contents from memory when dropped, returned by the private key
/// encoders.
pub use elliptic_curve::zeroize::Zeroizing;
/// The `rand_core` (0.10) traits [`PrivateKey::generate_with_rng`] takes.
pub use rsa::rand_core;
