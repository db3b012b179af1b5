//! A small MaxMind DB (`.mmdb`) writer for tests (features `testing` and `geoip`).
//!
//! Tests of [`crate::MaxMindGeoLookup`] — and benchmarks — need a country database, and must
//! not download one. This writes one from a list of ranges and countries, following the
//! published MaxMind DB format 2.0: an IPv6 search tree with 32-bit records (IPv4 ranges
//! under `::/96`, where readers look IPv4 addresses up), the 16-byte data section separator,
//! one data record per country (`{"country": {"iso_code": "FR"}}`, or `registered_country`),
//! and the metadata map after the `\xAB\xCD\xEFMaxMind.com` marker. Nothing here is used by
//! the library at run time.
//!
//! ```
//! use playback_auth_claims::{CountryCode, IpRange};
//! use playback_auth_policy::{GeoLookup, MaxMindGeoLookup, testing::mmdb::CountryDatabase};
//!
//! let fr = CountryCode::parse("FR")?;
//! let bytes = CountryDatabase::new().with("192.0.2.0/24".parse()?, fr).to_bytes();
//! let lookup = MaxMindGeoLookup::from_bytes(bytes)?;
//! assert_eq!(lookup.country("192.0.2.9".parse()?), Some(fr));
//! assert_eq!(lookup.country("198.51.100.1".parse()?), None);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;
use std::net::IpAddr;

use playback_auth_claims::{CountryCode, IpRange};

/// Which record section a country is written under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Section {
    Country,
    RegisteredCountry,
}

impl Section {
    fn key(self) -> &'static str {
        match self {
            Self::Country => "country",
            Self::RegisteredCountry => "registered_country",
        }
    }
}

/// Ranges and their countries, written as a MaxMind-format country database.
#[derive(Debug, Clone, Default)]
pub struct CountryDatabase {
    entries: Vec<(IpRange, Section, CountryCode)>,
    database_type: Option<String>,
}

#[derive(Debug, Clone, Copy)]
enum Record {
    Empty,
    Node(u32),
    Data(u32),
}

impl CountryDatabase {
    /// An empty database.
    pub fn new() -> Self {
        Self::default()
    }

    /// `range` is in `country` (`country.iso_code`). A range inside an earlier, wider one
    /// overrides it there.
    #[must_use]
    pub fn with(mut self, range: IpRange, country: CountryCode) -> Self {
        self.entries.push((range, Section::Country, country));
        self
    }

    /// `range` has only a `registered_country.iso_code` (as anycast and satellite networks
    /// have in real databases).
    #[must_use]
    pub fn with_registered(mut self, range: IpRange, country: CountryCode) -> Self {
        self.entries
            .push((range, Section::RegisteredCountry, country));
        self
    }

    /// Sets the `database_type` metadata (default `Test-Country`).
    #[must_use]
    pub fn database_type(mut self, name: impl Into<String>) -> Self {
        self.database_type = Some(name.into());
        self
    }

    /// The database file's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        // The data section: one record per (section, country).
        let mut data = Vec::new();
        let mut offsets: BTreeMap<(Section, CountryCode), u32> = BTreeMap::new();
        for (_, section, country) in &self.entries {
            offsets.entry((*section, *country)).or_insert_with(|| {
                let offset = u32::try_from(data.len()).unwrap_or(u32::MAX);
                map(&mut data, 1);
                string(&mut data, section.key());
                map(&mut data, 1);
                string(&mut data, "iso_code");
                string(&mut data, country.as_str());
                offset
            });
        }
        // The search tree, wider ranges first so narrower ones split them.
        let mut entries: Vec<(u128, u8, u32)> = self
            .entries
            .iter()
            .map(|(range, section, country)| {
                let (key, bits) = match range.network() {
                    IpAddr::V4(v4) => (u128::from(u32::from(v4)), range.prefix_len() + 96),
                    IpAddr::V6(v6) => (u128::from(v6), range.prefix_len()),
                };
                let offset = offsets.get(&(*section, *country)).copied().unwrap_or(0);
                (key, bits, offset)
            })
            .collect();
        entries.sort_by_key(|(_, bits, _)| *bits);
        let mut nodes: Vec<[Record; 2]> = vec![[Record::Empty, Record::Empty]];
        for (key, bits, offset) in entries {
            insert(&mut nodes, key, bits, offset);
        }
        let node_count = u32::try_from(nodes.len()).unwrap_or(u32::MAX);
        let mut out = Vec::with_capacity(nodes.len() * 8 + data.len() + 256);
        for node in &nodes {
            for record in node {
                let value = match *record {
                    Record::Empty => node_count,
                    Record::Node(index) => index,
                    Record::Data(offset) => node_count + 16 + offset,
                };
                out.extend_from_slice(&value.to_be_bytes());
            }
        }
        out.extend_from_slice(&[0; 16]);
        out.extend_from_slice(&data);
        out.extend_from_slice(b"\xAB\xCD\xEFMaxMind.com");
        let database_type = self.database_type.as_deref().unwrap_or("Test-Country");
        map(&mut out, 9);
        string(&mut out, "binary_format_major_version");
        unsigned(&mut out, 5, 2);
        string(&mut out, "binary_format_minor_version");
        unsigned(&mut out, 5, 0);
        string(&mut out, "build_epoch");
        unsigned(&mut out, 9, 1_780_000_000);
        string(&mut out, "database_type");
        string(&mut out, database_type);
        string(&mut out, "description");
        map(&mut out, 1);
        string(&mut out, "en");
        string(&mut out, "written by playback-auth-policy's tests");
        string(&mut out, "ip_version");
        unsigned(&mut out, 5, 6);
        string(&mut out, "languages");
        control(&mut out, 11, 1);
        string(&mut out, "en");
        string(&mut out, "node_count");
        unsigned(&mut out, 6, u64::from(node_count));
        string(&mut out, "record_size");
        unsigned(&mut out, 5, 32);
        out
    }
}

/// Points the record for the first `bits` bits of `key` at data `offset`, splitting any
/// wider range's data record on the way. A zero-length prefix is written as its two halves.
fn insert(nodes: &mut Vec<[Record; 2]>, key: u128, bits: u8, offset: u32) {
    if bits == 0 {
        insert(nodes, 0, 1, offset);
        insert(nodes, 1 << 127, 1, offset);
        return;
    }
    let mut node = 0usize;
    for depth in 0..bits {
        let bit = usize::from((key >> (127 - u32::from(depth))) & 1 == 1);
        let last = depth + 1 == bits;
        let Some(current) = nodes.get(node).map(|records| records[bit]) else {
            return;
        };
        if last {
            if let Some(records) = nodes.get_mut(node) {
                records[bit] = Record::Data(offset);
            }
            return;
        }
        node = match current {
            Record::Node(next) => next as usize,
            Record::Empty | Record::Data(_) => {
                // A new node; under a wider range's data, both halves keep that data.
                let next = nodes.len();
                nodes.push([current, current]);
                let index = u32::try_from(next).unwrap_or(u32::MAX);
                if let Some(records) = nodes.get_mut(node) {
                    records[bit] = Record::Node(index);
                }
                next
            }
        };
    }
}

/// A control byte (and the extended type byte and size bytes the format needs).
fn control(out: &mut Vec<u8>, type_number: u8, size: usize) {
    let (first, extended) = if type_number <= 7 {
        (type_number << 5, None)
    } else {
        (0, Some(type_number - 7))
    };
    let (size_bits, extra): (u8, Vec<u8>) = match size {
        0..29 => (u8::try_from(size).unwrap_or(0), Vec::new()),
        29..285 => (29, vec![u8::try_from(size - 29).unwrap_or(0)]),
        285..65_821 => (
            30,
            u16::try_from(size - 285)
                .unwrap_or(0)
                .to_be_bytes()
                .to_vec(),
        ),
        _ => (
            31,
            u32::try_from(size - 65_821).unwrap_or(0).to_be_bytes()[1..].to_vec(),
        ),
    };
    out.push(first | size_bits);
    out.extend(extended);
    out.extend(extra);
}

fn string(out: &mut Vec<u8>, text: &str) {
    control(out, 2, text.len());
    out.extend_from_slice(text.as_bytes());
}

fn map(out: &mut Vec<u8>, entries: usize) {
    control(out, 7, entries);
}

/// An unsigned integer of type 5 (uint16), 6 (uint32) or 9 (uint64), without leading zeros.
fn unsigned(out: &mut Vec<u8>, type_number: u8, value: u64) {
    let bytes = value.to_be_bytes();
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    control(out, type_number, bytes.len() - first);
    out.extend_from_slice(&bytes[first..]);
}
