//! Per-operation counts and latency histograms, and the table and JSON made from them.

use std::collections::BTreeMap;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

use crate::Op;

/// How one operation ended.
#[derive(Debug)]
pub enum Outcome {
    Ok,
    /// 429: the server's rate limiter refused it (expected for look-ups from one address).
    Limited,
    /// Nothing to do (e.g. no request left to move); not timed, not counted as work.
    Skipped,
    Error(String),
}

/// One worker's (or, merged, the run's) figures for one operation.
pub struct OpStats {
    hist: Histogram<u64>,
    errors: u64,
    limited: u64,
    skipped: u64,
    /// The first few error messages, to say what went wrong without flooding the report.
    samples: Vec<String>,
}

impl OpStats {
    fn new() -> Self {
        // Microseconds from 1 µs to 60 s, three significant digits (0.1 % resolution).
        let hist = Histogram::new_with_bounds(1, 60_000_000, 3).expect("constant bounds are valid");
        OpStats { hist, errors: 0, limited: 0, skipped: 0, samples: Vec::new() }
    }
}

#[derive(Default)]
pub struct Stats {
    ops: BTreeMap<Op, OpStats>,
}

impl Stats {
    pub fn record(&mut self, op: Op, outcome: Outcome, took: Duration) {
        let s = self.ops.entry(op).or_insert_with(OpStats::new);
        match outcome {
            Outcome::Ok => {
                let us = u64::try_from(took.as_micros()).unwrap_or(u64::MAX).max(1);
                s.hist.saturating_record(us);
            }
            Outcome::Limited => s.limited += 1,
            Outcome::Skipped => s.skipped += 1,
            Outcome::Error(e) => {
                s.errors += 1;
                if s.samples.len() < 3 {
                    s.samples.push(e);
                }
            }
        }
    }

    pub fn merge(&mut self, other: Stats) {
        for (op, o) in other.ops {
            let s = self.ops.entry(op).or_insert_with(OpStats::new);
            // Same bounds on both sides, so adding cannot fail.
            let _ = s.hist.add(&o.hist);
            s.errors += o.errors;
            s.limited += o.limited;
            s.skipped += o.skipped;
            for e in o.samples {
                if s.samples.len() < 3 {
                    s.samples.push(e);
                }
            }
        }
    }

    pub fn report(&self, meta: Meta) -> Report {
        let secs = meta.duration_s.max(1e-9);
        let ms = |us: u64| us as f64 / 1000.0;
        let ops: Vec<OpReport> = self
            .ops
            .iter()
            .map(|(op, s)| OpReport {
                op: op.name().to_owned(),
                ok: s.hist.len(),
                errors: s.errors,
                limited: s.limited,
                skipped: s.skipped,
                per_sec: s.hist.len() as f64 / secs,
                mean_ms: s.hist.mean() / 1000.0,
                p50_ms: ms(s.hist.value_at_quantile(0.50)),
                p95_ms: ms(s.hist.value_at_quantile(0.95)),
                p99_ms: ms(s.hist.value_at_quantile(0.99)),
                max_ms: ms(s.hist.max()),
                error_samples: s.samples.clone(),
            })
            .collect();
        let total_per_sec = ops.iter().map(|o| o.per_sec).sum();
        Report { meta, total_per_sec, ops }
    }
}

#[derive(Debug, Serialize)]
pub struct Meta {
    pub target: String,
    pub url: String,
    pub concurrency: usize,
    pub warmup_s: f64,
    pub duration_s: f64,
    pub mix: String,
}

#[derive(Debug, Serialize)]
pub struct OpReport {
    pub op: String,
    /// Successful operations in the measured period (only these are timed).
    pub ok: u64,
    pub errors: u64,
    pub limited: u64,
    pub skipped: u64,
    pub per_sec: f64,
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub error_samples: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Report {
    #[serde(flatten)]
    pub meta: Meta,
    pub total_per_sec: f64,
    pub ops: Vec<OpReport>,
}

impl Report {
    pub fn table(&self) -> String {
        use std::fmt::Write;
        let m = &self.meta;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "target {} at {} · {} connections · warm-up {} s · measured {} s · mix {}",
            m.target, m.url, m.concurrency, m.warmup_s, m.duration_s, m.mix
        );
        let _ = writeln!(
            out,
            "{:<10} {:>8} {:>9} {:>8} {:>8} {:>8} {:>8} {:>8} {:>7} {:>7} {:>7}",
            "op", "ok", "ops/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "mean ms", "errors", "429", "skipped"
        );
        for o in &self.ops {
            let _ = writeln!(
                out,
                "{:<10} {:>8} {:>9.1} {:>8.2} {:>8.2} {:>8.2} {:>8.1} {:>8.2} {:>7} {:>7} {:>7}",
                o.op,
                o.ok,
                o.per_sec,
                o.p50_ms,
                o.p95_ms,
                o.p99_ms,
                o.max_ms,
                o.mean_ms,
                o.errors,
                o.limited,
                o.skipped
            );
        }
        let _ = writeln!(out, "{:<10} {:>8} {:>9.1}", "total", "", self.total_per_sec);
        for o in self.ops.iter().filter(|o| !o.error_samples.is_empty()) {
            for e in &o.error_samples {
                let _ = writeln!(out, "  {} error: {e}", o.op);
            }
        }
        out
    }
}
