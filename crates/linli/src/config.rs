//! Configuration: command-line flags, then `LINLI_*` environment variables, then a TOML file,
//! then the defaults below. See `docs/OPERATIONS.md` for every setting.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// A SQLite file path or a `postgres://` URL.
    pub db: String,
    /// Address and port to listen on.
    pub listen: String,
    /// `text` for people, `json` for log collectors.
    pub log_format: String,
    /// A `tracing` filter such as `info` or `linli_web=debug,info`.
    pub log_level: String,
    /// Users reach linli over HTTPS (cookies get `Secure`, HSTS is sent).
    pub https: bool,
    /// linli runs behind a reverse proxy that sets `X-Forwarded-For`.
    pub trust_proxy: bool,
    /// Serve `/metrics` to any address, not only loopback.
    pub metrics_public: bool,
    pub session_idle_minutes: u32,
    pub session_hours: u32,
    pub lockout_threshold: u32,
    pub lockout_minutes: u32,
    /// Database connections in the pool.
    pub max_connections: u32,
    /// The file holding the key that encrypts personal data (created on first start).
    pub key_file: String,
    /// The key itself, base64 (instead of `key_file`; e.g. from a secret store via LINLI_SECRET_KEY).
    pub secret_key: Option<String>,
    /// The address users type, e.g. `https://linli.example.cn` (for the same-origin check).
    pub public_url: Option<String>,
    /// Password attempts per minute per client address.
    pub sign_in_per_minute: u32,
    /// Requests without sign-in per minute per client address.
    pub public_per_minute: u32,
    /// Minutes after entering the password during which sensitive actions need no re-entry.
    pub reauth_minutes: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            db: "linli.db".into(),
            listen: "127.0.0.1:8080".into(),
            log_format: "text".into(),
            log_level: "info".into(),
            https: false,
            trust_proxy: false,
            metrics_public: false,
            session_idle_minutes: 30,
            session_hours: 12,
            lockout_threshold: 5,
            lockout_minutes: 15,
            max_connections: 8,
            key_file: "linli.key".into(),
            secret_key: None,
            public_url: None,
            sign_in_per_minute: 20,
            public_per_minute: 300,
            reauth_minutes: 15,
        }
    }
}

const FIELDS: [&str; 18] = [
    "db",
    "listen",
    "log_format",
    "log_level",
    "https",
    "trust_proxy",
    "metrics_public",
    "session_idle_minutes",
    "session_hours",
    "lockout_threshold",
    "lockout_minutes",
    "max_connections",
    "key_file",
    "secret_key",
    "public_url",
    "sign_in_per_minute",
    "public_per_minute",
    "reauth_minutes",
];

/// What the command line said, for the fields it can set.
#[derive(Debug, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub db: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
}

impl Config {
    /// Loads the layers. `file` is `--config`; without it, `./linli.toml` is read if present.
    /// `defaults` lets `demo` start from its own defaults (demo database file).
    pub fn load(file: Option<&Path>, defaults: Config, overrides: Overrides) -> Result<Config> {
        let mut fig = Figment::from(Serialized::defaults(defaults));
        match file {
            Some(path) => {
                if !path.exists() {
                    anyhow::bail!("配置文件不存在：{} / configuration file not found", path.display());
                }
                fig = fig.merge(Toml::file_exact(path));
            }
            None => {
                let default = PathBuf::from("linli.toml");
                if default.exists() {
                    fig = fig.merge(Toml::file_exact(default));
                }
            }
        }
        fig = fig.merge(Env::prefixed("LINLI_").only(&FIELDS)).merge(Serialized::defaults(overrides));
        let config: Config = fig.extract().map_err(|e| anyhow::anyhow!("配置有误 / invalid configuration: {e}"))?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<()> {
        self.listen
            .parse::<std::net::SocketAddr>()
            .with_context(|| format!("监听地址无效：{}（应如 127.0.0.1:8080）/ invalid listen address", self.listen))?;
        if !matches!(self.log_format.as_str(), "text" | "json") {
            anyhow::bail!("log_format 只能是 text 或 json / log_format must be text or json: {}", self.log_format);
        }
        if self.session_idle_minutes == 0
            || self.session_hours == 0
            || self.lockout_threshold == 0
            || self.max_connections == 0
        {
            anyhow::bail!(
                "session_idle_minutes、session_hours、lockout_threshold、max_connections 必须大于 0 / must be positive"
            );
        }
        Ok(())
    }

    pub fn web(&self, demo: bool) -> linli_web::WebConfig {
        use time::Duration;
        linli_web::WebConfig {
            session_idle: Duration::minutes(i64::from(self.session_idle_minutes)),
            session_lifetime: Duration::hours(i64::from(self.session_hours)),
            https: self.https,
            demo,
            trust_proxy: self.trust_proxy,
            metrics_public: self.metrics_public,
            lockout_threshold: i32::try_from(self.lockout_threshold).unwrap_or(i32::MAX),
            lockout_duration: Duration::minutes(i64::from(self.lockout_minutes)),
            public_url: self.public_url.clone(),
            sign_in_rate: linli_web::Rate {
                per_minute: self.sign_in_per_minute,
                burst: self.sign_in_per_minute.div_ceil(2),
            },
            public_rate: linli_web::Rate {
                per_minute: self.public_per_minute,
                burst: self.public_per_minute.div_ceil(3),
            },
            reauth_window: Duration::minutes(i64::from(self.reauth_minutes)),
        }
    }

    /// The key for personal data: `secret_key`, or the key file. The file is created (readable
    /// by the owner only) only for a database that has no encrypted data yet; if the database
    /// already names a key (`fingerprint`) and the file is missing, that is an error to fix by
    /// restoring the file — a new key could not read the existing data.
    pub fn keys(&self, fingerprint: Option<&str>) -> Result<linli_store::privacy::Keys> {
        use linli_store::privacy::Keys;
        if let Some(k) = &self.secret_key {
            return Keys::from_base64(k).map_err(|e| anyhow::anyhow!("secret_key: {e}"));
        }
        let path = Path::new(&self.key_file);
        if !path.exists() {
            if let Some(id) = fingerprint {
                anyhow::bail!(
                    "密钥文件 {} 不存在，但数据库中的个人信息由密钥 {id} 加密：请从备份恢复该密钥文件（或用 key_file 指向它），不要新建 / the key file is missing; restore it from backup",
                    path.display()
                );
            }
            write_new_key(path)?;
            tracing::warn!(file = %path.display(), "created a new key for personal data: back it up separately from the database — without it encrypted fields cannot be read");
        }
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("无法读取密钥文件 {} / cannot read the key file", path.display()))?;
        Keys::from_base64(&text)
            .map_err(|e| anyhow::anyhow!("密钥文件 {} 无效 / invalid key file: {e}", path.display()))
    }

    pub fn pool(&self, create_sqlite: bool) -> linli_store::PoolOptions {
        linli_store::PoolOptions { max_connections: self.max_connections, create_sqlite, ..Default::default() }
    }
}

/// Writes a new random key to `path`, readable by its owner only; refuses to overwrite.
pub fn write_new_key(path: &Path) -> Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options
        .open(path)
        .with_context(|| format!("无法创建密钥文件 {} / cannot create the key file", path.display()))?;
    writeln!(f, "{}", linli_store::privacy::Keys::generate())?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment's Jail closures return its (large) error type
mod tests {
    use super::*;

    #[test]
    fn flags_beat_environment_beat_file() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("linli.toml", "db = \"from-file.db\"\nlisten = \"127.0.0.1:9000\"\nsession_hours = 4")?;
            jail.set_env("LINLI_LISTEN", "127.0.0.1:9100");
            jail.set_env("LINLI_TEST_PG_URL", "postgres://ignored");
            let c = Config::load(None, Config::default(), Overrides { db: Some("flag.db".into()), listen: None })
                .map_err(|e| e.to_string())?;
            assert_eq!((c.db.as_str(), c.listen.as_str(), c.session_hours), ("flag.db", "127.0.0.1:9100", 4));
            Ok(())
        });
    }

    #[test]
    fn unknown_keys_and_bad_values_are_refused_with_a_reason() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("typo.toml", "lisen = \"127.0.0.1:1\"")?;
            let e = Config::load(Some(Path::new("typo.toml")), Config::default(), Overrides::default()).unwrap_err();
            assert!(e.to_string().contains("lisen"), "{e}");
            jail.create_file("bad.toml", "listen = \"nowhere\"")?;
            let e = Config::load(Some(Path::new("bad.toml")), Config::default(), Overrides::default()).unwrap_err();
            assert!(e.to_string().contains("监听地址无效"), "{e}");
            let e = Config::load(Some(Path::new("missing.toml")), Config::default(), Overrides::default()).unwrap_err();
            assert!(e.to_string().contains("配置文件不存在"), "{e}");
            Ok(())
        });
    }
}
