//! The `--algo` value shared by `keygen` and `mint`.

use clap::ValueEnum;

use playback_auth_keys::Algorithm;

/// A signature algorithm as written on the command line (`rs256`, `es256`, `es384`, in any
/// case; `rsa256` and `ec256`, the names the vendor's Go tool's `-algo` takes, are aliases).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum AlgorithmArg {
    /// RSASSA-PKCS1-v1_5 with SHA-256, RSA-2048 keys.
    #[value(alias = "rsa256")]
    Rs256,
    /// ECDSA on P-256 with SHA-256.
    #[value(alias = "ec256")]
    Es256,
    /// ECDSA on P-384 with SHA-384 (required for private-channel tokens).
    Es384,
}

impl From<AlgorithmArg> for Algorithm {
    fn from(arg: AlgorithmArg) -> Algorithm {
        match arg {
            AlgorithmArg::Rs256 => Algorithm::Rs256,
            AlgorithmArg::Es256 => Algorithm::Es256,
            AlgorithmArg::Es384 => Algorithm::Es384,
        }
    }
}
