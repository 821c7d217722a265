//! A headless Chromium driven over WebDriver (Debian's `chromium` and `chromium-driver`).
//!
//! `chromedriver --port=0` picks a free port itself and prints it, so nothing probes for
//! ports and nothing sleeps: we read the line and connect.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub struct Browser {
    pub client: Client,
    _driver: Child,
}

/// Desktop window or a phone-sized viewport (360 × 780, like the design's smallest phone).
#[derive(Debug, Clone, Copy)]
pub enum Viewport {
    Desktop,
    Phone,
}

impl Browser {
    pub async fn start(viewport: Viewport) -> Browser {
        let mut driver = Command::new("chromedriver")
            .arg("--port=0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("chromedriver is needed for browser tests (apt-get install chromium chromium-driver, or run scripts/test): {e}"));
        let stdout = driver.stdout.take().expect("chromedriver stdout");
        let mut lines = BufReader::new(stdout).lines();
        let port = tokio::time::timeout(Duration::from_secs(20), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(rest) = line.split("started successfully on port ").nth(1) {
                    return rest.trim_end_matches('.').trim().parse::<u16>().ok();
                }
            }
            None
        })
        .await
        .ok()
        .flatten()
        .expect("chromedriver did not report its port");

        let mut args = vec![
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--lang=zh-CN",
        ];
        let mut options = json!({ "binary": chromium_binary(), "args": [] });
        match viewport {
            Viewport::Desktop => args.push("--window-size=1366,900"),
            Viewport::Phone => {
                options["mobileEmulation"] =
                    json!({ "deviceMetrics": { "width": 360, "height": 780, "pixelRatio": 2.0, "touch": true } });
            }
        }
        options["args"] = json!(args);
        let mut caps = serde_json::Map::new();
        caps.insert("goog:chromeOptions".into(), options);
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("start a Chromium session");
        Browser { client, _driver: driver }
    }

    /// Saves a PNG of the viewport under `test-output/screenshots/`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("screenshot");
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).expect("screenshot directory");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write screenshot");
        path
    }

    /// Saves the page as the browser prints it (A4, print stylesheet) as a PDF beside the
    /// screenshots, to look at the printed form of a page.
    pub async fn print_pdf(&self, name: &str) -> PathBuf {
        let pdf = self.client.print(fantoccini::wd::PrintConfiguration::default()).await.expect("print");
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).expect("screenshot directory");
        let path = dir.join(format!("{name}.pdf"));
        std::fs::write(&path, pdf).expect("write the printed page");
        path
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}

fn chromium_binary() -> String {
    for p in ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"] {
        if Path::new(p).exists() {
            return p.to_owned();
        }
    }
    "chromium".to_owned()
}

/// `<workspace>/test-output/screenshots`, whatever crate the test runs in.
pub fn screenshot_dir() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().and_then(Path::parent).unwrap_or(&manifest).join("test-output").join("screenshots")
}
