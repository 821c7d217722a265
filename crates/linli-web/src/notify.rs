//! Delivering the outbox: every few seconds the messages written beside each status change are
//! handed to the configured sender. The default sender writes them to the log (recipient
//! masked); an SMS or WeChat gateway is another [`Sender`].

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use linli_domain::ids::mask_phone;
use linli_store::Store;
use linli_store::window::Outgoing;

/// Something that can deliver a message; errors are kept on the message and retried.
pub trait Sender: Send + Sync {
    fn send<'a>(&'a self, m: &'a Outgoing) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;
}

/// Writes each message to the log instead of sending it.
pub struct LogSender;

impl Sender for LogSender {
    fn send<'a>(&'a self, m: &'a Outgoing) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>> {
        Box::pin(async move {
            tracing::info!(channel = %m.channel, to = %mask_phone(&m.recipient), body = %m.body, "notification (log sender)");
            Ok(())
        })
    }
}

/// Hands up to `batch` pending messages to `sender`; returns how many were delivered.
pub async fn deliver(store: &Store, sender: &dyn Sender, batch: i64) -> usize {
    let pending = match store.pending_messages(batch).await {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(error = %e, "could not read the notification outbox; will retry");
            return 0;
        }
    };
    let mut sent = 0;
    for m in &pending {
        let result = sender.send(m).await;
        if let Err(e) = &result {
            tracing::warn!(id = %m.id, attempt = m.attempts + 1, error = %e, "a notification could not be sent; it will be retried");
        }
        match store.message_done(m.id, result.as_ref().err().map(String::as_str)).await {
            Ok(()) if result.is_ok() => sent += 1,
            Ok(()) => {}
            Err(e) => tracing::warn!(id = %m.id, error = %e, "could not record a notification's delivery"),
        }
    }
    sent
}

/// Runs [`deliver`] every five seconds until the server stops.
pub async fn run(store: Store, sender: Box<dyn Sender>) {
    let mut every = tokio::time::interval(Duration::from_secs(5));
    loop {
        every.tick().await;
        deliver(&store, sender.as_ref(), 100).await;
    }
}
