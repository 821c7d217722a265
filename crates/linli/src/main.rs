//! `linli`: see `linli --help`. Everything lives in the library; this file only runs it.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    linli::run()
}
