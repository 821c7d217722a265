//! `user add`, `user passwd`, `user list`: account administration from the shell.

use std::io::BufRead;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use linli_domain::{DivisionCode, Role, Username, account, password};
use linli_store::user::NewUser;

use super::{load_db, open_migrated};
use crate::cli::UserCommand;

pub async fn run(file: Option<&Path>, cmd: UserCommand) -> Result<ExitCode> {
    match cmd {
        UserCommand::Add { db, username, name, role, node, password_stdin, no_password_change } => {
            let config = load_db(file, &db)?;
            let username = Username::parse(&username).map_err(|_| {
                anyhow!("用户名无效：应为 3–32 个小写字母、数字或 _ . - / invalid username: {username}")
            })?;
            let name =
                account::display_name(&name).map_err(|_| anyhow!("姓名不能为空且不超过 40 字 / invalid name"))?;
            let role = Role::parse(&role).ok_or_else(|| {
                let all: Vec<_> = Role::ALL.iter().map(|r| r.as_str()).collect();
                anyhow!("未知角色 / unknown role: {role}（可选 / one of: {}）", all.join(", "))
            })?;
            let node = DivisionCode::parse(&node)
                .map_err(|_| anyhow!("区划代码应为 12 位数字 / invalid division code: {node}"))?;
            let (secret, generated) = new_password(password_stdin, username.as_str())?;
            let store = open_migrated(&config).await?;
            let hash = password::hash(&secret).map_err(|e| anyhow!("password hashing failed: {e}"))?;
            let must_change = generated || !no_password_change;
            let user = store
                .create_user(&NewUser {
                    username,
                    display_name: name,
                    role,
                    node_code: node,
                    password_hash: hash,
                    must_change_password: must_change,
                })
                .await
                .map_err(|e| match e {
                    linli_store::StoreError::Conflict { .. } => {
                        anyhow!("用户名已存在 / username already exists")
                    }
                    linli_store::StoreError::NotFound(_) => {
                        anyhow!("区划 {node} 不存在，请先建立该节点 / node {node} does not exist")
                    }
                    other => anyhow!(other),
                })?;
            eprintln!(
                "已创建账户 / created: {} ({}, {} @ {})",
                user.username, user.display_name, user.role, user.node_name
            );
            if generated {
                eprintln!("初始密码如下，首次登录须修改 / initial password (must be changed at first sign-in):");
                println!("{secret}");
            }
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::Passwd { db, username, password_stdin } => {
            let config = load_db(file, &db)?;
            let store = open_migrated(&config).await?;
            let user = store.user_by_username(&username).await.map_err(|e| match e {
                linli_store::StoreError::NotFound(_) => {
                    anyhow!("没有这个用户 / no such user: {username}")
                }
                other => anyhow!(other),
            })?;
            let (secret, generated) = new_password(password_stdin, &user.username)?;
            let hash = password::hash(&secret).map_err(|e| anyhow!("password hashing failed: {e}"))?;
            store.set_password(user.id, &hash, generated).await?;
            let ended = store.delete_user_sessions(user.id, None).await?;
            eprintln!(
                "已重设 {} 的密码，结束了 {ended} 个会话 / password reset, {ended} sessions ended",
                user.username
            );
            if generated {
                eprintln!("新的初始密码，首次登录须修改 / new initial password (must be changed at sign-in):");
                println!("{secret}");
            }
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::List { db } => {
            let config = load_db(file, &db)?;
            let store = open_migrated(&config).await?;
            for root in store.root_nodes().await? {
                for u in store.users_under(root.code).await? {
                    let state = if u.disabled_at.is_some() { "disabled" } else { "active" };
                    println!(
                        "{}\t{}\t{}\t{}\t{}\t{state}",
                        u.username, u.display_name, u.role, u.node_code, u.node_name
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The password from stdin (checked for strength), or a generated one.
fn new_password(from_stdin: bool, username: &str) -> Result<(String, bool)> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).context("could not read the password from stdin")?;
        let secret = line.trim_end_matches(['\r', '\n']).to_owned();
        password::check_strength(&secret, username).map_err(|e| {
            anyhow!(
                "密码不符合要求（至少 8 位，含大写、小写、数字、符号中的三类，不含用户名）/ password too weak: {}",
                e.0.iter().map(|f| f.code).collect::<Vec<_>>().join(", ")
            )
        })?;
        Ok((secret, false))
    } else {
        let token = linli_store::secret::random_token();
        // Random letters and digits, plus one of each class so the strength rule always holds.
        Ok((format!("Lx{}#7", &token[..12].replace(['-', '_'], "k")), true))
    }
}
