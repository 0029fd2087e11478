//! Helpers for the integration tests: an engine on free ports, a worker connected to it, and a
//! small HTTP client.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use iii_engine::{Engine, EngineConfig, EngineHandle};

/// Starts the development engine on free loopback ports.
///
/// # Panics
/// When the engine cannot start (a test failure).
pub async fn engine() -> EngineHandle {
    engine_with(|_| {}).await
}

/// Starts the development engine on free loopback ports after `edit` adjusts the config.
///
/// # Panics
/// When the engine cannot start (a test failure).
pub async fn engine_with(edit: impl FnOnce(&mut EngineConfig)) -> EngineHandle {
    let mut config = EngineConfig {
        ws_port: 0,
        http_port: 0,
        ..EngineConfig::default()
    };
    edit(&mut config);
    Engine::start(config).await.expect("engine starts")
}

/// A worker configured for `engine`, with quick timings for tests.
pub fn worker_config(engine: &EngineHandle) -> iii::WorkerConfig {
    worker_config_url(&engine.ws_url())
}

/// A worker configured for the engine at `url`, with quick timings for tests.
pub fn worker_config_url(url: &str) -> iii::WorkerConfig {
    iii::WorkerConfig {
        url: url.to_owned(),
        url_is_explicit: true,
        connect_timeout: Duration::from_secs(5),
        ..iii::WorkerConfig::default()
    }
}

/// An HTTP response as the tests look at it.
#[derive(Debug)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Headers, names lower case.
    pub headers: Vec<(String, String)>,
    /// Body text.
    pub body: String,
}

impl Response {
    /// The body parsed as JSON.
    ///
    /// # Panics
    /// When the body is not JSON (a test failure).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {:?}", self.body))
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends one HTTP/1.1 request to `addr`.
///
/// # Errors
/// When the connection or the exchange fails.
pub async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    json_body: Option<&str>,
) -> Result<Response, Box<dyn std::error::Error + Send + Sync>> {
    let mut builder = Request::builder()
        .method(method)
        .uri(path)
        .header("host", addr.to_string());
    if json_body.is_some() {
        builder = builder.header("content-type", "application/json");
    }
    let body = Full::new(Bytes::from(json_body.unwrap_or("").to_owned()));
    send(addr, builder.body(body)?).await
}

/// Sends a prepared request to `addr`.
///
/// # Errors
/// When the connection or the exchange fails.
pub async fn send(
    addr: SocketAddr,
    request: Request<Full<Bytes>>,
) -> Result<Response, Box<dyn std::error::Error + Send + Sync>> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    let conn = tokio::spawn(conn);
    let response = sender.send_request(request).await?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                v.to_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let body = response.into_body().collect().await?.to_bytes();
    conn.abort();
    Ok(Response {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// Polls `request` until it answers something other than 404 (a route not registered yet),
/// for at most `within`.
///
/// # Panics
/// When it still fails after `within`.
pub async fn eventually<F, Fut>(within: Duration, mut request: F) -> Response
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Response, Box<dyn std::error::Error + Send + Sync>>>,
{
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let last = request().await;
        match &last {
            Ok(r) if r.status != 404 => return last.expect("checked"),
            _ if tokio::time::Instant::now() >= deadline => {
                panic!("no answer within {within:?}; last: {last:?}")
            }
            _ => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// README code blocks are compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// A running example program, killed when dropped; its output is collected.
#[derive(Debug)]
pub struct Example {
    child: tokio::process::Child,
    output: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Example {
    /// Runs `cargo`'s build of example `name` with `III_URL` pointing at `engine`, building it
    /// first when the test run did not.
    ///
    /// # Panics
    /// When the example cannot be built or started.
    pub async fn start(name: &str, engine: &EngineHandle) -> Self {
        Self::spawn(&example_path(name), &engine.ws_url()).await
    }

    /// [`start`](Self::start) with more environment variables.
    ///
    /// # Panics
    /// As [`start`](Self::start).
    pub async fn start_with(name: &str, engine: &EngineHandle, env: &[(&str, &str)]) -> Self {
        Self::spawn_with(&example_path(name), &engine.ws_url(), env).await
    }

    /// Runs the program at `path` with `III_URL=url`, collecting its output.
    ///
    /// # Panics
    /// When the program cannot be started.
    pub async fn spawn(path: &std::path::Path, url: &str) -> Self {
        Self::spawn_with(path, url, &[]).await
    }

    /// [`spawn`](Self::spawn) with more environment variables.
    ///
    /// # Panics
    /// When the program cannot be started.
    pub async fn spawn_with(path: &std::path::Path, url: &str, env: &[(&str, &str)]) -> Self {
        use tokio::io::AsyncBufReadExt;
        let mut child = tokio::process::Command::new(path)
            .envs(env.iter().copied())
            .env("III_URL", url)
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", path.display()));
        let output = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let stdout = child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Send + Unpin>);
        let stderr = child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Send + Unpin>);
        for stream in [stdout, stderr].into_iter().flatten() {
            let output = output.clone();
            tokio::spawn(async move {
                let mut lines = tokio::io::BufReader::new(stream).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    let mut out = output.lock().unwrap_or_else(|p| p.into_inner());
                    out.push_str(&line);
                    out.push('\n');
                }
            });
        }
        Self { child, output }
    }

    /// Everything the program printed so far.
    pub fn output(&self) -> String {
        self.output
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Waits until the program has printed `needle` at least `times` times.
    ///
    /// # Panics
    /// When it has not within `within`.
    pub async fn wait_for_output(&self, needle: &str, times: usize, within: Duration) {
        let deadline = tokio::time::Instant::now() + within;
        while self.output().matches(needle).count() < times {
            assert!(
                tokio::time::Instant::now() < deadline,
                "`{needle}` not printed {times} time(s) within {within:?}; output:\n{}",
                self.output()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Sends SIGTERM and waits for the exit status.
    ///
    /// # Panics
    /// When the signal cannot be sent or the program does not exit within 10 s.
    pub async fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().expect("running");
        let status = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -TERM {pid} failed");
        let exit = tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "no exit within 10 s after SIGTERM; output:\n{}",
                    self.output()
                )
            })
            .expect("wait");
        if !exit.success() {
            eprintln!("program exited with {exit:?}; output:\n{}", self.output());
        }
        exit
    }
}

fn example_path(name: &str) -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/<test> -> target/<profile>/examples/<name>
    let profile_dir = exe
        .parent()
        .and_then(std::path::Path::parent)
        .expect("target dir");
    let path = profile_dir.join("examples").join(name);
    // Build (or confirm up to date) the example: `cargo nextest run -p iii-tests` alone would
    // not rebuild another package's examples, and a stale binary would test old code.
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = std::process::Command::new(cargo)
        .args(["build", "--quiet", "-p", "iii-examples", "--example", name])
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building example {name} failed");
    path
}
