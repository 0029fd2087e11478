//! A worker reaching an engine behind a TLS-terminating proxy: `wss://` through rustls with a
//! private root certificate, the bearer token (`III_TOKEN`) and extra headers on the
//! WebSocket upgrade, which the proxy sees; and no upgrade at all when the certificate is
//! not trusted, so the token never leaves in clear.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use iii::{Error, Handshake, Worker};
use iii_engine::EngineHandle;
use iii_tests::{engine, worker_config_url};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::{self, pki_types};

/// A TLS proxy on a free loopback port in front of an engine's worker port: it terminates
/// TLS, reports the head of each upgrade request, and pipes the bytes on. Stopped on drop.
struct Proxy {
    addr: SocketAddr,
    heads: mpsc::UnboundedReceiver<String>,
    task: JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A certificate for `localhost` and the acceptor serving it.
fn tls() -> (pki_types::CertificateDer<'static>, TlsAcceptor) {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("cert");
    let cert = certified.cert.der().clone();
    let key = pki_types::PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert.clone()], key.into())
        .expect("server config");
    (cert, TlsAcceptor::from(Arc::new(config)))
}

async fn proxy(engine: &EngineHandle, acceptor: TlsAcceptor) -> Proxy {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let upstream = engine.ws_addr();
    let (report, heads) = mpsc::unbounded_channel();
    let task = tokio::spawn(async move {
        let mut pipes = tokio::task::JoinSet::new();
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, report) = (acceptor.clone(), report.clone());
            pipes.spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    let _ = report.send("TLS handshake failed".to_owned());
                    return;
                };
                let mut head = Vec::new();
                while !head.ends_with(b"\r\n\r\n") && head.len() < 16 << 10 {
                    let mut byte = [0_u8; 1];
                    if tls.read_exact(&mut byte).await.is_err() {
                        return;
                    }
                    head.push(byte[0]);
                }
                let _ = report.send(String::from_utf8_lossy(&head).into_owned());
                let Ok(mut engine) = TcpStream::connect(upstream).await else {
                    return;
                };
                if engine.write_all(&head).await.is_ok() {
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut engine).await;
                }
            });
        }
    });
    Proxy { addr, heads, task }
}

fn config(proxy: &Proxy, handshake: Handshake) -> iii::WorkerConfig {
    let mut config = worker_config_url(&format!("wss://localhost:{}", proxy.addr.port()));
    config.handshake = handshake;
    config.connect_timeout = Duration::from_secs(5);
    config
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wss_through_a_tls_proxy_carries_the_token_and_headers() {
    let engine = engine().await;
    let (cert, acceptor) = tls();
    let mut proxy = proxy(&engine, acceptor).await;
    let handshake = Handshake::default()
        .token("t0k3n")
        .header("x-tenant", "acme")
        .root_certificate(cert.to_vec());
    let worker = Worker::with_config(config(&proxy, handshake));
    worker
        .register_function("echo", |v: Value| async move { Ok(v) })
        .expect("registers");
    worker.connect().await.expect("connects over wss");
    let echoed: Value = worker
        .invoke("echo", json!({"over": "tls"}))
        .await
        .expect("echo");
    assert_eq!(echoed["over"], "tls");
    worker
        .kv()
        .set("access", "k", &json!(1))
        .await
        .expect("kv over tls");

    let head = proxy.heads.recv().await.expect("the proxy saw the upgrade");
    let lower = head.to_ascii_lowercase();
    assert!(lower.starts_with("get / http/1.1\r\n"), "{head}");
    assert!(
        lower.contains("\r\nauthorization: bearer t0k3n\r\n"),
        "{head}"
    );
    assert!(lower.contains("\r\nx-tenant: acme\r\n"), "{head}");
    assert!(lower.contains("\r\nupgrade: websocket\r\n"), "{head}");
    worker.disconnect().await;
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_certificate_fails_the_connect_before_the_token_is_sent() {
    let engine = engine().await;
    let (_, acceptor) = tls();
    let mut proxy = proxy(&engine, acceptor).await;
    let mut untrusting = config(&proxy, Handshake::default().token("t0k3n"));
    // The worker keeps retrying in the background; `connect` gives up after this long.
    untrusting.connect_timeout = Duration::from_secs(1);
    let worker = Worker::with_config(untrusting);
    let failed = worker
        .connect()
        .await
        .expect_err("an unknown issuer is refused");
    assert!(matches!(failed, Error::Connect { .. }), "{failed:?}");
    let seen = proxy
        .heads
        .recv()
        .await
        .expect("the proxy reports the attempt");
    assert_eq!(seen, "TLS handshake failed");
    worker.disconnect().await;
    engine.shutdown().await;
}
