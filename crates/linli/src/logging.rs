//! Structured logs on stderr: readable text by default, JSON lines for collectors.

use tracing_subscriber::EnvFilter;

/// `RUST_LOG`, when set, overrides the configured level.
pub fn init(format: &str, level: &str) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false);
    let result = if format == "json" { builder.json().try_init() } else { builder.try_init() };
    // A second init (tests) keeps the first subscriber; nothing else can fail here.
    drop(result);
}
