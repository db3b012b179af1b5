//! Random operation sequences applied to `MemoryPolicyStore` and `RedisStore` side by side:
//! every outcome and every listing must be identical (beyond the fixed conformance checks:
//! mixed plans, fractional times, leases of different lengths, limits that change,
//! ending sessions and removing devices in between).
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

use std::net::{IpAddr, Ipv4Addr};
use std::num::NonZeroU32;
use std::time::Duration;

use playback_auth_claims::{ConcurrencyBehavior, NumericDate, Uid};
use std::collections::BTreeSet;

use playback_auth_policy::{
    DecisionPlan, DevicePlan, MemoryPolicyStore, Outcome, Partition, PolicyStore, Refusal,
    SessionChange, SessionPlan, TokenPlan,
};

/// xorshift64*: deterministic, seedable, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[usize::try_from(self.below(items.len() as u64)).unwrap()]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn nz(n: u64) -> NonZeroU32 {
    NonZeroU32::new(u32::try_from(n).unwrap()).unwrap()
}

const USERS: &[&str] = &["alice", "bob"];
const SESSIONS: &[&str] = &["s1", "s2", "s3", "s4", "s5"];
const LOCATIONS: &[&str] = &["loc-a", "loc-b", "loc-c"];
const DEVICES: &[&str] = &["d1", "d2", "d3", "d4"];
const TOKENS: &[&str] = &["t1", "t2"];
const UUIDS: &[&str] = &["u1", "u2", "u3"];

fn random_plan(rng: &mut Rng, now: NumericDate) -> DecisionPlan {
    let partition = if rng.chance(80) {
        Partition::User {
            account: crate::common::ACCOUNT.to_owned(),
            uid: Uid::new(rng.pick(USERS)).unwrap(),
        }
    } else {
        Partition::Token {
            account: crate::common::ACCOUNT.to_owned(),
            token_id: rng.pick(TOKENS).to_owned(),
        }
    };
    let is_user = matches!(partition, Partition::User { .. });
    let mut plan = DecisionPlan::new(partition, now);
    if !is_user || rng.chance(40) {
        let ip = IpAddr::V4(Ipv4Addr::new(
            198,
            51,
            100,
            u8::try_from(rng.below(4)).unwrap(),
        ));
        // Some tokens expire within the run, some are already expired.
        let expires = now.saturating_add(Duration::from_secs(rng.below(400)));
        let mut token = TokenPlan::new(rng.pick(TOKENS), ip, expires);
        if rng.chance(60) {
            token = token.with_max_uses(nz(1 + rng.below(6)));
        }
        if rng.chance(50) {
            token = token.with_max_ips(nz(1 + rng.below(3)));
        }
        if rng.chance(25) {
            token = token.with_single_use(rng.pick(UUIDS));
        }
        plan = plan.with_token(token);
    }
    if is_user && rng.chance(70) {
        let behavior = match rng.below(3) {
            0 => ConcurrencyBehavior::EvictOldest,
            1 => ConcurrencyBehavior::BlockNew,
            _ => ConcurrencyBehavior::BlockNewUser,
        };
        let lease = if rng.chance(50) {
            Duration::from_secs(30 + rng.below(120))
        } else {
            Duration::from_millis(500 + rng.below(90_000))
        };
        plan = plan.with_session(SessionPlan::new(
            rng.pick(SESSIONS),
            rng.pick(LOCATIONS),
            nz(1 + rng.below(3)),
            behavior,
            lease,
        ));
    }
    if is_user && rng.chance(40) {
        plan = plan.with_device(DevicePlan::new(rng.pick(DEVICES), nz(1 + rng.below(3))));
    }
    plan
}

/// What kind of outcome this was, to check the sequences cover every rule.
fn kinds(outcome: &Outcome) -> Vec<&'static str> {
    match outcome {
        Outcome::Refused(refusal) => vec![match refusal {
            Refusal::SingleUseAlreadyUsed => "single use",
            Refusal::MaxUsesReached { .. } => "max uses",
            Refusal::MaxIpsReached { .. } => "max ips",
            Refusal::SessionEvicted { .. } => "session evicted",
            Refusal::StreamLimitReached { .. } => "stream limit",
            Refusal::DeviceLimitReached { .. } => "device limit",
        }],
        Outcome::Applied(applied) => {
            let mut kinds = vec!["applied"];
            match applied.session {
                Some(SessionChange::Admitted { .. }) => kinds.push("admitted"),
                Some(SessionChange::Renewed { .. }) => kinds.push("renewed"),
                None => {}
            }
            if applied.evicted.len() > 1 {
                kinds.push("evicted several");
            } else if !applied.evicted.is_empty() {
                kinds.push("evicted");
            }
            if applied.device_registered {
                kinds.push("device registered");
            }
            kinds
        }
    }
}

async fn run_sequence(url: &str, seed: u64, steps: usize) -> BTreeSet<&'static str> {
    let mut seen = BTreeSet::new();
    let memory = MemoryPolicyStore::new();
    let redis = crate::common::fresh_store(url, "differential");
    let mut rng = Rng(seed);
    let mut now = crate::common::at(0).as_secs_f64();
    for step in 0..steps {
        // Time moves forward by whole or fractional seconds (sometimes not at all).
        now += match rng.below(4) {
            0 => 0.0,
            1 => f64::from(u32::try_from(rng.below(40)).unwrap()),
            2 => f64::from(u32::try_from(rng.below(4000)).unwrap()) / 8.0,
            _ => 0.25,
        };
        let at = NumericDate::from_secs_f64(now).unwrap();
        let user = Uid::new(rng.pick(USERS)).unwrap();
        let context = format!("seed {seed} step {step} at {at}");
        match rng.below(10) {
            0 => {
                let key = rng.pick(SESSIONS);
                let expected = memory
                    .end_session(crate::common::ACCOUNT, &user, key, at)
                    .await
                    .unwrap();
                let actual = redis
                    .end_session(crate::common::ACCOUNT, &user, key, at)
                    .await
                    .unwrap();
                assert_eq!(actual, expected, "end_session {key}: {context}");
            }
            1 => {
                let device = rng.pick(DEVICES);
                let expected = memory
                    .remove_device(crate::common::ACCOUNT, &user, device)
                    .await
                    .unwrap();
                let actual = redis
                    .remove_device(crate::common::ACCOUNT, &user, device)
                    .await
                    .unwrap();
                assert_eq!(actual, expected, "remove_device {device}: {context}");
            }
            _ => {
                let plan = random_plan(&mut rng, at);
                let expected = memory.apply(&plan).await.unwrap();
                let actual = redis.apply(&plan).await.unwrap();
                assert_eq!(actual, expected, "{plan:?}: {context}");
                seen.extend(kinds(&actual));
            }
        }
        let expected = memory
            .sessions(crate::common::ACCOUNT, &user, at)
            .await
            .unwrap();
        let actual = redis
            .sessions(crate::common::ACCOUNT, &user, at)
            .await
            .unwrap();
        assert_eq!(actual, expected, "sessions of {user:?}: {context}");
        let expected = memory.devices(crate::common::ACCOUNT, &user).await.unwrap();
        let actual = redis.devices(crate::common::ACCOUNT, &user).await.unwrap();
        assert_eq!(actual, expected, "devices of {user:?}: {context}");
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_sequences_agree_with_the_memory_store() {
    let Some(url) = crate::common::redis_url() else {
        return;
    };
    let seeds = [
        0x9e37_79b9_7f4a_7c15_u64,
        0x1234_5678_9abc_def1,
        42,
        7_777_777,
    ];
    let runs = seeds.map(|seed| {
        let url = url.clone();
        tokio::spawn(async move { run_sequence(&url, seed, 1500).await })
    });
    let mut seen = BTreeSet::new();
    for run in runs {
        seen.extend(run.await.unwrap());
    }
    let expected = [
        "single use",
        "max uses",
        "max ips",
        "session evicted",
        "stream limit",
        "device limit",
        "applied",
        "admitted",
        "renewed",
        "evicted",
        "evicted several",
        "device registered",
    ];
    for kind in expected {
        assert!(
            seen.contains(kind),
            "the sequences never produced {kind:?}: {seen:?}"
        );
    }
}
