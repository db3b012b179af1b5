//! Playback rights next to the signature check they ride on: one ES256 verification on
//! aws-lc (the fastest provider) against a rights evaluation with a 1,000-entry CIDR list and
//! a geolocation lookup, in the same run.
//!
//! Group `rights/ES256`:
//! - `verify/aws-lc`: `Verifier::verify::<PlaybackRestrictionClaims>` of the realistic token,
//!   key set prepared for aws-lc (as in `verify.rs`).
//! - `geo_lookup`: `MaxMindGeoLookup::country` of the client over a country database of
//!   1,000 ranges written by `testing::mmdb` (the lookup walks the tree bit by bit, so its
//!   cost follows the depth of the client's range, not the database's size).
//! - `evaluate`: `PlaybackRights::evaluate` of rights with 1,000 IP entries (800 IPv4 ranges
//!   /12–/32 and 200 IPv6 ranges /48–/64, half allowed, half blocked), 20 allowed and 20
//!   blocked countries, a weekly window in `Europe/Paris` and site rules; the client matches
//!   no IP entry (every prefix length present is probed, the worst case), is in an allowed
//!   country, inside the window, from an allowed site.
//! - `lookup+evaluate`: both, what a request pays: the number the ≤ 5 % target is about.
//! - `cache+lookup+evaluate`: the same rights read from a `RightsCache` first (a hit), as the
//!   engine does in the steady state: what a decision's rights stage costs, store untouched.
// Bench code: it fails by panicking, and it cuts pseudo-random words into address bytes on
// purpose (the truncation is the point).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::cast_possible_truncation,
    clippy::indexing_slicing
)]

mod common;

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use criterion::{Criterion, criterion_group, criterion_main};

use playback_auth::claims::{CountryCode, IpRange, NumericDate, PlaybackRestrictionClaims};
use playback_auth::keys::{Algorithm, CryptoProvider};
use playback_auth::policy::testing::mmdb::CountryDatabase;
use playback_auth::policy::{
    CachedRights, GeoLookup, MaxMindGeoLookup, PlaybackRights, RightsCache, RightsRequest,
};

/// A fixed pseudo-random sequence (xorshift), so every run builds the same lists.
struct Sequence(u64);

impl Sequence {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// 1,000 ranges: allowed ones in even first octets (IPv4) or even third groups (IPv6),
/// blocked ones in odd, so no range is both; none holds 203.0.113.0/24 (the client).
fn ip_lists() -> (Vec<String>, Vec<String>) {
    let mut sequence = Sequence(0x5eed_1234_abcd_0001);
    let (mut allowed, mut blocked) = (Vec::new(), Vec::new());
    for i in 0..1000u32 {
        let allow = i % 2 == 0;
        let value = sequence.next();
        let range = if i < 800 {
            let mut first = (value % 100) as u8 * 2 + 1; // 1..=199, odd
            if allow {
                first -= 1; // even
            }
            let address = Ipv4Addr::from(u32::from_be_bytes([
                first,
                (value >> 8) as u8,
                (value >> 16) as u8,
                (value >> 24) as u8,
            ]));
            let prefix = 12 + (value >> 32) as u8 % 21;
            network_of(IpAddr::V4(address), prefix)
        } else {
            let group = ((value % 0x4000) as u16) * 2 + u16::from(!allow);
            let address = Ipv6Addr::new(
                0x2001,
                0xdb8,
                group,
                (value >> 16) as u16,
                (value >> 32) as u16,
                0,
                0,
                1,
            );
            let prefix = 48 + (value >> 48) as u8 % 17;
            network_of(IpAddr::V6(address), prefix)
        };
        if allow {
            allowed.push(range)
        } else {
            blocked.push(range)
        }
    }
    (allowed, blocked)
}

/// `address/prefix` with the host bits cleared (the form rights accept).
fn network_of(address: IpAddr, prefix: u8) -> String {
    let bits = match address {
        IpAddr::V4(v4) => u128::from(u32::from(v4)) << 96,
        IpAddr::V6(v6) => u128::from(v6),
    };
    let masked = bits & (u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0));
    let network = match address {
        IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::from((masked >> 96) as u32)),
        IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::from(masked)),
    };
    format!("{network}/{prefix}")
}

const ALLOWED_COUNTRIES: [&str; 20] = [
    "FR", "BE", "NL", "LU", "DE", "AT", "CH", "IT", "ES", "PT", "IE", "DK", "SE", "NO", "FI", "PL",
    "CZ", "SK", "HU", "SI",
];
const BLOCKED_COUNTRIES: [&str; 20] = [
    "US", "CA", "MX", "BR", "AR", "CL", "CO", "PE", "JP", "KR", "CN", "IN", "AU", "NZ", "ZA", "EG",
    "NG", "KE", "MA", "TR",
];

fn rights() -> PlaybackRights {
    let (allowed, blocked) = ip_lists();
    let document = serde_json::json!({
        "geo": { "allowed_countries": ALLOWED_COUNTRIES, "blocked_countries": BLOCKED_COUNTRIES },
        "ip": { "allowed": allowed, "blocked": blocked },
        "domains": { "allowed": ["*.example.com", "example.com"], "blocked": ["ads.example.com"] },
        "schedule": {
            "starts_at": "2020-01-01T00:00:00Z", "ends_at": "2099-01-01T00:00:00Z",
            "time_zone": "Europe/Paris",
            "windows": [{ "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "from": "00:00", "to": "24:00" }]
        }
    });
    PlaybackRights::from_json(
        "1752604059001",
        "bench-rights",
        &serde_json::to_vec(&document).unwrap(),
    )
    .unwrap()
}

/// A country database of 1,000 ranges; the client's /24 is in France.
fn geo() -> MaxMindGeoLookup {
    let mut sequence = Sequence(0xfeed_0000_0000_0042);
    let countries: Vec<CountryCode> = ALLOWED_COUNTRIES
        .iter()
        .chain(&BLOCKED_COUNTRIES)
        .map(|c| CountryCode::parse(c).unwrap())
        .collect();
    let mut database = CountryDatabase::new().with(
        "203.0.113.0/24".parse().unwrap(),
        CountryCode::parse("FR").unwrap(),
    );
    for i in 0..999usize {
        let value = sequence.next();
        // Disjoint /24s outside 203.0.0.0/8.
        let address = Ipv4Addr::new((i % 200) as u8 + 1, (i / 200) as u8, (value % 256) as u8, 0);
        let range: IpRange = format!("{address}/24").parse().unwrap();
        database = database.with(range, countries[i % countries.len()]);
    }
    MaxMindGeoLookup::from_bytes(database.to_bytes()).unwrap()
}

fn bench_rights(c: &mut Criterion) {
    let iat = common::issued_at();
    let fx = common::fixtures(iat)
        .into_iter()
        .find(|fx| fx.alg == Algorithm::Es256)
        .unwrap();
    let provider = CryptoProvider::preferred();
    assert_eq!(
        provider.name(),
        "aws-lc",
        "the bench compares with the fastest provider"
    );
    let verifier = fx.verifier.to_provider(provider);
    assert!(
        verifier
            .verify::<PlaybackRestrictionClaims>(&fx.token)
            .is_ok()
    );

    let rights = rights();
    let geo = geo();
    let client: IpAddr = "203.0.113.50".parse().unwrap();
    // Wednesday 3 June 2026, 12:00 UTC.
    let now = NumericDate::from_secs(1_780_488_000).unwrap();
    let decide = |geo: &MaxMindGeoLookup| {
        let country = geo.country(black_box(client));
        let request = RightsRequest::new(black_box(client), country, now)
            .with_origin("https://player.example.com");
        rights.evaluate(&request)
    };
    // The client is found, allowed by its country, in the window and from an allowed site.
    assert_eq!(geo.country(client), Some(CountryCode::parse("FR").unwrap()));
    let outcome = decide(&geo);
    assert!(outcome.is_allowed(), "{outcome:?}");
    let france = geo.country(client);

    let mut group = c.benchmark_group("rights/ES256");
    group.bench_function("verify/aws-lc", |b| {
        b.iter(|| {
            verifier
                .verify::<PlaybackRestrictionClaims>(black_box(&fx.token))
                .is_ok()
        })
    });
    group.bench_function("geo_lookup", |b| b.iter(|| geo.country(black_box(client))));
    group.bench_function("evaluate", |b| {
        b.iter(|| {
            let request = RightsRequest::new(black_box(client), france, now)
                .with_origin("https://player.example.com");
            rights.evaluate(&request).is_allowed()
        })
    });
    group.bench_function("lookup+evaluate", |b| b.iter(|| decide(&geo).is_allowed()));
    let cache = RightsCache::default();
    let CachedRights::Miss(miss) = cache.get(rights.account(), rights.id(), now) else {
        panic!("an empty cache misses");
    };
    cache.insert(
        rights.account(),
        rights.id(),
        Some(rights.clone().into()),
        now,
        miss,
    );
    group.bench_function("cache+lookup+evaluate", |b| {
        b.iter(|| {
            let CachedRights::Hit(Some(cached)) =
                cache.get(black_box("1752604059001"), black_box("bench-rights"), now)
            else {
                panic!("the cache holds the rights");
            };
            let country = geo.country(black_box(client));
            let request = RightsRequest::new(black_box(client), country, now)
                .with_origin("https://player.example.com");
            cached.evaluate(&request).is_allowed()
        })
    });
    group.finish();
}

criterion_group!(benches, bench_rights);
criterion_main!(benches);
