//! Where a client is: [`GeoLookup`] (address → country) and its implementations.

use std::net::IpAddr;

use playback_auth_claims::{CountryCode, IpRange};

/// Finds the country of a client address. Lookups are in memory and never fail: an address
/// the source does not know (private ranges, an unlisted network, a malformed record) has
/// no country, and no country entry of a rule matches it, so an allow-list of countries
/// refuses it while a block-list lets it through.
pub trait GeoLookup: Send + Sync {
    /// The country of `address` (an IPv4-mapped address is looked up as IPv4).
    fn country(&self, address: IpAddr) -> Option<CountryCode>;
}

/// No geolocation: every country is unknown.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoGeoLookup;

impl GeoLookup for NoGeoLookup {
    fn country(&self, _address: IpAddr) -> Option<CountryCode> {
        None
    }
}

/// A fixed table of ranges and their countries, the first containing range deciding: for
/// tests, and for deployments whose networks are few and known.
#[derive(Debug, Clone, Default)]
pub struct StaticGeoLookup {
    entries: Vec<(IpRange, CountryCode)>,
}

impl StaticGeoLookup {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `range` as being in `country`.
    #[must_use]
    pub fn with(mut self, range: IpRange, country: CountryCode) -> Self {
        self.entries.push((range, country));
        self
    }
}

impl GeoLookup for StaticGeoLookup {
    fn country(&self, address: IpAddr) -> Option<CountryCode> {
        self.entries
            .iter()
            .find(|(range, _)| range.contains(address))
            .map(|(_, country)| *country)
    }
}

#[cfg(feature = "geoip")]
pub use maxmind::{GeoDatabaseError, MaxMindGeoLookup};

#[cfg(feature = "geoip")]
mod maxmind {
    use std::net::IpAddr;
    use std::path::{Path, PathBuf};

    use maxminddb::{PathElement, Reader};
    use playback_auth_claims::CountryCode;

    use super::GeoLookup;

    /// Why a country database could not be opened.
    #[derive(Debug, thiserror::Error)]
    #[non_exhaustive]
    pub enum GeoDatabaseError {
        /// The file could not be read.
        #[error("cannot read the country database {path}")]
        Read {
            /// The configured path.
            path: PathBuf,
            /// The I/O error.
            #[source]
            source: std::io::Error,
        },
        /// The bytes are not a MaxMind DB (bad metadata, truncated tree, …).
        #[error("not a MaxMind-format database")]
        Format(#[source] maxminddb::MaxMindDbError),
    }

    /// Countries from a MaxMind-format (`.mmdb`) country database — GeoIP2 / GeoLite2
    /// Country or City, or any database with the same `country.iso_code` layout — read
    /// into memory once; lookups touch no disk and no network.
    ///
    /// The record's `country.iso_code` is used (where the client is), else
    /// `registered_country.iso_code` (where its network is registered). A code that is not
    /// an assigned ISO 3166-1 alpha-2 code (`EU`, `AP` in old databases) is unknown.
    #[derive(Debug)]
    pub struct MaxMindGeoLookup {
        reader: Reader<Vec<u8>>,
    }

    impl MaxMindGeoLookup {
        /// Reads the database at `path` (the path is configuration; nothing is downloaded).
        pub fn open(path: impl AsRef<Path>) -> Result<Self, GeoDatabaseError> {
            let path = path.as_ref();
            let bytes = std::fs::read(path).map_err(|source| GeoDatabaseError::Read {
                path: path.to_owned(),
                source,
            })?;
            Self::from_bytes(bytes)
        }

        /// Uses a database already in memory.
        pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, GeoDatabaseError> {
            let reader = Reader::from_source(bytes).map_err(GeoDatabaseError::Format)?;
            Ok(Self { reader })
        }

        /// The database's `database_type` metadata (e.g. `GeoLite2-Country`).
        pub fn database_type(&self) -> &str {
            &self.reader.metadata().database_type
        }

        fn code_at(&self, address: IpAddr, section: &str) -> Option<CountryCode> {
            let result = self.reader.lookup(address).ok()?;
            let code: &str = result
                .decode_path(&[PathElement::Key(section), PathElement::Key("iso_code")])
                .ok()??;
            CountryCode::parse(code).ok()
        }
    }

    impl GeoLookup for MaxMindGeoLookup {
        fn country(&self, address: IpAddr) -> Option<CountryCode> {
            // IPv4-mapped clients are IPv4 clients: look them up in the IPv4 subtree.
            let address = address.to_canonical();
            self.code_at(address, "country")
                .or_else(|| self.code_at(address, "registered_country"))
        }
    }
}
