//! The import target of the register issue: 100,000 rows in under 10 seconds.
//!
//! `cargo bench -p linli-web --bench import` (optimised build). Starts the real server on a
//! fresh database of each engine (PostgreSQL from `LINLI_TEST_PG_URL`, as the tests), uploads a
//! generated 100,000-row workbook through the API, and prints how long the check and the
//! import took, and the process's peak memory. `BENCH_ROWS` changes the size.

use std::time::Instant;

use linli_store::Actor;
use linli_testkit::register::{register_rows, workbook};
use linli_testkit::{Engine, spawn_app};

const MAIN: &str = "350103001001";
const BUILDINGS: usize = 200;

/// Peak resident memory of this process so far, from /proc (Linux).
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_owned))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
        .map_or(0.0, |kb| kb / 1024.0)
}

async fn run(engine: Engine, rows: usize, file: &[u8]) {
    let app = spawn_app(engine).await;
    let sys = Actor::system("bench");
    let a = app.store().acting(&sys);
    let main = linli_testkit::code(MAIN);
    for b in 1..=BUILDINGS {
        a.save_building(main, None, &format!("测试小区{b}号楼"), "", None).await.expect("building");
    }
    let c = app.client();
    let csrf = app.sign_in(&c, "shuji").await;
    let url = |commit: bool| {
        app.url(&format!("/api/v1/communities/{MAIN}/register/import?commit={commit}&filename=bench.xlsx"))
    };

    let t = Instant::now();
    let r = c.post(url(false)).header("x-csrf-token", &csrf).body(file.to_vec()).send().await.expect("check");
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    let check = t.elapsed();

    let t = Instant::now();
    let r = c.post(url(true)).header("x-csrf-token", &csrf).body(file.to_vec()).send().await.expect("import");
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    let import = t.elapsed();
    let v: serde_json::Value = r.json().await.expect("json");
    assert_eq!(v["imported"]["created"].as_u64(), Some(rows as u64));

    let t = Instant::now();
    let r = c
        .get(app.url(&format!("/api/v1/communities/{MAIN}/residents?q=wangweiwei&limit=50")))
        .send()
        .await
        .expect("search");
    assert_eq!(r.status(), 200);
    let search = t.elapsed();
    println!(
        "{engine:?}: {rows} rows — check {:.2} s, check + import {:.2} s, a pinyin search afterwards {:.0} ms; peak memory so far {:.0} MiB",
        check.as_secs_f64(),
        import.as_secs_f64(),
        search.as_secs_f64() * 1000.0,
        peak_rss_mib()
    );
}

#[tokio::main]
async fn main() {
    let rows: usize = std::env::var("BENCH_ROWS").ok().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let t = Instant::now();
    let file = workbook(&register_rows(rows, BUILDINGS));
    println!(
        "generated a {rows}-row workbook ({:.1} MiB) in {:.1} s",
        file.len() as f64 / 1048576.0,
        t.elapsed().as_secs_f64()
    );
    for engine in [Engine::Sqlite, Engine::Postgres] {
        run(engine, rows, &file).await;
    }
}
