//! Dialing one end of a data channel: the worker's engine URL with the channel's path and
//! query, the worker's handshake headers (its bearer token), within its connect timeout.

use iii_protocol::http::ChannelRef;

use crate::error::Error;
use crate::transport::{Ws, dial};
use crate::worker::Worker;

/// The code of every channel failure (the peer went away, a connection failed).
const CHANNEL_FAILED: &str = "channel_failed";

/// `502 channel_failed` with `message`.
pub(crate) fn channel_error(message: impl Into<String>) -> Error {
    Error::new(CHANNEL_FAILED, 502, message)
}

/// `{base}/ws/channels/{id}?key=…&dir=…`, keeping a query the engine URL already has.
pub(super) fn url(base: &str, reference: &ChannelRef) -> String {
    let (path, query) = base.split_once('?').unwrap_or((base, ""));
    let mut parts: Vec<String> = Vec::with_capacity(3);
    if !query.is_empty() {
        parts.push(query.to_owned());
    }
    parts.push(format!("key={}", encode(&reference.access_key)));
    parts.push(format!("dir={}", encode(&reference.direction)));
    format!(
        "{}/ws/channels/{}?{}",
        path.trim_end_matches('/'),
        encode(&reference.channel_id),
        parts.join("&")
    )
}

fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Opens the socket of the end `reference` names.
///
/// # Errors
/// `channel_failed` when the engine refuses the end (unknown channel, wrong key, the end
/// taken already) or cannot be reached in time.
pub(super) async fn open(worker: &Worker, reference: &ChannelRef) -> Result<Ws, Error> {
    let config = worker.config();
    let url = url(&worker.engine_url(), reference);
    let attempt = dial(&url, &config.handshake);
    match tokio::time::timeout(config.connect_timeout, attempt).await {
        Ok(Ok(ws)) => Ok(ws),
        Ok(Err(e)) => Err(channel_error(format!(
            "cannot attach to the {} end of channel {}: {e}",
            reference.direction, reference.channel_id
        ))),
        Err(_) => Err(channel_error(format!(
            "attaching to channel {} took over {:?}",
            reference.channel_id, config.connect_timeout
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(dir: &str) -> ChannelRef {
        ChannelRef {
            channel_id: "c-1".to_owned(),
            access_key: "k y".to_owned(),
            direction: dir.to_owned(),
        }
    }

    #[test]
    fn urls_keep_the_engine_query_and_escape_the_key() {
        assert_eq!(
            url("ws://127.0.0.1:49134", &reference("read")),
            "ws://127.0.0.1:49134/ws/channels/c-1?key=k%20y&dir=read"
        );
        assert_eq!(
            url("wss://e.example/?token=t", &reference("write")),
            "wss://e.example/ws/channels/c-1?token=t&key=k%20y&dir=write"
        );
    }
}
