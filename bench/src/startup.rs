//! Start-up: from spawning the quickstart (`bench-quickstart`, the repository's
//! `examples/quickstart.rs` in this crate's release build) to its first `POST /add` answered
//! `200 {"sum":5}`. Two modes: against the benchmark's running engine (`III_URL` set), and
//! alone, where the quickstart starts the development engine in its own process.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::process::Command;

use crate::cases::http::{HttpClient, Request};
use crate::payload::{ADD_REQUEST, ADD_RESPONSE};
use crate::process::Process;
use crate::workers::binary_dir;

/// The quickstart binary this crate builds.
pub const BINARY: &str = "bench-quickstart";

/// How long one start-up may take before the run counts as failed.
const LIMIT: Duration = Duration::from_secs(10);
/// The pause between two polls of the route: the resolution of the measurement.
const POLL: Duration = Duration::from_millis(1);

/// Where the quickstart finds its engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `III_URL` names the benchmark's engine, already running.
    Running,
    /// `III_URL` unset, nothing listening: the quickstart starts the engine in-process.
    Embedded,
}

impl Mode {
    /// A label for the report.
    pub fn label(self) -> &'static str {
        match self {
            Self::Running => "quickstart → running engine (III_URL set)",
            Self::Embedded => "quickstart alone (starts the engine in-process)",
        }
    }
}

/// The start-up times of one mode.
#[derive(Debug, Clone)]
pub struct Startup {
    /// The mode.
    pub mode: Mode,
    /// Time to the first `200`, one per successful run, sorted.
    pub times: Vec<Duration>,
    /// The first failure, if a run failed.
    pub error: Option<String>,
}

impl Startup {
    /// The median (the lower one for an even count), if any run succeeded.
    pub fn median(&self) -> Option<Duration> {
        let n = self.times.len();
        (n > 0).then(|| self.times[(n - 1) / 2])
    }
}

/// Runs the quickstart `runs` times in `mode`; `engine` is the running engine's
/// `(ws url, http addr)`, used in [`Mode::Running`].
pub async fn measure(mode: Mode, runs: usize, engine: (&str, SocketAddr)) -> Startup {
    let mut out = Startup {
        mode,
        times: Vec::with_capacity(runs),
        error: None,
    };
    for _ in 0..runs {
        match once(mode, engine).await {
            Ok(took) => out.times.push(took),
            Err(e) => {
                out.error.get_or_insert(e);
            }
        }
    }
    out.times.sort_unstable();
    out
}

async fn once(mode: Mode, (ws_url, engine_http): (&str, SocketAddr)) -> Result<Duration, String> {
    let path = binary_dir()?.join(BINARY);
    let mut command = Command::new(&path);
    command.env_remove("III_URL").env("RUST_LOG", "warn");
    let http = match mode {
        Mode::Running => {
            command.env("III_URL", ws_url);
            engine_http
        }
        Mode::Embedded => {
            let (ws_port, http_port) = (free_port()?, free_port()?);
            command
                .env("III_ENGINE_HOST", "127.0.0.1")
                .env("III_ENGINE_WS_PORT", ws_port.to_string())
                .env("III_ENGINE_HTTP_PORT", http_port.to_string());
            SocketAddr::from(([127, 0, 0, 1], http_port))
        }
    };
    let started = Instant::now();
    let mut process = Process::spawn(command, &path.display().to_string(), false)?;
    let result = first_answer(http, started, &mut process).await;
    process.stop().await;
    if mode == Mode::Running {
        // The next copy would be refused `math.add` while the engine still gives it to this one.
        gone(http).await?;
    }
    result
}

/// Polls `POST /add` until it answers `{"sum":5}`; the time since `started`.
async fn first_answer(
    http: SocketAddr,
    started: Instant,
    process: &mut Process,
) -> Result<Duration, String> {
    let mut client: Option<HttpClient> = None;
    let mut last = String::from("no answer");
    while started.elapsed() < LIMIT {
        if let Some(status) = process.exited() {
            return Err(format!(
                "the quickstart exited ({status}); last poll: {last}"
            ));
        }
        if client.is_none() {
            client = HttpClient::connect(http, add_request()).await.ok();
        }
        if let Some(c) = client.as_mut() {
            match c.exchange().await {
                Ok((status, body)) if status.is_success() && body == ADD_RESPONSE.as_bytes() => {
                    return Ok(started.elapsed());
                }
                Ok((status, _)) => last = status.to_string(),
                Err(e) => {
                    last = e;
                    client = None;
                }
            }
        }
        tokio::time::sleep(POLL).await;
    }
    Err(format!("no answer within {LIMIT:?}; last poll: {last}"))
}

/// Waits until the engine no longer routes `POST /add` (`404`).
async fn gone(http: SocketAddr) -> Result<(), String> {
    let deadline = Instant::now() + LIMIT;
    while Instant::now() < deadline {
        if let Ok(mut c) = HttpClient::connect(http, add_request()).await
            && let Ok((status, _)) = c.exchange().await
            && status == hyper::StatusCode::NOT_FOUND
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Err("the engine kept routing POST /add after the quickstart stopped".to_owned())
}

fn add_request() -> Request {
    Request {
        path: "/add".to_owned(),
        body: bytes::Bytes::from_static(ADD_REQUEST.as_bytes()),
        min_len: ADD_RESPONSE.len(),
    }
}

/// A port nothing listens on now (the OS picks it; it is released at once, so another
/// program could take it before the quickstart binds it: that run then fails, visibly).
fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}
