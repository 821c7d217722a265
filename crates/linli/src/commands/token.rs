//! `token add`, `token list`, `token revoke`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Result, anyhow};
use linli_domain::DivisionCode;

use super::user::explain;
use super::{load_db, open_migrated, operator};
use crate::cli::TokenCommand;

pub async fn run(file: Option<&Path>, cmd: TokenCommand) -> Result<ExitCode> {
    match cmd {
        TokenCommand::Add { db, node, scopes, name, days } => {
            let node = DivisionCode::parse(&node)
                .map_err(|_| anyhow!("区划代码应为 12 位数字 / invalid division code: {node}"))?;
            let store = open_migrated(&load_db(file, &db)?).await?;
            let op = operator("token add");
            let (token, secret) = store.acting(&op).create_token(&name, node, &scopes, days).await.map_err(explain)?;
            eprintln!(
                "已创建令牌 / created token {} ({}) @ {}: {}",
                token.id,
                token.name,
                token.node_code,
                token.scopes.join(" ")
            );
            println!("{secret}");
            Ok(ExitCode::SUCCESS)
        }
        TokenCommand::List { db } => {
            let store = open_migrated(&load_db(file, &db)?).await?;
            let op = operator("token list");
            for t in store.acting(&op).tokens().await? {
                let state = if t.revoked_at.is_some() { "revoked" } else { "active" };
                let expires = t.expires_at.map(|e| e.date().to_string()).unwrap_or_else(|| "-".into());
                println!("{}\t{}\t{}\t{}\t{expires}\t{state}", t.id, t.name, t.node_code, t.scopes.join(" "));
            }
            Ok(ExitCode::SUCCESS)
        }
        TokenCommand::Revoke { db, id } => {
            let id = uuid::Uuid::parse_str(id.trim()).map_err(|_| anyhow!("令牌编号无效 / not a token id: {id}"))?;
            let store = open_migrated(&load_db(file, &db)?).await?;
            let op = operator("token revoke");
            store.acting(&op).revoke_token(id).await.map_err(explain)?;
            eprintln!("已吊销 / revoked {id}");
            Ok(ExitCode::SUCCESS)
        }
    }
}
