//! `user add`, `user passwd`, `user list`: account administration from the shell. Each change
//! is made as the operator and recorded in the audit log.

use std::io::BufRead;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use linli_domain::account::UserInput;
use linli_domain::{Role, password};
use linli_store::StoreError;
use linli_store::accounts::UserQuery;

use super::{load_db, open_migrated, operator};
use crate::cli::UserCommand;

/// A store error as the operator reads it: each field problem named, in Chinese.
pub fn explain(e: StoreError) -> anyhow::Error {
    match e {
        StoreError::Invalid(inv) => {
            let lines: Vec<String> = inv
                .0
                .iter()
                .map(|f| {
                    let params: Vec<(&str, String)> = f.params.iter().map(|(k, v)| (*k, v.clone())).collect();
                    let mut msg = linli_web::t(linli_web::Lang::Zh, &format!("error.{}", f.code)).to_owned();
                    for (k, v) in params {
                        msg = msg.replace(&format!("{{{k}}}"), &v);
                    }
                    format!("  {}: {msg}", f.field)
                })
                .collect();
            anyhow!("输入有误 / invalid input:\n{}", lines.join("\n"))
        }
        StoreError::Conflict { field, .. } => {
            let label = match field {
                "username" => "用户名",
                "code" => "区划代码",
                other => other,
            };
            anyhow!("{label}已存在 / {field} already exists")
        }
        StoreError::NotFound(what) => anyhow!("找不到 {what} / not found"),
        other => anyhow!(other),
    }
}

pub async fn run(file: Option<&Path>, cmd: UserCommand) -> Result<ExitCode> {
    match cmd {
        UserCommand::Add { db, username, name, role, node, password_stdin, no_password_change } => {
            if Role::parse(&role).is_none() {
                let all: Vec<_> = Role::ALL.iter().map(|r| r.as_str()).collect();
                return Err(anyhow!("未知角色 / unknown role: {role}（可选 / one of: {}）", all.join(", ")));
            }
            let chosen = if password_stdin { Some(read_password(&username)?) } else { None };
            let store = open_migrated(&load_db(file, &db)?).await?;
            let op = operator("user add");
            let acting = store.acting(&op);
            let input = UserInput { username, display_name: name, role, node_code: node, ..Default::default() };
            let (user, initial) = acting.create_user(&input).await.map_err(explain)?;
            eprintln!(
                "已创建账户 / created: {} ({}, {} @ {})",
                user.user.username, user.user.display_name, user.user.role, user.user.node_name
            );
            match chosen {
                Some(secret) => {
                    let hash = password::hash(&secret).map_err(|e| anyhow!("password hashing failed: {e}"))?;
                    acting.set_user_password(user.user.id, &hash, !no_password_change).await.map_err(explain)?;
                }
                None => {
                    eprintln!("初始密码如下，首次登录须修改 / initial password (must be changed at first sign-in):");
                    println!("{initial}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::Passwd { db, username, password_stdin } => {
            let chosen = if password_stdin { Some(read_password(&username)?) } else { None };
            let store = open_migrated(&load_db(file, &db)?).await?;
            let user = store.user_by_username(&username).await.map_err(|e| match e {
                StoreError::NotFound(_) => anyhow!("没有这个用户 / no such user: {username}"),
                other => anyhow!(other),
            })?;
            let op = operator("user passwd");
            let acting = store.acting(&op);
            match chosen {
                Some(secret) => {
                    let hash = password::hash(&secret).map_err(|e| anyhow!("password hashing failed: {e}"))?;
                    acting.set_user_password(user.id, &hash, false).await.map_err(explain)?;
                    eprintln!("已重设 {} 的密码，其会话已全部结束 / password reset, sessions ended", user.username);
                }
                None => {
                    let initial = acting.reset_user_password(user.id).await.map_err(explain)?;
                    eprintln!("新的初始密码，首次登录须修改 / new initial password (must be changed at sign-in):");
                    println!("{initial}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::List { db } => {
            let store = open_migrated(&load_db(file, &db)?).await?;
            let op = operator("user list");
            let (users, _) = store.acting(&op).users(&UserQuery { limit: 100_000, ..Default::default() }).await?;
            for s in users {
                let u = s.user;
                let state = if u.disabled_at.is_some() { "disabled" } else { "active" };
                println!("{}\t{}\t{}\t{}\t{}\t{state}", u.username, u.display_name, u.role, u.node_code, u.node_name);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A password from stdin, checked for strength.
fn read_password(username: &str) -> Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("could not read the password from stdin")?;
    let secret = line.trim_end_matches(['\r', '\n']).to_owned();
    password::check_strength(&secret, username).map_err(|e| {
        anyhow!(
            "密码不符合要求（至少 8 位，含大写、小写、数字、符号中的三类，不含用户名）/ password too weak: {}",
            e.0.iter().map(|f| f.code).collect::<Vec<_>>().join(", ")
        )
    })?;
    Ok(secret)
}
