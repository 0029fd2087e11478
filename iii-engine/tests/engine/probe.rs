//! A real HTTP server on a free loopback port (hyper's), the target of HTTP-invoked functions:
//! it records every request it gets and answers as the test tells it.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response, StatusCode, Uri};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::common::WAIT;

/// What the probe answers every request with.
#[derive(Clone)]
pub struct Answer {
    pub status: u16,
    pub body: &'static str,
    /// How long it waits before answering.
    pub delay: Duration,
}

impl Answer {
    /// `200` with a JSON body.
    pub fn json(body: &'static str) -> Self {
        Self {
            status: 200,
            body,
            delay: Duration::ZERO,
        }
    }
}

/// One request the probe got.
#[derive(Debug)]
pub struct Seen {
    pub method: Method,
    pub uri: Uri,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// The server; stopped when dropped.
pub struct Probe {
    pub addr: SocketAddr,
    seen: mpsc::UnboundedReceiver<Seen>,
    server: JoinHandle<()>,
}

impl Probe {
    /// Starts a probe that answers every request with `answer`.
    pub async fn start(answer: Answer) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("probe bound");
        let addr = listener.local_addr().expect("probe address");
        let (tx, seen) = mpsc::unbounded_channel();
        let server = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (tx, answer) = (tx.clone(), answer.clone());
                tokio::spawn(async move {
                    let svc = service_fn(move |req: Request<Incoming>| {
                        let (tx, answer) = (tx.clone(), answer.clone());
                        async move {
                            let (parts, body) = req.into_parts();
                            let body = body.collect().await.map(|b| b.to_bytes());
                            let _ = tx.send(Seen {
                                method: parts.method,
                                uri: parts.uri,
                                headers: parts.headers,
                                body: body.unwrap_or_default(),
                            });
                            tokio::time::sleep(answer.delay).await;
                            let mut resp = Response::new(Full::new(Bytes::from(answer.body)));
                            *resp.status_mut() =
                                StatusCode::from_u16(answer.status).expect("a status");
                            Ok::<_, Infallible>(resp)
                        }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        Self { addr, seen, server }
    }

    /// The URL of `path` on this probe.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The next request it got.
    pub async fn next(&mut self) -> Seen {
        tokio::time::timeout(WAIT, self.seen.recv())
            .await
            .expect("a request within the wait")
            .expect("the probe runs")
    }

    /// Whether a request arrives within `wait`.
    pub async fn got_one_within(&mut self, wait: Duration) -> bool {
        tokio::time::timeout(wait, self.seen.recv()).await.is_ok()
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        self.server.abort();
    }
}
