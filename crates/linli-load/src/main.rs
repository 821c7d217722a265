//! `linli-load`: drives a running linli (or the bare ceiling, `linli-ceiling`) over HTTP with
//! a realistic mix of operations from `--concurrency` workers, each on its own keep-alive
//! connection, and reports throughput and latency percentiles per operation for a measured
//! period that follows a warm-up.
//!
//! ```text
//! linli-load --url http://127.0.0.1:8080                       # the default mix
//! linli-load --url http://127.0.0.1:8080 --only create --json
//! linli-load --url http://127.0.0.1:9000 --target ceiling --only queue
//! ```

mod ceiling;
mod linli;
mod report;
mod rng;

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::{Parser, ValueEnum};
use serde::Serialize;

use crate::report::{Meta, Outcome, Stats};
use crate::rng::Rng;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// A window worker takes a service request (JSON API).
    Create,
    /// A window worker lists the community's queue: one state, by deadline, 20 a page.
    Queue,
    /// A window worker moves one of the requests the tool created (accept, then complete).
    Move,
    /// A resident looks a request up by number and phone (no sign-in; rate-limited).
    Lookup,
    /// A supervisor opens the district comparison page (`/oversight/compare/{district}`).
    Dashboard,
    /// A grid worker records a household visit.
    Visit,
    /// Register search by name, pinyin, initials or the last digits of an ID or phone number.
    Search,
}

impl Op {
    pub fn name(self) -> &'static str {
        match self {
            Op::Create => "create",
            Op::Queue => "queue",
            Op::Move => "move",
            Op::Lookup => "lookup",
            Op::Dashboard => "dashboard",
            Op::Visit => "visit",
            Op::Search => "search",
        }
    }

    fn parse(s: &str) -> Option<Op> {
        Op::from_str(s, true).ok()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Target {
    /// linli itself (`linli serve` / `linli demo`).
    Linli,
    /// `linli-ceiling`: only `create` and `queue`.
    Ceiling,
}

/// A front-desk day: the queue is read far more than it is written, and everything else is
/// occasional. Weights, not percentages.
const DEFAULT_MIX: &str = "queue=35,create=15,move=15,search=15,lookup=10,visit=5,dashboard=5";
const CEILING_MIX: &str = "queue=50,create=50";

#[derive(Debug, Parser)]
#[command(version, about = "linli 压力测试工具 / load tool for linli and its bare ceiling")]
struct Args {
    /// The server's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// What is being measured.
    #[arg(long, value_enum, default_value_t = Target::Linli)]
    target: Target,
    /// Concurrent connections, one worker each.
    #[arg(long, short = 'c', default_value_t = 16)]
    concurrency: usize,
    /// Seconds of load before measuring (caches, pools and the JIT-free CPU caches warm up).
    #[arg(long, default_value_t = 5.0)]
    warmup: f64,
    /// Seconds measured.
    #[arg(long, default_value_t = 20.0)]
    duration: f64,
    /// Weighted operations, e.g. `queue=35,create=15,move=15` (default: a front-desk day).
    #[arg(long, conflicts_with = "only")]
    mix: Option<String>,
    /// Run one operation only.
    #[arg(long, value_enum)]
    only: Option<Op>,
    /// Print the report as JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Password of every account below (the demo's by default).
    #[arg(long, env = "LINLI_LOAD_PASSWORD", default_value = "Linli@2026")]
    password: String,
    /// Window workers (each works the queue of their own community).
    #[arg(long, value_delimiter = ',', default_value = "chuangkou,minjiang")]
    window_users: Vec<String>,
    /// A supervisor whose node's comparison page is the dashboard.
    #[arg(long, default_value = "quminzheng")]
    supervisor: String,
    /// A grid worker who records visits.
    #[arg(long, default_value = "wangge")]
    grid_user: String,
    /// The node whose comparison the dashboard opens (default: the supervisor's node).
    #[arg(long)]
    district: Option<String>,
    /// The state the queue lists.
    #[arg(long, default_value = "in_progress")]
    queue_state: String,
    /// Requests each window worker takes before the run, to have something to move and look up.
    #[arg(long, default_value_t = 50)]
    prefill: usize,
    /// Send a different `X-Forwarded-For` address with each look-up, so the per-address limit
    /// does not stop them (works only when linli trusts the proxy: `LINLI_TRUST_PROXY=true`).
    #[arg(long)]
    forwarded_for: bool,
    /// Communities the ceiling's requests go to.
    #[arg(long, value_delimiter = ',', default_value = "350103001001,350103001002")]
    communities: Vec<String>,
    /// Seed of the workers' random choices.
    #[arg(long, default_value_t = 7)]
    seed: u64,
}

fn parse_mix(s: &str) -> Result<Vec<(Op, u32)>> {
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, w) = part.split_once('=').unwrap_or((part, "1"));
        let op = Op::parse(name.trim()).with_context(|| format!("unknown operation in --mix: {name}"))?;
        let w: u32 = w.trim().parse().with_context(|| format!("weight of {name} is not a whole number: {w}"))?;
        if w > 0 {
            out.push((op, w));
        }
    }
    if out.is_empty() {
        bail!("--mix names no operation with a positive weight");
    }
    Ok(out)
}

/// What the workers drive.
#[derive(Clone)]
pub enum Driver {
    Linli(Arc<linli::Linli>),
    Ceiling(Arc<ceiling::Ceiling>),
}

impl Driver {
    async fn run(&self, op: Op, rng: &mut Rng) -> Outcome {
        match self {
            Driver::Linli(l) => l.run(op, rng).await,
            Driver::Ceiling(c) => c.run(op, rng).await,
        }
    }
}

fn pick(mix: &[(Op, u32)], total: u32, rng: &mut Rng) -> Op {
    let mut n = rng.below(u64::from(total)) as u32;
    for (op, w) in mix {
        if n < *w {
            return *op;
        }
        n -= w;
    }
    mix[0].0
}

/// One connection's loop: only operations that start after the warm-up and end within the
/// measured period count.
async fn worker(driver: Driver, mix: Arc<Vec<(Op, u32)>>, seed: u64, measure_from: Instant, until: Instant) -> Stats {
    let total: u32 = mix.iter().map(|(_, w)| w).sum();
    let mut rng = Rng::new(seed);
    let mut stats = Stats::default();
    loop {
        let start = Instant::now();
        if start >= until {
            break;
        }
        let op = pick(&mix, total, &mut rng);
        let outcome = driver.run(op, &mut rng).await;
        let end = Instant::now();
        if matches!(outcome, Outcome::Skipped) {
            // Nothing to do for this op now; don't spin.
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        if start >= measure_from && end <= until {
            stats.record(op, outcome, end - start);
        }
    }
    stats
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    // Written so that NaN is refused too.
    if args.concurrency == 0
        || !args.duration.is_finite()
        || args.duration <= 0.0
        || !args.warmup.is_finite()
        || args.warmup < 0.0
    {
        bail!("--concurrency and --duration must be positive, --warmup not negative");
    }
    let mix_text = match (&args.only, &args.mix) {
        (Some(op), _) => op.name().to_owned(),
        (None, Some(m)) => m.clone(),
        (None, None) if args.target == Target::Ceiling => CEILING_MIX.to_owned(),
        (None, None) => DEFAULT_MIX.to_owned(),
    };
    let mix = parse_mix(&mix_text)?;
    let base = args.url.trim_end_matches('/').to_owned();
    // One client, a keep-alive pool as large as the workers: each worker ends up on its own
    // connection, as 16 browsers would be.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .tcp_nodelay(true)
        .build()
        .context("HTTP client")?;
    let ops: Vec<Op> = mix.iter().map(|(op, _)| *op).collect();
    let driver = match args.target {
        Target::Linli => {
            let setup = linli::Setup {
                password: args.password.clone(),
                window_users: args.window_users.clone(),
                supervisor: args.supervisor.clone(),
                grid_user: args.grid_user.clone(),
                district: args.district.clone(),
                queue_state: args.queue_state.clone(),
                prefill: args.prefill,
                forwarded_for: args.forwarded_for,
                seed: args.seed,
            };
            Driver::Linli(Arc::new(linli::Linli::setup(client, &base, &setup, &ops).await?))
        }
        Target::Ceiling => {
            if let Some((op, _)) = mix.iter().find(|(op, _)| !matches!(op, Op::Create | Op::Queue)) {
                bail!("the ceiling only has create and queue, not {}", op.name());
            }
            Driver::Ceiling(Arc::new(ceiling::Ceiling::new(client, &base, args.communities.clone(), &args.queue_state)))
        }
    };
    let mix = Arc::new(mix);
    let begin = Instant::now();
    let measure_from = begin + Duration::from_secs_f64(args.warmup);
    let until = measure_from + Duration::from_secs_f64(args.duration);
    let workers: Vec<_> = (0..args.concurrency)
        .map(|i| {
            let seed = args.seed.wrapping_mul(1_000_003).wrapping_add(i as u64);
            tokio::spawn(worker(driver.clone(), mix.clone(), seed, measure_from, until))
        })
        .collect();
    let mut stats = Stats::default();
    for w in workers {
        stats.merge(w.await.context("worker panicked")?);
    }
    let report = stats.report(Meta {
        target: match args.target {
            Target::Linli => "linli".into(),
            Target::Ceiling => "ceiling".into(),
        },
        url: base,
        concurrency: args.concurrency,
        warmup_s: args.warmup,
        duration_s: args.duration,
        mix: mix_text,
    });
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.table());
    }
    Ok(())
}
