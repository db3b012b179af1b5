//! Model-based test: random sequences of requests (new sessions, renewals, device and IP
//! changes, time passing, revocations, ended sessions, removed devices) run against the
//! engine on the memory store and against a plain reference model of SPEC §4 written
//! here; the decisions must agree at every step, and so must the session and device lists.

// The reference model is test code: it fails by panicking, indexes small fixed tables,
// and its counts are tiny.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::common::*;
use playback_auth_claims::ConcurrencyBehavior;
use playback_auth_policy::{Decision, DenyReason, SessionChange, VerifiedToken};
use proptest::prelude::*;

/// Seconds after `T0` at which every token's state (and revocation) is forgotten:
/// exp (issued at -10, valid 7200 s) + 30 s leeway.
const TOKEN_STATE_UNTIL: i64 = 7190 + 30;
const LEASE: i64 = 120;
const UAS: [&str; 2] = ["UA-A", "UA-B"];

/// The claims of one token of the fixed set the sequences draw from.
#[derive(Debug, Clone)]
struct Spec {
    label: &'static str,
    uid: Option<&'static str>,
    jti: Option<&'static str>,
    climit: Option<(u32, ConcurrencyBehavior)>,
    dlimit: Option<u32>,
    maxu: Option<u32>,
    maxip: Option<u32>,
    ua: Option<&'static str>,
    single_use: bool,
}

const NONE: Spec = Spec {
    label: "",
    uid: None,
    jti: None,
    climit: None,
    dlimit: None,
    maxu: None,
    maxip: None,
    ua: None,
    single_use: false,
};

fn specs() -> Vec<Spec> {
    use ConcurrencyBehavior::*;
    vec![
        Spec {
            label: "evict",
            uid: Some("u1"),
            climit: Some((2, EvictOldest)),
            dlimit: Some(2),
            maxu: Some(8),
            ..NONE
        },
        Spec {
            label: "block",
            uid: Some("u1"),
            climit: Some((1, BlockNew)),
            maxip: Some(2),
            ua: Some("UA-A"),
            ..NONE
        },
        Spec {
            label: "location",
            uid: Some("u1"),
            climit: Some((2, BlockNewUser)),
            dlimit: Some(3),
            ..NONE
        },
        Spec {
            label: "other-user",
            uid: Some("u2"),
            climit: Some((1, EvictOldest)),
            dlimit: Some(1),
            ..NONE
        },
        Spec {
            label: "jti-a",
            jti: Some("shared-jti"),
            maxu: Some(4),
            maxip: Some(2),
            ..NONE
        },
        Spec {
            label: "jti-b",
            jti: Some("shared-jti"),
            maxu: Some(4),
            maxip: Some(2),
            ..NONE
        },
        Spec {
            label: "counted",
            uid: Some("u2"),
            maxu: Some(3),
            ..NONE
        },
        Spec {
            label: "single",
            single_use: true,
            ..NONE
        },
    ]
}

fn build(spec: &Spec) -> VerifiedToken {
    if spec.single_use {
        return channel(spec.label, |b| {
            b.single_use("6f1c1a52-1e2b-4c3d-9e8f-0a1b2c3d4e5f")
                .valid_for(std::time::Duration::from_secs(7200))
        });
    }
    restriction(spec.label, |mut b| {
        b = b.valid_for(std::time::Duration::from_secs(7200));
        if let Some(uid) = spec.uid {
            b = b.user(uid);
        }
        if let Some(jti) = spec.jti {
            b = b.token_id(jti);
        }
        if let Some((limit, cbeh)) = spec.climit {
            b = b.concurrent_streams(limit).concurrency_behavior(cbeh);
        }
        if let Some(limit) = spec.dlimit {
            b = b.device_limit(limit);
        }
        if let Some(limit) = spec.maxu {
            b = b.max_uses(limit);
        }
        if let Some(limit) = spec.maxip {
            b = b.max_ips(limit);
        }
        if let Some(ua) = spec.ua {
            b = b.user_agent(ua);
        }
        b
    })
}

#[derive(Debug, Clone)]
enum Op {
    Request {
        token: usize,
        session: Option<u8>,
        device: Option<u8>,
        ip: u8,
        ua: usize,
    },
    Wait(i64),
    Revoke(usize),
    EndSession {
        uid: usize,
        session: u8,
    },
    RemoveDevice {
        uid: usize,
        device: u8,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0..8usize, proptest::option::of(0..4u8), proptest::option::of(0..4u8), 1..4u8, 0..2usize)
            .prop_map(|(token, session, device, ip, ua)| Op::Request { token, session, device, ip, ua }),
        3 => prop_oneof![0..5i64, 100..140i64, 200..2000i64].prop_map(Op::Wait),
        1 => (0..8usize).prop_map(Op::Revoke),
        1 => (0..2usize, 0..4u8).prop_map(|(uid, session)| Op::EndSession { uid, session }),
        1 => (0..2usize, 0..4u8).prop_map(|(uid, device)| Op::RemoveDevice { uid, device }),
    ]
}

const UIDS: [&str; 2] = ["u1", "u2"];

// ---------------------------------------------------------------------------------------
// The reference model: SPEC §4 written as plainly as possible.

#[derive(Debug, Clone)]
struct ModelSession {
    key: String,
    location: String,
    admitted: i64,
    order: u64,
    lease_until: i64,
}

#[derive(Debug, Default)]
struct ModelUser {
    sessions: Vec<ModelSession>,
    /// Evicted or ended session key → until when it is remembered.
    evicted: Vec<(String, i64)>,
    devices: Vec<String>,
}

#[derive(Debug, Default)]
struct ModelToken {
    uses: u32,
    ips: BTreeSet<u8>,
    used_once: bool,
}

#[derive(Debug, PartialEq, Clone)]
enum Expected {
    Allow {
        session: Option<(bool, String)>, // (admitted?, key)
        evicted: Vec<String>,
        device_registered: bool,
        uses: Option<u32>,
    },
    Deny(DenyReason),
}

#[derive(Default)]
struct Model {
    now: i64,
    order: u64,
    revoked: BTreeSet<&'static str>,
    users: HashMap<&'static str, ModelUser>,
    tokens: HashMap<String, ModelToken>,
}

impl Model {
    fn token_id(spec: &Spec) -> String {
        spec.jti.unwrap_or(spec.label).to_owned()
    }

    fn decide(
        &mut self,
        spec: &Spec,
        session: Option<u8>,
        device: Option<u8>,
        ip: u8,
        ua: usize,
    ) -> Expected {
        let now = self.now;
        if now >= TOKEN_STATE_UNTIL {
            self.revoked.clear();
            self.tokens.clear();
        }
        if self.revoked.contains(spec.label) {
            return Expected::Deny(DenyReason::TokenRevoked);
        }
        if let Some(required) = spec.ua
            && required != UAS[ua]
        {
            return Expected::Deny(DenyReason::UserAgentMismatch);
        }
        if spec.dlimit.is_some() && device.is_none() {
            return Expected::Deny(DenyReason::DeviceIdMissing);
        }

        // Token checks.
        let token_id = Self::token_id(spec);
        let has_token_state = spec.maxu.is_some() || spec.maxip.is_some() || spec.single_use;
        if has_token_state {
            let state = self.tokens.entry(token_id.clone()).or_default();
            if spec.single_use && state.used_once {
                return Expected::Deny(DenyReason::SingleUseAlreadyUsed);
            }
            if let Some(max) = spec.maxu
                && state.uses >= max
            {
                return Expected::Deny(DenyReason::MaxUsesReached { limit: max });
            }
            if let Some(max) = spec.maxip
                && !state.ips.contains(&ip)
                && state.ips.len() >= max as usize
            {
                return Expected::Deny(DenyReason::MaxIpsReached { limit: max });
            }
        }

        // Session checks.
        let location = match device {
            Some(d) => format!("device|{d}"),
            None => format!("client|{}|{ip}", UAS[ua]),
        };
        // A stream is its id at its location: the same id from elsewhere is another stream.
        let key = match session {
            Some(s) => format!("derived|{location}|s{s}"),
            None => format!("derived|{location}|{}|{ip}", UAS[ua]),
        };
        let user = spec.uid.map(|uid| self.users.entry(uid).or_default());
        let mut session_step = None; // (admit?, evict keys)
        if let (Some((limit, behavior)), Some(user)) = (spec.climit, user.as_deref()) {
            let limit = limit as usize;
            let mut active: Vec<&ModelSession> = user
                .sessions
                .iter()
                .filter(|s| s.lease_until > now)
                .collect();
            active.sort_by_key(|s| (s.admitted, s.order));
            if active.iter().any(|s| s.key == key) {
                session_step = Some((false, vec![]));
            } else if user
                .evicted
                .iter()
                .any(|(k, until)| *k == key && *until > now)
            {
                return Expected::Deny(DenyReason::SessionEvicted { session: key });
            } else if active.len() < limit {
                session_step = Some((true, vec![]));
            } else {
                match behavior {
                    ConcurrencyBehavior::EvictOldest => {
                        let evict = active
                            .iter()
                            .take(active.len() + 1 - limit)
                            .map(|s| s.key.clone())
                            .collect();
                        session_step = Some((true, evict));
                    }
                    ConcurrencyBehavior::BlockNew => {
                        return Expected::Deny(DenyReason::StreamLimitReached {
                            limit: limit as u32,
                        });
                    }
                    ConcurrencyBehavior::BlockNewUser => {
                        match active.iter().find(|s| s.location == location) {
                            Some(oldest) => session_step = Some((true, vec![oldest.key.clone()])),
                            None => {
                                return Expected::Deny(DenyReason::StreamLimitReached {
                                    limit: limit as u32,
                                });
                            }
                        }
                    }
                }
            }
        }

        // Device checks.
        let device_key = device.map(|d| format!("d{d}"));
        let mut register = false;
        if let (Some(limit), Some(user), Some(device)) = (spec.dlimit, user.as_deref(), &device_key)
            && !user.devices.contains(device)
        {
            if user.devices.len() >= limit as usize {
                return Expected::Deny(DenyReason::DeviceLimitReached { limit });
            }
            register = true;
        }

        // Everything passed: record.
        let mut uses = None;
        if has_token_state {
            let state = self.tokens.entry(token_id).or_default();
            state.uses += 1;
            if spec.maxip.is_some() {
                state.ips.insert(ip);
            }
            state.used_once |= spec.single_use;
            uses = spec.maxu.map(|_| state.uses);
        }
        self.order += 1;
        let order = self.order;
        let mut change = None;
        let mut evicted_keys = vec![];
        if let Some(user) = spec.uid.and_then(|uid| self.users.get_mut(uid)) {
            user.sessions.retain(|s| s.lease_until > now);
            user.evicted.retain(|(_, until)| *until > now);
            if let Some((admit, evict)) = session_step {
                for k in &evict {
                    let pos = user.sessions.iter().position(|s| s.key == *k).unwrap();
                    let gone = user.sessions.remove(pos);
                    user.evicted.push((gone.key, gone.lease_until));
                }
                if admit {
                    user.sessions.push(ModelSession {
                        key: key.clone(),
                        location,
                        admitted: now,
                        order,
                        lease_until: now + LEASE,
                    });
                } else {
                    user.sessions
                        .iter_mut()
                        .find(|s| s.key == key)
                        .unwrap()
                        .lease_until = now + LEASE;
                }
                change = Some((admit, key));
                evicted_keys = evict;
            }
            if register {
                user.devices.push(device_key.unwrap());
            }
        }
        Expected::Allow {
            session: change,
            evicted: evicted_keys,
            device_registered: register,
            uses,
        }
    }

    fn end_session(&mut self, uid: &'static str, key: &str) -> bool {
        let now = self.now;
        let user = self.users.entry(uid).or_default();
        match user
            .sessions
            .iter()
            .position(|s| s.key == key && s.lease_until > now)
        {
            Some(pos) => {
                let gone = user.sessions.remove(pos);
                user.evicted.retain(|(k, until)| *until > now && *k != key);
                user.evicted.push((gone.key, gone.lease_until));
                true
            }
            None => false,
        }
    }

    fn remove_device(&mut self, uid: &'static str, device: &str) -> bool {
        let user = self.users.entry(uid).or_default();
        let before = user.devices.len();
        user.devices.retain(|d| d != device);
        user.devices.len() != before
    }

    fn active_sessions(&self, uid: &str) -> Vec<String> {
        let Some(user) = self.users.get(uid) else {
            return vec![];
        };
        let mut active: Vec<&ModelSession> = user
            .sessions
            .iter()
            .filter(|s| s.lease_until > self.now)
            .collect();
        active.sort_by_key(|s| (s.admitted, s.order));
        active.into_iter().map(|s| s.key.clone()).collect()
    }
}

/// Session keys are opaque in the engine (a hash of location and stream id); the model names
/// them by their parts.
/// This map pairs them up, and fails if the pairing is not one to one.
#[derive(Default)]
struct KeyPairs {
    engine_to_model: BTreeMap<String, String>,
    model_to_engine: BTreeMap<String, String>,
}

impl KeyPairs {
    fn translate(&mut self, engine_key: &str, model_key: &str) -> String {
        if !model_key.starts_with("derived|") {
            return engine_key.to_owned();
        }
        match (
            self.engine_to_model.get(engine_key),
            self.model_to_engine.get(model_key),
        ) {
            (Some(m), _) => m.clone(),
            (None, Some(_)) => format!("<{engine_key} is not the key seen before for {model_key}>"),
            (None, None) => {
                self.engine_to_model
                    .insert(engine_key.to_owned(), model_key.to_owned());
                self.model_to_engine
                    .insert(model_key.to_owned(), engine_key.to_owned());
                model_key.to_owned()
            }
        }
    }

    fn to_engine(&self, model_key: &str) -> String {
        self.model_to_engine
            .get(model_key)
            .cloned()
            .unwrap_or_else(|| model_key.to_owned())
    }

    fn to_model(&self, engine_key: &str) -> String {
        self.engine_to_model
            .get(engine_key)
            .cloned()
            .unwrap_or_else(|| engine_key.to_owned())
    }
}

fn observed(decision: Decision, expected: &Expected, pairs: &mut KeyPairs) -> Expected {
    match decision {
        Decision::Deny(DenyReason::SessionEvicted { session }) => {
            Expected::Deny(DenyReason::SessionEvicted {
                session: pairs.to_model(&session),
            })
        }
        Decision::Deny(reason) => Expected::Deny(reason),
        Decision::Allow(allowed) => {
            assert!(!allowed.degraded);
            let session = allowed.session.map(|change| {
                let (admitted, key) = match change {
                    SessionChange::Admitted { session } => (true, session),
                    SessionChange::Renewed { session } => (false, session),
                };
                let model_key = match expected {
                    Expected::Allow {
                        session: Some((_, k)),
                        ..
                    } => k.clone(),
                    _ => String::new(),
                };
                (admitted, pairs.translate(&key, &model_key))
            });
            Expected::Allow {
                session,
                evicted: allowed.evicted.iter().map(|k| pairs.to_model(k)).collect(),
                device_registered: allowed.device_registered,
                uses: allowed.uses,
            }
        }
    }
}

fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let specs = specs();
        let tokens: Vec<VerifiedToken> = specs.iter().map(build).collect();
        let (engine, _store) = engine();
        let mut model = Model::default();
        let mut pairs = KeyPairs::default();
        for (step, op) in ops.into_iter().enumerate() {
            match op {
                Op::Wait(secs) => model.now += secs,
                Op::Request {
                    token,
                    session,
                    device,
                    ip: last,
                    ua,
                } => {
                    let mut ctx = request(model.now).with_client_ip(ip(last));
                    ctx.user_agent = UAS[ua].to_owned();
                    if let Some(s) = session {
                        ctx = ctx.with_session_id(format!("s{s}"));
                    }
                    if let Some(d) = device {
                        ctx = ctx.with_device_id(format!("d{d}"));
                    }
                    let expected = model.decide(&specs[token], session, device, last, ua);
                    let actual = observed(
                        engine.decide(&tokens[token], &ctx).await,
                        &expected,
                        &mut pairs,
                    );
                    prop_assert_eq!(
                        &actual,
                        &expected,
                        "step {} ({:?}) at {}",
                        step,
                        specs[token].label,
                        model.now
                    );
                }
                Op::Revoke(token) => {
                    if model.now < TOKEN_STATE_UNTIL {
                        model.revoked.insert(specs[token].label);
                    }
                    engine
                        .0
                        .revoke(ACCOUNT, &tokens[token], at(model.now))
                        .await
                        .unwrap();
                }
                Op::EndSession { uid: u, session } => {
                    // One of the user's active sessions, or (with none) a key never seen.
                    let active = model.active_sessions(UIDS[u]);
                    let key = active
                        .get(usize::from(session) % active.len().max(1))
                        .cloned()
                        .unwrap_or_else(|| format!("unknown-s{session}"));
                    let expected = model.end_session(UIDS[u], &key);
                    let actual = engine
                        .end_session(
                            ACCOUNT,
                            &uid(UIDS[u]),
                            &pairs.to_engine(&key),
                            at(model.now),
                        )
                        .await
                        .unwrap();
                    prop_assert_eq!(actual, expected, "end_session at step {}", step);
                }
                Op::RemoveDevice { uid: u, device } => {
                    let id = format!("d{device}");
                    let expected = model.remove_device(UIDS[u], &id);
                    let actual = engine
                        .remove_device(ACCOUNT, &uid(UIDS[u]), &id)
                        .await
                        .unwrap();
                    prop_assert_eq!(actual, expected, "remove_device at step {}", step);
                }
            }
            for name in UIDS {
                let listed: Vec<String> = engine
                    .sessions(ACCOUNT, &uid(name), at(model.now))
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|s| pairs.to_model(&s.session_key))
                    .collect();
                prop_assert_eq!(
                    listed,
                    model.active_sessions(name),
                    "sessions of {} after step {}",
                    name,
                    step
                );
                let devices: Vec<String> = engine
                    .devices(ACCOUNT, &uid(name))
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|d| d.device_id)
                    .collect();
                let expected = model
                    .users
                    .get(name)
                    .map(|u| u.devices.clone())
                    .unwrap_or_default();
                prop_assert_eq!(devices, expected, "devices of {} after step {}", name, step);
            }
        }
        Ok(())
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn engine_agrees_with_the_reference_model(ops in proptest::collection::vec(op(), 1..80)) {
        run(ops)?;
    }
}

#[test]
fn a_scripted_sequence_agrees_with_the_model() {
    // One readable sequence through every behaviour, so a model bug shows up even when
    // the random cases are lucky.
    let mut ops = vec![];
    for (token, session, device) in [
        (0, 0, 0),
        (0, 1, 1),
        (0, 2, 1),
        (0, 0, 1),
        (2, 3, 2),
        (2, 1, 3),
        (1, 0, 0),
    ] {
        ops.push(Op::Request {
            token,
            session: Some(session),
            device: Some(device),
            ip: 1,
            ua: 0,
        });
        ops.push(Op::Wait(3));
    }
    ops.push(Op::Wait(130));
    ops.push(Op::Request {
        token: 3,
        session: None,
        device: Some(0),
        ip: 2,
        ua: 1,
    });
    ops.push(Op::Request {
        token: 3,
        session: None,
        device: Some(0),
        ip: 3,
        ua: 1,
    });
    ops.push(Op::Request {
        token: 3,
        session: None,
        device: Some(0),
        ip: 2,
        ua: 1,
    });
    ops.push(Op::Revoke(4));
    ops.push(Op::Request {
        token: 5,
        session: None,
        device: None,
        ip: 1,
        ua: 0,
    });
    ops.push(Op::Request {
        token: 4,
        session: None,
        device: None,
        ip: 1,
        ua: 0,
    });
    ops.push(Op::Wait(8000));
    ops.push(Op::Request {
        token: 4,
        session: None,
        device: None,
        ip: 1,
        ua: 0,
    });
    run(ops).unwrap();
}
