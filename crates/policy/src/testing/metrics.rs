//! Reads back what a piece of code emitted through the `metrics` facade: [`recorded`] runs an
//! async body on a current-thread runtime under a local recorder (`metrics-util`'s
//! `DebuggingRecorder`), so tests running in parallel in one process never see each other's
//! emissions, and no global recorder is installed.
//!
//! Only what runs on the calling thread is seen: a verification on a
//! [`VerifyPool`](crate::VerifyPool)'s blocking threads, for one, reaches the global recorder
//! instead.
//!
//! ```
//! use playback_auth_policy::testing::metrics::recorded;
//!
//! let ((), metrics) = recorded(async {
//!     metrics::counter!("example_total", "kind" => "a").increment(2);
//! });
//! assert_eq!(metrics.counter("example_total", &[("kind", "a")]), 2);
//! assert_eq!(metrics.counter("example_total", &[("kind", "b")]), 0);
//! ```

use std::future::Future;

use metrics_util::MetricKind;
use metrics_util::debugging::{DebugValue, DebuggingRecorder};

/// One metric as recorded: its kind, name, labels (sorted by key) and value.
type Entry = (MetricKind, String, Vec<(String, String)>, DebugValue);

/// What a body emitted, read once after it finished (see [`recorded`]).
#[derive(Debug)]
pub struct Recorded {
    entries: Vec<Entry>,
}

/// Runs `body` to completion on a fresh current-thread runtime (time and I/O enabled) with a
/// local recorder, and returns its output with everything it emitted.
///
/// # Panics
/// When the runtime cannot be built.
pub fn recorded<T>(body: impl Future<Output = T>) -> (T, Recorded) {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let output = ::metrics::with_local_recorder(&recorder, || runtime.block_on(body));
    // The runtime's tasks may still hold work that emits: drop them under the recorder too.
    ::metrics::with_local_recorder(&recorder, || drop(runtime));
    let entries = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .map(|(key, _unit, _description, value)| {
            let (kind, key) = key.into_parts();
            let mut labels: Vec<(String, String)> = key
                .labels()
                .map(|label| (label.key().to_owned(), label.value().to_owned()))
                .collect();
            labels.sort();
            (kind, key.name().to_owned(), labels, value)
        })
        .collect();
    (output, Recorded { entries })
}

fn same_labels(recorded: &[(String, String)], wanted: &[(&str, &str)]) -> bool {
    let mut wanted: Vec<(&str, &str)> = wanted.to_vec();
    wanted.sort_unstable();
    recorded.len() == wanted.len()
        && recorded
            .iter()
            .zip(&wanted)
            .all(|((key, value), (k, v))| key == k && value == v)
}

impl Recorded {
    /// The value of the metric of `kind` named `name` with exactly `labels` (in any order).
    fn value(&self, kind: MetricKind, name: &str, labels: &[(&str, &str)]) -> Option<&DebugValue> {
        self.entries
            .iter()
            .find(|(entry_kind, entry_name, entry_labels, _)| {
                *entry_kind == kind && entry_name == name && same_labels(entry_labels, labels)
            })
            .map(|(_, _, _, value)| value)
    }

    /// The counter `name` with exactly `labels` (in any order); 0 when it was never emitted.
    pub fn counter(&self, name: &str, labels: &[(&str, &str)]) -> u64 {
        match self.value(MetricKind::Counter, name, labels) {
            Some(DebugValue::Counter(count)) => *count,
            _ => 0,
        }
    }

    /// The samples of the histogram `name` with exactly `labels`, in recording order; empty
    /// when it was never emitted.
    pub fn samples(&self, name: &str, labels: &[(&str, &str)]) -> Vec<f64> {
        match self.value(MetricKind::Histogram, name, labels) {
            Some(DebugValue::Histogram(samples)) => {
                samples.iter().map(|sample| sample.into_inner()).collect()
            }
            _ => Vec::new(),
        }
    }

    /// Every label set `name` was emitted with (labels sorted by key), in first-emission order.
    pub fn label_sets(&self, name: &str) -> Vec<Vec<(String, String)>> {
        self.entries
            .iter()
            .filter(|(_, entry_name, _, _)| entry_name == name)
            .map(|(_, _, labels, _)| labels.clone())
            .collect()
    }
}
