//! [`Sse`]: server-sent events (`text/event-stream`): [`Event`]s written as the format says,
//! and [`KeepAlive`] comments while the stream is quiet.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use serde::Serialize;

use super::content::Body;
use crate::error::{BoxError, Result};

/// One server-sent event: `event:`, `id:`, `retry:`, `data:` lines (a multi-line data is
/// split over several `data:` lines), or a comment.
#[derive(Debug, Clone, Default)]
pub struct Event {
    text: String,
    has_data: bool,
}

/// Drops CR and LF, which would end a field early (names and ids are single lines).
fn one_line(value: &str) -> String {
    value.chars().filter(|c| *c != '\n' && *c != '\r').collect()
}

impl Event {
    fn field(mut self, name: &str, value: &str) -> Self {
        self.text.push_str(name);
        self.text.push_str(": ");
        self.text.push_str(value);
        self.text.push('\n');
        self
    }

    /// The event's name (`event:`), what `addEventListener(name, …)` listens to.
    #[must_use]
    pub fn event(self, name: &str) -> Self {
        self.field("event", &one_line(name))
    }

    /// The event's id (`id:`), sent back by a reconnecting client as `Last-Event-ID`.
    #[must_use]
    pub fn id(self, id: &str) -> Self {
        self.field("id", &one_line(id))
    }

    /// How long a client waits before reconnecting (`retry:`, in milliseconds).
    #[must_use]
    pub fn retry(self, after: Duration) -> Self {
        self.field("retry", &after.as_millis().to_string())
    }

    /// Text data, one `data:` line per line of `text`.
    #[must_use]
    pub fn data(mut self, text: &str) -> Self {
        for line in text.split('\n') {
            self = self.field("data", line.strip_suffix('\r').unwrap_or(line));
        }
        self.has_data = true;
        self
    }

    /// Data as JSON (one line).
    ///
    /// # Errors
    /// [`Error::Serialize`](crate::Error::Serialize) when `value` does not serialize.
    pub fn json_data<T: Serialize>(self, value: &T) -> Result<Self> {
        Ok(self.data(&serde_json::to_string(value)?))
    }

    /// A comment line (`: text`), which clients ignore.
    #[must_use]
    pub fn comment(mut self, text: &str) -> Self {
        self.text.push_str(": ");
        self.text.push_str(&one_line(text));
        self.text.push('\n');
        self
    }

    /// The event as it goes on the wire, with the blank line that ends it.
    pub(crate) fn to_bytes(&self) -> Bytes {
        let mut text = String::with_capacity(self.text.len() + 8);
        text.push_str(&self.text);
        if text.is_empty() {
            // An empty event still ends with a blank line: a comment keeps it harmless.
            text.push_str(":\n");
        }
        text.push('\n');
        Bytes::from(text)
    }

    /// Whether the event carries data (an event without data is not dispatched by browsers).
    pub fn has_data(&self) -> bool {
        self.has_data
    }
}

/// A comment sent while the event stream is quiet, so that proxies and clients keep the
/// connection open (default: `:` every 15 seconds).
#[derive(Debug, Clone)]
pub struct KeepAlive {
    interval: Duration,
    comment: Bytes,
}

impl Default for KeepAlive {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(15),
            comment: Bytes::from_static(b":\n\n"),
        }
    }
}

impl KeepAlive {
    /// The default keep-alive.
    pub fn new() -> Self {
        Self::default()
    }

    /// How long the stream may stay quiet before a comment goes out.
    #[must_use]
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval.max(Duration::from_millis(1));
        self
    }

    /// The comment's text.
    #[must_use]
    pub fn text(mut self, text: &str) -> Self {
        self.comment = Bytes::from(format!(": {}\n\n", one_line(text)));
        self
    }
}

/// A server-sent event stream: return it from an `async` handler, and the response goes out
/// with `content-type: text/event-stream` and `cache-control: no-cache`, each event as soon as
/// the stream yields it.
///
/// ```no_run
/// use std::time::Duration;
/// use iii::{Event, Sse};
/// use futures_util::StreamExt;
///
/// #[iii::function("ticks")]
/// #[iii::http(path = "ticks", method = "GET")]
/// async fn ticks() -> Sse<impl futures_util::Stream<Item = Event> + Send> {
///     let ticks = futures_util::stream::iter(0..10).then(|n| async move {
///         tokio::time::sleep(Duration::from_millis(100)).await;
///         Event::default().event("tick").id(&n.to_string()).data(&n.to_string())
///     });
///     Sse::new(ticks)
/// }
/// # fn main() {}
/// ```
pub struct Sse<S> {
    events: S,
    keep_alive: Option<KeepAlive>,
}

impl<S> std::fmt::Debug for Sse<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sse")
            .field("keep_alive", &self.keep_alive)
            .finish_non_exhaustive()
    }
}

impl<S> Sse<S>
where
    S: Stream<Item = Event> + Send + 'static,
{
    /// The event stream `events`, without keep-alive comments.
    pub fn new(events: S) -> Self {
        Self {
            events,
            keep_alive: None,
        }
    }

    /// Sends `keep_alive`'s comment whenever the stream stays quiet for its interval.
    #[must_use]
    pub fn keep_alive(mut self, keep_alive: KeepAlive) -> Self {
        self.keep_alive = Some(keep_alive);
        self
    }

    /// The body that carries the events.
    pub(crate) fn into_body(self) -> Body {
        let events = self.events.map(|e| Ok::<_, BoxError>(e.to_bytes()));
        match self.keep_alive {
            None => Body::stream(events),
            Some(keep_alive) => Body::stream(WithKeepAlive {
                sleep: Box::pin(tokio::time::sleep(keep_alive.interval)),
                keep_alive,
                inner: Box::pin(events),
            }),
        }
    }
}

/// A stream of event bytes with the keep-alive comment in the quiet spells.
struct WithKeepAlive<S> {
    inner: Pin<Box<S>>,
    keep_alive: KeepAlive,
    sleep: Pin<Box<tokio::time::Sleep>>,
}

impl<S: Stream<Item = std::result::Result<Bytes, BoxError>>> Stream for WithKeepAlive<S> {
    type Item = std::result::Result<Bytes, BoxError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if let Poll::Ready(item) = this.inner.as_mut().poll_next(cx) {
            let next = tokio::time::Instant::now() + this.keep_alive.interval;
            this.sleep.as_mut().reset(next);
            return Poll::Ready(item);
        }
        if this.sleep.as_mut().poll(cx).is_ready() {
            let next = tokio::time::Instant::now() + this.keep_alive.interval;
            this.sleep.as_mut().reset(next);
            return Poll::Ready(Some(Ok(this.keep_alive.comment.clone())));
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_follow_the_format() {
        let e = Event::default()
            .event("tick\nx")
            .id("7")
            .retry(Duration::from_millis(1500))
            .data("a\nb");
        assert_eq!(
            e.to_bytes(),
            "event: tickx\nid: 7\nretry: 1500\ndata: a\ndata: b\n\n"
        );
        let json = Event::default()
            .json_data(&serde_json::json!({"n": 1}))
            .expect("json");
        assert_eq!(json.to_bytes(), "data: {\"n\":1}\n\n");
        assert!(json.has_data());
        assert_eq!(Event::default().comment("hi").to_bytes(), ": hi\n\n");
        assert_eq!(Event::default().to_bytes(), ":\n\n");
    }

    #[tokio::test(start_paused = true)]
    async fn quiet_streams_get_keep_alive_comments() {
        let events = futures_util::stream::pending::<Event>();
        let body = Sse::new(events)
            .keep_alive(
                KeepAlive::new()
                    .interval(Duration::from_secs(1))
                    .text("still here"),
            )
            .into_body();
        let mut chunks = body.chunks;
        let first = chunks.next().await.expect("a chunk").expect("ok");
        assert_eq!(first, ": still here\n\n");
    }
}
