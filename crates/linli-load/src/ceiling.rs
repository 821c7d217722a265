//! The same `create` and `queue` against `linli-ceiling`, so both figures come from one tool.

use reqwest::{Client, StatusCode};
use serde_json::json;

use crate::Op;
use crate::report::Outcome;
use crate::rng::Rng;

pub struct Ceiling {
    client: Client,
    base: String,
    communities: Vec<String>,
    queue_state: String,
}

impl Ceiling {
    pub fn new(client: Client, base: &str, communities: Vec<String>, queue_state: &str) -> Ceiling {
        Ceiling { client, base: base.to_owned(), communities, queue_state: queue_state.to_owned() }
    }

    pub async fn run(&self, op: Op, rng: &mut Rng) -> Outcome {
        let Some(community) = rng.choose(&self.communities) else { return Outcome::Skipped };
        let url = format!("{}/communities/{community}/requests", self.base);
        let (rb, want) = match op {
            Op::Create => {
                // The same body size as linli's create, give or take the item id.
                let body = json!({
                    "item_name": "居住证明",
                    "applicant_name": "王秀英",
                    "applicant_phone": format!("139{:08}", rng.below(100_000_000)),
                    "address": "江滨中大道 88 号 3 栋 502",
                    "description": "压力测试 / load test",
                });
                (self.client.post(url).json(&body), StatusCode::CREATED)
            }
            Op::Queue => (self.client.get(format!("{url}?state={}&limit=20", self.queue_state)), StatusCode::OK),
            _ => return Outcome::Skipped,
        };
        let r = match rb.send().await {
            Ok(r) => r,
            Err(e) => return Outcome::Error(format!("{}: {e}", op.name())),
        };
        let status = r.status();
        let body = r.text().await.unwrap_or_default();
        if status == want {
            Outcome::Ok
        } else {
            Outcome::Error(format!("{}: HTTP {status}: {}", op.name(), body.chars().take(200).collect::<String>()))
        }
    }
}
