//! The `linli` command: parse the command line, load the configuration, run a command, and
//! turn any failure into a clear message and a non-zero exit code (never a panic trace).
#![forbid(unsafe_code)]

mod cli;
mod commands;
pub mod config;
mod logging;

use std::process::ExitCode;

use clap::Parser;

pub use cli::Cli;

/// Runs the command line given to the process.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("错误：无法启动运行时 / cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误 / error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  原因 / cause: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}
