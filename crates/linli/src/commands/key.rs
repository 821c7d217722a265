//! `key rotate`: move all personal data to a new key (see docs/OPERATIONS.md).

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use linli_store::privacy::Keys;

use super::user::explain;
use super::{load_db, open_migrated, operator};
use crate::cli::KeyCommand;
use crate::config::write_new_key;

pub async fn run(file: Option<&Path>, cmd: KeyCommand) -> Result<ExitCode> {
    match cmd {
        KeyCommand::Rotate { db, new_key_file } => {
            let config = load_db(file, &db)?;
            let store = open_migrated(&config).await?;
            let old = config.keys(store.key_fingerprint().await?.as_deref())?;
            // An existing new-key file is used as it is, so a failed run is repeated with the
            // same new key instead of making another.
            if !new_key_file.exists() {
                write_new_key(&new_key_file)?;
            }
            let text = std::fs::read_to_string(&new_key_file).context("reading the new key")?;
            let new = Keys::from_base64(&text).map_err(|e| anyhow!("{}: {e}", new_key_file.display()))?;
            if new.id() == old.id() {
                return Err(anyhow!("新密钥与当前密钥相同 / the new key is the current key"));
            }
            let n = store.rotate_keys(&operator("key rotate"), &old, &new).await.map_err(explain)?;
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
