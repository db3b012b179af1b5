//! The main job on the embedded default (the in-memory store): make a key, register it,
//! mint a playback restriction token for one viewer with two concurrent streams and two
//! devices, and walk a short story of playback requests through the one-call authorizer,
//! printing each decision on one line.
//!
//! ```text
//! cargo run --example quickstart                                                    # in memory
//! REDIS_URL=redis://127.0.0.1:6379/ cargo run --features redis --example quickstart # on Redis
//! REDIS_CLUSTER_URLS=redis://127.0.0.1:7000,redis://127.0.0.1:7001 \
//!     cargo run --features redis --example quickstart                              # on a cluster
//! ```
//!
//! With `REDIS_URL` set, sessions, devices, counters, revocations, keys and the audit trail
//! all live in Redis, under a key prefix of their own for each run; with
//! `REDIS_CLUSTER_URLS` (seed nodes, comma-separated; it wins when both are set) they live on
//! that Redis Cluster.
// An example's job is to print.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::net::{IpAddr, Ipv4Addr};
use std::process::ExitCode;
use std::time::Duration;

use playback_auth::claims::{NumericDate, PlaybackRestrictionClaims};
use playback_auth::keys::{Algorithm, PrivateKey};
use playback_auth::policy::{
    AuditSink, Authorizer, Decision, MemoryStores, RequestContext, SessionChange, Stores,
};
#[cfg(feature = "redis")]
use playback_auth::redis::RedisStore;
use playback_auth::sign::Signer;

const ACCOUNT: &str = "acct-1";
const VIDEO: &str = "video-7";

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("quickstart failed: {error}");
            ExitCode::FAILURE
        }
    }
}

/// One playback request: who asks, from which device, for which stream session.
struct Request {
    who: &'static str,
    device: &'static str,
    session: &'static str,
    ip: [u8; 4],
    after: u64,
}

/// Picks the stores: a Redis Cluster when `REDIS_CLUSTER_URLS` is set, else Redis when
/// `REDIS_URL` is (and the `redis` feature is on), in memory otherwise.
async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let start = NumericDate::now();
    #[cfg(feature = "redis")]
    if let Some(builder) = RedisStore::builder_from_env() {
        match builder.endpoint() {
            playback_auth::redis::RedisEndpoint::Cluster(seeds) => {
                println!("store: Redis Cluster from {} seed nodes\n", seeds.len());
            }
            playback_auth::redis::RedisEndpoint::Server(url) => println!("store: Redis at {url}\n"),
            _ => println!("store: Redis\n"),
        }
        let prefix = format!("quickstart-{}-{}", start.as_secs(), std::process::id());
        let store = builder.key_prefix(prefix).build()?;
        return story(Authorizer::new(store), start).await;
    }
    println!(
        "store: in memory (set REDIS_URL or REDIS_CLUSTER_URLS and build with `--features redis` \
         to use Redis)\n"
    );
    story(Authorizer::new(MemoryStores::new()), start).await
}

async fn story<B: Stores>(
    authorizer: Authorizer<B>,
    start: NumericDate,
) -> Result<(), Box<dyn std::error::Error>> {
    // 1. The publisher makes a key pair and registers the public half for its account.
    let key = PrivateKey::generate(Algorithm::Es256)?;
    let value = key.public_key().to_public_key_txt();
    let record = authorizer.register_key(ACCOUNT, &value, None).await?;
    println!(
        "registered {} key {} for {ACCOUNT}",
        key.algorithm(),
        record.id
    );

    // 2. It mints a token for one viewer: two concurrent streams, two devices, one hour.
    let claims = PlaybackRestrictionClaims::builder(ACCOUNT, start)
        .content_id(VIDEO)
        .user("viewer-42")
        .concurrent_streams(2)
        .device_limit(2)
        .valid_for(Duration::from_secs(3600))
        .build()?;
    let token = Signer::new(key).sign(&claims)?;
    println!(
        "minted a {}-byte token: uid viewer-42, climit 2, dlimit 2\n",
        token.len()
    );

    // 3. The playback edge decides every request with one call.

    let requests = [
        Request {
            who: "living-room TV",
            device: "tv-1",
            session: "tv-1/a",
            ip: [203, 0, 113, 10],
            after: 0,
        },
        Request {
            who: "phone",
            device: "phone-1",
            session: "phone-1/a",
            ip: [198, 51, 100, 7],
            after: 5,
        },
        Request {
            who: "TV, second stream",
            device: "tv-1",
            session: "tv-1/b",
            ip: [203, 0, 113, 10],
            after: 10,
        },
        Request {
            who: "TV, first stream's heartbeat",
            device: "tv-1",
            session: "tv-1/a",
            ip: [203, 0, 113, 10],
            after: 15,
        },
        Request {
            who: "laptop (a third device)",
            device: "laptop-1",
            session: "laptop-1/a",
            ip: [192, 0, 2, 33],
            after: 20,
        },
    ];
    for request in &requests {
        let decision = play(&authorizer, &token, request, start).await;
        println!("{}", line(request, &decision));
    }

    // 4. The publisher revokes the token; the next heartbeat is refused.
    let now = start.saturating_add(Duration::from_secs(25));
    let verified = authorizer.verify_token(ACCOUNT, &token, now).await?;
    authorizer.revoke(ACCOUNT, &verified, now).await?;
    println!("\n-- the publisher revokes the token --\n");
    let heartbeat = Request {
        who: "phone heartbeat",
        device: "phone-1",
        session: "phone-1/a",
        ip: [198, 51, 100, 7],
        after: 30,
    };
    let decision = play(&authorizer, &token, &heartbeat, start).await;
    println!("{}", line(&heartbeat, &decision));

    // 5. A token with the same claims signed by someone else's key never gets past verification.
    let forged = Signer::new(PrivateKey::generate(Algorithm::Es256)?).sign(&claims)?;
    let attempt = Request {
        who: "forged token",
        device: "tv-1",
        session: "tv-1/c",
        ip: [203, 0, 113, 10],
        after: 35,
    };
    println!(
        "{}",
        line(&attempt, &play(&authorizer, &forged, &attempt, start).await)
    );

    let today = start.to_offset_date_time().date();
    let audited = authorizer
        .stores()
        .audit()
        .records_for(ACCOUNT, today)
        .await?;
    println!(
        "
{} decisions recorded in the audit trail.",
        audited.records.len()
    );
    Ok(())
}

async fn play<B: Stores>(
    authorizer: &Authorizer<B>,
    token: &str,
    request: &Request,
    start: NumericDate,
) -> Decision {
    let ctx = RequestContext::new(
        ACCOUNT,
        VIDEO,
        "Player/2.1",
        IpAddr::V4(Ipv4Addr::from(request.ip)),
        start.saturating_add(Duration::from_secs(request.after)),
    )
    .with_device_id(request.device)
    .with_session_id(request.session);
    authorizer.authorize(token, &ctx).await
}

/// One readable line: when, who, and what happened.
fn line(request: &Request, decision: &Decision) -> String {
    let what = match decision {
        Decision::Allow(allowed) => {
            let mut parts = Vec::new();
            match &allowed.session {
                Some(SessionChange::Admitted { session }) => {
                    parts.push(format!("stream {session} admitted"))
                }
                Some(SessionChange::Renewed { session }) => {
                    parts.push(format!("stream {session} renewed"))
                }
                None => {}
            }
            for evicted in &allowed.evicted {
                parts.push(format!("evicted the oldest stream {evicted}"));
            }
            if allowed.device_registered {
                parts.push(format!("device {} registered", request.device));
            }
            format!("ALLOW  {}", parts.join(", "))
        }
        Decision::Deny(reason) => format!("DENY   {} ({reason})", reason.code()),
    };
    format!("t+{:>2}s  {:<30} {what}", request.after, request.who)
}
