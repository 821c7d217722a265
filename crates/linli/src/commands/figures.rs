//! `linli figures check|rebuild`: the per-community day counts behind the dashboards, compared
//! with or recomputed from the records (after restoring a backup, or editing the database by hand).

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;

use super::{load_db, open_migrated};
use crate::cli::FiguresCommand;
use crate::logging;

pub async fn run(file: Option<&Path>, cmd: FiguresCommand) -> Result<ExitCode> {
    let (db, rebuild) = match &cmd {
        FiguresCommand::Check { db } => (db, false),
        FiguresCommand::Rebuild { db } => (db, true),
    };
    let config = load_db(file, db)?;
    logging::init(&config.log_format, "warn");
    let store = open_migrated(&config).await?;
    let started = Instant::now();
    if rebuild {
        let n = store.rebuild_all_figures().await?;
        println!(
            "已重算 {n} 个社区的计数 / rebuilt the counts of {n} communities in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let wrong = store.check_figures().await?;
    if wrong.is_empty() {
        println!("✓ 计数与原始记录一致 / the counts agree with the records ({:.1} s)", started.elapsed().as_secs_f64());
        return Ok(ExitCode::SUCCESS);
    }
    println!("✗ {} 天的计数与原始记录不一致 / days whose counts differ from the records:", wrong.len());
    for m in wrong.iter().take(50) {
        if let Some(id) = m.complaint {
            println!(
                "    {} {}  投诉 complaint {id}: 是否已答复与其历史不符 / answered or not, unlike its history",
                m.community, m.day
            );
            continue;
        }
        println!("    {} {}  stored  {:?}", m.community, m.day, m.stored);
        println!("    {} {}  recount {:?}", m.community, m.day, m.recounted);
    }
    println!("运行 linli figures rebuild 重算 / run `linli figures rebuild` to recompute them");
    Ok(ExitCode::FAILURE)
}
