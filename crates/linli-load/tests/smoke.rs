//! The load tool against the real server on the demo data: every operation of the default
//! mix runs for a second without an error (look-ups may meet the per-address limit).

use linli_testkit::{Engine, spawn_app};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_runs_cleanly() {
    let app = spawn_app(Engine::Sqlite).await;
    app.store().seed_demo_register().await.expect("demo register");
    app.store().seed_demo_window().await.expect("demo window");
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_linli-load"))
        .args(["--url", &app.url(""), "--concurrency", "2", "--warmup", "0", "--duration", "1", "--prefill", "3"])
        .arg("--json")
        .output()
        .await
        .expect("run linli-load");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "linli-load failed: {stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let ops = report["ops"].as_array().expect("ops");
    for name in ["create", "queue", "move", "lookup", "dashboard", "visit", "search"] {
        let op = ops.iter().find(|o| o["op"] == name).unwrap_or_else(|| panic!("{name} missing from {report}"));
        assert_eq!(op["errors"], 0, "{name}: {op}");
        let done = op["ok"].as_u64().unwrap_or(0) + op["limited"].as_u64().unwrap_or(0);
        assert!(done > 0, "{name} never ran: {op}");
    }
}
