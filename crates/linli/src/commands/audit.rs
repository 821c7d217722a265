//! `audit verify`: recompute every hash chain of the audit log.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;

use super::{load_db, open};
use crate::cli::AuditCommand;

pub async fn run(file: Option<&Path>, cmd: AuditCommand) -> Result<ExitCode> {
    match cmd {
        AuditCommand::Verify { db } => {
            let store = open(&load_db(file, &db)?, false).await?;
            let v = store.verify_audit().await?;
            println!("审计链 / chains: {}，条目 / entries: {}", v.chains, v.entries);
            println!("锚点 / anchor: {}（请另行保存，用于日后比对 / keep it outside the database）", v.anchor);
            if v.broken.is_empty() {
                println!("✓ 审计日志完整，未被篡改 / the audit log verifies");
                Ok(ExitCode::SUCCESS)
            } else {
                println!("✗ 审计日志被改动 / the audit log has been tampered with:");
                for b in &v.broken {
                    println!("    {} #{}: {}", b.chain, b.seq, b.reason);
                }
                Ok(ExitCode::FAILURE)
            }
        }
    }
}
