//! One request of an HTTP-invoked function: a fresh HTTP/1.1 connection (hyper's client) to
//! one of the addresses the URL policy checked, the request, and the answer read up to a
//! size limit. There is no connection pool: the addresses are resolved and checked for every
//! request, and a development engine's HTTP functions are not its hot path.

use std::net::SocketAddr;

use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use iii_protocol::ErrorBody;
use tokio::net::TcpStream;

/// The request failed before an answer came (the real engine's code).
const REQUEST_FAILED: &str = "http_request_failed";
/// The answer could not be read (the real engine's code).
const RESPONSE_FAILED: &str = "http_response_failed";

/// An answer, read whole.
pub(super) struct Answer {
    pub(super) status: StatusCode,
    pub(super) body: Bytes,
}

/// Sends `request` over a connection to the first of `addrs` that accepts one, and reads the
/// answer's body, refusing one over `max_body` bytes. The caller bounds the time it takes.
pub(super) async fn send(
    addrs: &[SocketAddr],
    request: Request<Full<Bytes>>,
    max_body: usize,
) -> Result<Answer, ErrorBody> {
    let url = request.uri().to_string();
    let failed = |why: String| ErrorBody::new(REQUEST_FAILED, format!("{url}: {why}"));
    let stream = connect(addrs).await.map_err(|e| failed(e.to_string()))?;
    let (mut sender, conn) = http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| failed(e.to_string()))?;
    let exchange = async {
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| failed(e.to_string()))?;
        let status = response.status();
        let body = Limited::new(response.into_body(), max_body)
            .collect()
            .await
            .map_err(|e| {
                ErrorBody::new(
                    RESPONSE_FAILED,
                    format!("{url}: the answer's body could not be read ({e}; at most {max_body} bytes are)"),
                )
            })?
            .to_bytes();
        Ok(Answer { status, body })
    };
    let mut exchange = std::pin::pin!(exchange);
    let mut conn = std::pin::pin!(conn);
    // The connection must be driven while the exchange runs. Both branches are polled through
    // pinned futures, so losing the race cancels nothing: when the connection ends first, the
    // exchange is awaited on, and finishes with what the connection delivered (or its error).
    tokio::select! {
        answer = &mut exchange => answer,
        ended = &mut conn => match ended {
            Ok(()) => exchange.await,
            Err(e) => Err(failed(e.to_string())),
        },
    }
}

async fn connect(addrs: &[SocketAddr]) -> std::io::Result<TcpStream> {
    let mut last = None;
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(stream) => {
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no address to connect to")))
}
