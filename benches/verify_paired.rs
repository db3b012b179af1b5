//! Wall-clock ratio ours ÷ raw per algorithm and provider, measured in **paired rounds**: each
//! round times a batch of our verifications and a batch of the bare signature check back to
//! back (alternating which goes first), and the ratio of the two is taken per round. On a
//! shared machine whose load moves from second to second, criterion's separate runs of
//! `verify/ALG/ours/…` and `verify/ALG/raw/…` (tens of seconds apart) can disagree by ±30 %;
//! a round's two batches see the same load, so the median of the per-round ratios is what
//! the verifier adds, in time, to the signature check.
//!
//! `cargo bench --bench verify_paired` (`PAIRED_ROUNDS`, default 400). Prints a markdown table
//! and writes `target/criterion/paired.json` for `benches/ratios.py`.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::cast_precision_loss
)]

mod common;

use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use playback_auth::claims::PlaybackRestrictionClaims;
use playback_auth::keys::CryptoProvider;

/// The time of `batch` calls of `call`.
fn time(batch: u32, call: &dyn Fn()) -> Duration {
    let start = Instant::now();
    for _ in 0..batch {
        call();
    }
    start.elapsed()
}

/// The `percent` percentile of sorted values (nearest rank below).
fn percentile(sorted: &[f64], percent: usize) -> f64 {
    let index = sorted.len().saturating_sub(1) * percent / 100;
    sorted.get(index).copied().unwrap_or(f64::NAN)
}

fn main() {
    let rounds: usize = std::env::var("PAIRED_ROUNDS")
        .ok()
        .and_then(|rounds| rounds.parse().ok())
        .unwrap_or(400);
    let mut results: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
    println!(
        "| verify | provider | ours ÷ raw (median of {rounds} rounds) | p25–p75 | ours | raw |"
    );
    println!("|---|---|---:|---:|---:|---:|");
    for fx in common::fixtures(common::issued_at()) {
        let (signing_input, signature) = fx.token.rsplit_once('.').unwrap();
        let signature = URL_SAFE_NO_PAD.decode(signature).unwrap();
        for &provider in CryptoProvider::all() {
            let verifier = fx.verifier.to_provider(provider);
            let raw = common::raw(&fx, provider);
            let ours = || {
                assert!(
                    verifier
                        .verify::<PlaybackRestrictionClaims>(black_box(&fx.token))
                        .is_ok()
                );
            };
            let raw = || {
                assert!(raw(
                    black_box(signing_input.as_bytes()),
                    black_box(&signature)
                ))
            };
            // Warm up, then size a batch to about 200 µs of the raw check.
            let one = time(50, &raw) / 50;
            time(50, &ours);
            let batch = u32::try_from(200_000 / one.as_nanos().max(1))
                .unwrap_or(1)
                .max(1);
            let (mut ratios, mut ours_ns, mut raw_ns) = (Vec::new(), Vec::new(), Vec::new());
            for round in 0..rounds {
                let (o, r) = if round % 2 == 0 {
                    (time(batch, &ours), time(batch, &raw))
                } else {
                    let r = time(batch, &raw);
                    (time(batch, &ours), r)
                };
                ratios.push(o.as_secs_f64() / r.as_secs_f64());
                ours_ns.push(o.as_nanos() as f64 / f64::from(batch));
                raw_ns.push(r.as_nanos() as f64 / f64::from(batch));
            }
            for values in [&mut ratios, &mut ours_ns, &mut raw_ns] {
                values.sort_by(f64::total_cmp);
            }
            let median = percentile(&ratios, 50);
            println!(
                "| {} | {provider} | {median:.3} | {:.3}–{:.3} | {:.1} µs | {:.1} µs |",
                fx.label,
                percentile(&ratios, 25),
                percentile(&ratios, 75),
                percentile(&ours_ns, 50) / 1e3,
                percentile(&raw_ns, 50) / 1e3,
            );
            results
                .entry(format!("verify/{}", fx.label))
                .or_default()
                .insert(format!("ours÷raw/{provider}"), median);
        }
    }
    let dir = PathBuf::from(std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into()))
        .join("criterion");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("paired.json"),
        serde_json::to_string_pretty(&results).unwrap() + "\n",
    )
    .unwrap();
}
