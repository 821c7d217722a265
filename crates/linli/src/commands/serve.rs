//! `serve` and `demo`: open and migrate the database, then answer requests until told to stop.

use std::process::ExitCode;

use anyhow::{Context, Result};
use linli_store::seed::{DEMO_PASSWORD, MAIN_COMMUNITY, demo_logins};
use linli_store::seed_register::REGISTER_GRID_WORKERS;
use linli_web::AppState;
use tokio::net::TcpListener;

use super::open_migrated;
use crate::config::Config;

pub async fn serve(config: Config, demo: bool) -> Result<ExitCode> {
    let store = open_migrated(&config).await?.with_background_recounts();
    if demo {
        if store.seed_demo().await? {
            tracing::info!(db = %store.describe(), "seeded the demo data");
        }
        // Its own step, so a demo database from before the register gains one; it does nothing
        // once the community has residents.
        let started = std::time::Instant::now();
        store.seed_demo_register().await?;
        tracing::info!(elapsed_ms = started.elapsed().as_millis() as u64, "demo register ready");
        store.seed_demo_window().await?;
        let started = std::time::Instant::now();
        store.seed_demo_year().await?;
        tracing::info!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "demo year of requests, ratings and complaints ready"
        );
        store.seed_demo_surveys().await?;
    }
    let state = AppState::new(store.clone(), config.web(demo)).await?;
    let listener = TcpListener::bind(&config.listen).await.with_context(|| {
        format!(
            "无法监听 {}：地址已被占用或无权使用，请用 --listen 换一个地址 / cannot listen on that address",
            config.listen
        )
    })?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, db = %store.describe(), "linli is listening");
    if demo {
        println!("邻里演示已启动 / linli demo is running: http://{addr}");
        println!("数据库 / database: {}", store.describe());
        println!("主演示社区 / main demo community: 榕华社区 {MAIN_COMMUNITY}");
        println!("演示账号（密码均为 {DEMO_PASSWORD}）/ demo accounts (password {DEMO_PASSWORD}):");
        for d in demo_logins() {
            let role = linli_web::t(linli_web::Lang::Zh, &format!("role.{}", d.role.as_str()));
            println!("  {:<12} {}  {role} @ {}", d.username, d.name, d.node_name);
        }
        let grid_worker = linli_web::t(linli_web::Lang::Zh, "role.grid_worker");
        for (username, name) in REGISTER_GRID_WORKERS {
            println!("  {username:<12} {name}  {grid_worker} @ 榕华社区");
        }
        println!("台账 / register: http://{addr}/register/{MAIN_COMMUNITY}");
        println!(
            "窗口 / window: http://{addr}/window/{MAIN_COMMUNITY}   办事指南 / guide: http://{addr}/guide/{MAIN_COMMUNITY}"
        );
        println!("按 Ctrl+C 停止 / press Ctrl+C to stop");
    }
    linli_web::serve(listener, state, shutdown_signal()).await.context("server stopped with an error")?;
    store.close().await;
    tracing::info!("linli stopped cleanly");
    Ok(ExitCode::SUCCESS)
}

/// Ctrl+C or SIGTERM (what service managers send): stop accepting, finish what is in flight.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
