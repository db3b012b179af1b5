#![allow(clippy::unwrap_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::VerifyPool;

#[tokio::test]
async fn returns_what_the_job_returns() {
    let pool = VerifyPool::new(1);
    assert_eq!(pool.run(|| "verified").await, Ok("verified"));
}

#[test]
fn has_at_least_one_place() {
    assert_eq!(VerifyPool::new(0).threads(), 1);
    assert!(VerifyPool::default().threads() >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_no_more_jobs_at_once_than_its_threads() {
    let pool = VerifyPool::new(2);
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let jobs: Vec<_> = (0..8)
        .map(|_| {
            let (pool, running, most) = (pool.clone(), Arc::clone(&running), Arc::clone(&most));
            tokio::spawn(async move {
                pool.run(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    // Long enough for unbounded jobs to overlap; not a timing assertion.
                    std::thread::sleep(Duration::from_millis(20));
                    running.fetch_sub(1, Ordering::SeqCst);
                })
                .await
            })
        })
        .collect();
    for job in jobs {
        assert_eq!(job.await.unwrap(), Ok(()));
    }
    assert_eq!(most.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_panicking_job_panics_in_the_caller() {
    let pool = VerifyPool::new(1);
    let caller = tokio::spawn(async move { pool.run(|| panic!("bad job")).await });
    assert!(caller.await.unwrap_err().is_panic());
}
