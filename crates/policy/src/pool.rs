//! [`VerifyPool`]: signature checks on a bounded set of blocking threads, so a burst of
//! tokens cannot starve the async runtime that drives the stores' I/O.

use std::fmt;
use std::num::NonZeroUsize;
use std::sync::Arc;

use tokio::sync::Semaphore;

/// Runs CPU-bound work (signature verification) on Tokio's blocking threads, at most
/// [`threads`](Self::threads) jobs at a time; callers beyond that wait asynchronously for a
/// place, holding no runtime thread.
///
/// Why: an ES384 check costs about a millisecond of CPU. Run on the runtime's worker threads,
/// a burst of them keeps those threads busy, so the tasks that read store replies are not
/// polled and a healthy store's operations pass their timeout (a burst of 200 requests on two
/// cores answered 79 of them `store_unavailable`). On the blocking threads the checks share the
/// CPU with the runtime through the OS scheduler instead of taking it over.
///
/// Cloning is cheap and shares the places. Needs a Tokio runtime (any flavour) when
/// [`run`](Self::run) is awaited.
///
/// ```
/// use playback_auth_policy::VerifyPool;
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let pool = VerifyPool::new(2);
/// assert_eq!(pool.run(|| 6 * 7).await, Ok(42));
/// # });
/// ```
#[derive(Clone)]
pub struct VerifyPool {
    places: Arc<Semaphore>,
    threads: usize,
}

impl fmt::Debug for VerifyPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyPool")
            .field("threads", &self.threads)
            .field("free", &self.places.available_permits())
            .finish()
    }
}

impl Default for VerifyPool {
    /// One place per CPU the process may use.
    fn default() -> Self {
        Self::new(std::thread::available_parallelism().map_or(1, NonZeroUsize::get))
    }
}

/// The pool could not run a job: the runtime is shutting down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the verification pool is shut down")]
pub struct PoolClosed;

impl VerifyPool {
    /// A pool running at most `threads` jobs at once (at least one).
    pub fn new(threads: usize) -> Self {
        let threads = threads.max(1);
        Self {
            places: Arc::new(Semaphore::new(threads)),
            threads,
        }
    }

    /// How many jobs may run at once.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Runs `job` on a blocking thread once a place is free, and returns its result. A
    /// panic in `job` resumes in the caller, as if the job had run inline.
    ///
    /// # Errors
    /// [`PoolClosed`] when the runtime is shutting down and the job did not run.
    pub async fn run<T, F>(&self, job: F) -> Result<T, PoolClosed>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let place = Arc::clone(&self.places)
            .acquire_owned()
            .await
            .map_err(|_closed| PoolClosed)?;
        let handle = tokio::task::spawn_blocking(move || {
            // The place is given back when the job ends, not when the caller stops waiting.
            let _place = place;
            job()
        });
        match handle.await {
            Ok(value) => Ok(value),
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            Err(_cancelled) => Err(PoolClosed),
        }
    }
}

#[cfg(test)]
mod tests;
