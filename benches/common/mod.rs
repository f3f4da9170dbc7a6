//! What the benchmarks share: percentiles, the figures' JSON line, peak memory, and the
//! rule for a failed correctness check.
//!
//! A benchmark reports and never judges times: each figure is printed beside its target, and
//! only a broken result (a duplicate text, a missing one) makes the run fail.

use std::process::ExitCode;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

/// Percentiles of a set of timings, in milliseconds.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Summary {
    pub n: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Summary {
    /// Summarizes `samples`; an empty set gives zeros.
    pub fn of(samples: &[Duration]) -> Self {
        let mut sorted = samples.to_vec();
        sorted.sort_unstable();
        Self {
            n: sorted.len(),
            p50_ms: ms(percentile(&sorted, 0.50)),
            p99_ms: ms(percentile(&sorted, 0.99)),
            max_ms: ms(sorted.last().copied().unwrap_or_default()),
        }
    }
}

/// The nearest-rank percentile `q` (0 to 1) of sorted samples.
pub fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// A duration in milliseconds, rounded to microseconds.
pub fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

/// A duration in seconds, rounded to milliseconds.
pub fn secs(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0).round() / 1000.0
}

/// Prints one figure beside its target: `label  value  (target ...: met|missed)`.
pub fn report(label: &str, value: String, target: &str, met: bool) {
    let verdict = if met { "met" } else { "MISSED" };
    eprintln!("  {label:<34} {value:>14}   target {target}: {verdict}");
}

/// The process's peak resident set (`VmHWM`), in MB; `None` where `/proc` is missing.
pub fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some((kb / 1024.0 * 10.0).round() / 10.0)
}

/// Logs to stderr when `RUST_LOG` asks for it; the benchmarks are silent otherwise.
pub fn init_tracing() {
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .init();
    }
}

/// Ends the benchmark `name`: its figures, or why it stopped.
pub fn conclude(name: &str, outcome: anyhow::Result<(Value, Vec<String>)>) -> ExitCode {
    match outcome {
        Ok((figures, failures)) => finish(figures, &failures),
        Err(e) => {
            eprintln!("{name} benchmark stopped: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Prints the figures as the last line of stdout, with the failed checks, and fails the run if
/// any check failed.
pub fn finish(mut figures: Value, failures: &[String]) -> ExitCode {
    for failure in failures {
        eprintln!("check failed: {failure}");
    }
    figures["failed_checks"] = Value::from(failures.to_vec());
    println!("{figures}");
    if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
