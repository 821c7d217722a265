//! `check`: report integrity and migration state; exit 0 only when all is well.

use std::process::ExitCode;

use anyhow::Result;

use super::open;
use crate::config::Config;

pub async fn check(config: &Config) -> Result<ExitCode> {
    let store = open(config, false).await?;
    let r = store.check().await?;
    println!("数据库 / database: {}", r.database);
    println!("已应用迁移 / applied migrations: {:?}", r.applied);
    let mut healthy = true;
    let mut problem = |zh: &str, en: &str, items: &[String]| {
        if !items.is_empty() {
            healthy = false;
            println!("✗ {zh} / {en}:");
            for i in items {
                println!("    {i}");
            }
        }
    };
    let versions = |v: &[i64]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    problem("完整性问题", "integrity problems", &r.integrity_problems);
    problem("待执行的迁移（运行 linli migrate）", "pending migrations (run linli migrate)", &versions(&r.pending));
    problem("发布后被修改的迁移", "migrations changed after release", &versions(&r.modified));
    problem(
        "本程序不认识的迁移（数据库来自更新版本）",
        "migrations unknown to this binary (newer database)",
        &versions(&r.unknown),
    );
    problem("未完成的迁移", "migrations that did not finish", &versions(&r.failed));
    if healthy {
        println!("✓ 数据库完好，结构为最新 / database is sound and up to date");
        Ok(ExitCode::SUCCESS)
    } else {
        Ok(ExitCode::FAILURE)
    }
}
