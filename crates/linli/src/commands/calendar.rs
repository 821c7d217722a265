//! `calendar show` and `calendar load`: the holiday schedule from the shell.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use linli_domain::calendar::{format_rules, parse_rules};

use super::user::explain;
use super::{load_db, open_migrated, operator};
use crate::cli::CalendarCommand;

pub async fn run(file: Option<&Path>, cmd: CalendarCommand) -> Result<ExitCode> {
    match cmd {
        CalendarCommand::Show { db, year } => {
            let store = open_migrated(&load_db(file, &db)?).await?;
            let cal = store.calendar().await?;
            if !cal.has_year(year) {
                eprintln!("{year} 年的节假日安排尚未导入 / no schedule loaded for {year}");
            }
            print!("{}", format_rules(cal.rules_in_year(year)));
            Ok(ExitCode::SUCCESS)
        }
        CalendarCommand::Load { db, year, file: rules_file } => {
            let text = std::fs::read_to_string(&rules_file)
                .with_context(|| format!("无法读取 / cannot read {}", rules_file.display()))?;
            let rules = parse_rules(&text).map_err(|errors| {
                let lines: Vec<String> = errors
                    .iter()
                    .map(|e| format!("  第 {} 行 / line {}: {} — {}", e.line, e.line, e.code, e.text))
                    .collect();
                anyhow!("文件有误，未导入任何内容 / nothing loaded, the file has errors:\n{}", lines.join("\n"))
            })?;
            let store = open_migrated(&load_db(file, &db)?).await?;
            let op = operator("calendar load");
            let n = store.acting(&op).replace_calendar_year(year, &rules).await.map_err(explain)?;
            println!("已替换 {year} 年安排，共 {n} 天 / replaced {year}: {n} days");
            Ok(ExitCode::SUCCESS)
        }
    }
}
