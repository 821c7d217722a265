//! Work that outlives its request: a large import runs in the background while the page
//! that started it refreshes to show how far it has come.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use linli_store::register::ImportOutcome;
use uuid::Uuid;

/// Finished jobs are forgotten after this long (the register itself keeps the result).
const KEEP: Duration = Duration::from_secs(3600);

/// One import: who started it, how many rows it writes, how many are written, and how it ended.
#[derive(Debug)]
pub struct ImportJob {
    pub user: Uuid,
    pub filename: String,
    pub total: usize,
    pub written: AtomicUsize,
    outcome: Mutex<Option<Result<ImportOutcome, String>>>,
    started: Instant,
}

impl ImportJob {
    pub fn written(&self) -> usize {
        self.written.load(Ordering::Relaxed)
    }

    pub fn finish(&self, r: Result<ImportOutcome, String>) {
        match self.outcome.lock() {
            Ok(mut o) => *o = Some(r),
            Err(poisoned) => *poisoned.into_inner() = Some(r),
        }
    }

    /// `None` while it runs.
    pub fn outcome(&self) -> Option<Result<ImportOutcome, String>> {
        match self.outcome.lock() {
            Ok(o) => o.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

/// Imports by upload id.
#[derive(Debug, Default)]
pub struct Jobs(Mutex<HashMap<Uuid, Arc<ImportJob>>>);

impl Jobs {
    /// Registers a job for an upload; `None` when that upload already has one (a second click).
    pub fn start(&self, upload: Uuid, user: Uuid, filename: &str, total: usize) -> Option<Arc<ImportJob>> {
        let mut jobs = match self.0.lock() {
            Ok(j) => j,
            Err(poisoned) => poisoned.into_inner(),
        };
        jobs.retain(|_, j| j.started.elapsed() < KEEP || j.outcome().is_none());
        if jobs.contains_key(&upload) {
            return None;
        }
        let job = Arc::new(ImportJob {
            user,
            filename: filename.to_owned(),
            total,
            written: AtomicUsize::new(0),
            outcome: Mutex::new(None),
            started: Instant::now(),
        });
        jobs.insert(upload, job.clone());
        Some(job)
    }

    pub fn get(&self, upload: Uuid) -> Option<Arc<ImportJob>> {
        match self.0.lock() {
            Ok(j) => j.get(&upload).cloned(),
            Err(poisoned) => poisoned.into_inner().get(&upload).cloned(),
        }
    }
}
