//! `linli gen`: synthetic data for measuring and demonstrating linli at scale (see
//! `linli_store::generator`). Progress goes to stderr a line per community; the summary to stdout.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Result, anyhow};
use linli_store::generator::{DEFAULT_SEED, GenOptions, GenProgress, Scale};

use super::{load_db, open_migrated};
use crate::cli::GenArgs;
use crate::logging;

pub async fn run(file: Option<&Path>, args: GenArgs) -> Result<ExitCode> {
    let scale = Scale::parse(&args.scale).ok_or_else(|| anyhow!("未知规模 / unknown scale: {}", args.scale))?;
    let config = load_db(file, &args.db)?;
    logging::init(&config.log_format, "warn");
    let store = open_migrated(&config).await?;
    let options = GenOptions {
        scale,
        seed: args.seed.unwrap_or(DEFAULT_SEED),
        communities: args.communities,
        residents: args.residents,
        requests: args.requests,
    };
    let started = Instant::now();
    eprintln!("生成数据 / generating into {} (seed {})", store.describe(), options.seed);
    let progress = |p: &GenProgress<'_>| {
        let secs = started.elapsed().as_secs_f64().max(0.001);
        let r = p.report;
        eprintln!(
            "[{}/{}] {} · {} residents · {} requests · {:.0} requests/s · {:.0} s",
            p.done,
            p.of,
            p.community,
            r.residents,
            r.year.requests,
            r.year.requests as f64 / secs,
            secs
        );
    };
    let report = store.generate(&options, &progress).await?;
    let y = report.year;
    println!("communities  {}", report.communities.len());
    println!("accounts     {} (password {})", report.accounts, linli_store::seed::DEMO_PASSWORD);
    println!("households   {}", report.households);
    println!("residents    {}", report.residents);
    println!("visits       {}", report.visits);
    println!("requests     {} ({} open)", y.requests, y.open_requests);
    println!("history rows {}", y.events);
    println!("ratings      {} ({} rectifications)", y.ratings, y.rectifications);
    println!("complaints   {}", y.complaints);
    println!("checksum     {}", report.checksum);
    if let Some(first) = report.communities.first() {
        println!("first community {first}: sign in as {first}.chuangkou1 (window) or {first}.shuji (head)");
    }
    eprintln!("完成 / done in {:.1} s", started.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}
