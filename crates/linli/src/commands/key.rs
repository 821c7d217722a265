//! `key rotate`: move all personal data to a new key (see docs/OPERATIONS.md).

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use linli_store::privacy::Keys;

use super::{load_db, open_migrated};
use crate::cli::KeyCommand;
use crate::config::write_new_key;

pub async fn run(file: Option<&Path>, cmd: KeyCommand) -> Result<ExitCode> {
    match cmd {
        KeyCommand::Rotate { db, new_key_file } => {
            let config = load_db(file, &db)?;
            if new_key_file.exists() {
                return Err(anyhow!(
                    "{} 已存在；新密钥文件必须是新文件 / the new key file must not exist",
                    new_key_file.display()
                ));
            }
            let old = config.keys()?;
            let store = open_migrated(&config).await?;
            write_new_key(&new_key_file)?;
            let text = std::fs::read_to_string(&new_key_file).context("reading the new key back")?;
            let new = Keys::from_base64(&text)?;
            let n = store.rotate_keys(&old, &new).await?;
            println!(
                "已用新密钥 {} 重新加密 {n} 项个人信息 / re-encrypted {n} values under key {}",
                new.id(),
                new.id()
            );
            println!(
                "下一步 / next: 把配置中的 key_file 改为 {}，重启 linli，确认无误后销毁旧密钥文件 {} / point key_file at the new file, restart, then destroy the old key",
                new_key_file.display(),
                config.key_file
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
