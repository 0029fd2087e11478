//! Two copies of the quickstart on one engine, as real processes: the second copy exits with
//! an error naming the function and its holder while the first keeps its route; a standby copy
//! takes over when the first is killed; a SIGTERMed first copy hands over under load.
//!
//! The times and counts are printed (run with `--no-capture` to see them); the README states
//! what they were in a release build.

use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use iii_tests::{engine, http};
use tokio::io::AsyncBufReadExt;
use tokio::process::{Child, Command};
use tokio::time::Instant;

const BODY: Option<&str> = Some(r#"{"a":2,"b":3}"#);

/// A running copy of the quickstart example, its output collected.
struct Copy {
    child: Child,
    output: Arc<Mutex<String>>,
}

impl Copy {
    async fn start(url: &str, env: &[(&str, &str)]) -> Self {
        let mut env = env.to_vec();
        env.push(("III_URL", url));
        Self::start_env(&env).await
    }

    /// With exactly these variables set (and `III_URL` removed).
    async fn start_env(env: &[(&str, &str)]) -> Self {
        let path = quickstart();
        let mut child = Command::new(&path)
            .env_remove("III_URL")
            .env_remove("III_BRIDGE_URL")
            .envs(env.iter().copied())
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("the quickstart starts");
        let output = Arc::new(Mutex::new(String::new()));
        let streams: Vec<Box<dyn tokio::io::AsyncRead + Send + Unpin>> = vec![
            Box::new(child.stdout.take().expect("stdout")),
            Box::new(child.stderr.take().expect("stderr")),
        ];
        for stream in streams {
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

    fn output(&self) -> String {
        self.output
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    async fn wait_for(&self, needle: &str, within: Duration) {
        let deadline = Instant::now() + within;
        while !self.output().contains(needle) {
            assert!(
                Instant::now() < deadline,
                "`{needle}` not printed within {within:?}:\n{}",
                self.output()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    fn pid(&self) -> String {
        self.child.id().expect("running").to_string()
    }

    fn signal(&self, signal: &str) {
        let status = std::process::Command::new("kill")
            .args([signal, &self.pid()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill {signal} failed");
    }

    async fn exit(&mut self, within: Duration) -> std::process::ExitStatus {
        tokio::time::timeout(within, self.child.wait())
            .await
            .unwrap_or_else(|_| panic!("no exit within {within:?}:\n{}", self.output()))
            .expect("wait")
    }
}

/// The quickstart example binary, built if needed.
fn quickstart() -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("test executable");
    let profile = exe
        .parent()
        .and_then(std::path::Path::parent)
        .expect("target dir");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut build = std::process::Command::new(cargo);
    build.args([
        "build",
        "--quiet",
        "-p",
        "iii-examples",
        "--example",
        "quickstart",
    ]);
    if profile.ends_with("release") {
        build.arg("--release");
    }
    assert!(build.status().expect("cargo runs").success(), "build");
    profile.join("examples").join("quickstart")
}

async fn answers(addr: std::net::SocketAddr) -> u16 {
    match http(addr, "POST", "/add", BODY).await {
        Ok(r) if r.body == r#"{"sum":5}"# => r.status.as_u16(),
        Ok(r) => r.status.as_u16().max(1),
        Err(_) => 0,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_copy_exits_with_an_error_and_the_first_keeps_its_route() {
    let engine = engine().await;
    let addr = engine.http_addr();
    let mut first = Copy::start(&engine.ws_url(), &[]).await;
    first
        .wait_for("worker ready", Duration::from_secs(30))
        .await;
    let mut second = Copy::start(&engine.ws_url(), &[]).await;
    let status = second.exit(Duration::from_secs(30)).await;
    let said = second.output();
    assert!(!status.success(), "{said}");
    assert_eq!(said.matches(" ERROR ").count(), 1, "{said}");
    assert!(said.contains("`math.add` is held by worker"), "{said}");
    // The holder as the engine knows it: its announced name (host:pid) and id.
    assert!(said.contains(&format!(":{}", first.pid())), "{said}");
    assert!(!said.contains("worker ready"), "{said}");
    // The first copy still serves its route, after the second is gone.
    assert_eq!(answers(addr).await, 200);
    assert!(first.output().contains("POST http://") || first.output().contains("POST /add"));
    first.signal("-TERM");
    assert!(first.exit(Duration::from_secs(10)).await.success());
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standby_copy_takes_over_when_the_first_is_killed() {
    let engine = engine().await;
    let addr = engine.http_addr();
    let mut first = Copy::start(&engine.ws_url(), &[]).await;
    first
        .wait_for("worker ready", Duration::from_secs(30))
        .await;
    let standby = Copy::start(&engine.ws_url(), &[("III_STANDBY", "1")]).await;
    standby
        .wait_for("standing by", Duration::from_secs(30))
        .await;
    assert_eq!(answers(addr).await, 200);

    first.signal("-KILL");
    let killed = Instant::now();
    first.exit(Duration::from_secs(10)).await;
    while answers(addr).await != 200 {
        assert!(
            killed.elapsed() < Duration::from_secs(10),
            "not taken over:\n{}",
            standby.output()
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let took = killed.elapsed();
    eprintln!("standby served POST /add {took:?} after SIGKILL of the holder");
    standby
        .wait_for("took over `math.add`", Duration::from_secs(5))
        .await;
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigtermed_holder_hands_over_to_a_standby_under_load() {
    let engine = engine().await;
    let addr = engine.http_addr();
    let mut first = Copy::start(&engine.ws_url(), &[]).await;
    first
        .wait_for("worker ready", Duration::from_secs(30))
        .await;
    let standby = Copy::start(&engine.ws_url(), &[("III_STANDBY", "1")]).await;
    standby
        .wait_for("standing by", Duration::from_secs(30))
        .await;

    // Four clients, one request at a time each, until told to stop.
    let stop = Arc::new(AtomicBool::new(false));
    let (served, failed) = (
        Arc::new(AtomicUsize::new(0)),
        Arc::new(Mutex::new(Vec::new())),
    );
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let (stop, served, failed) = (stop.clone(), served.clone(), failed.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    match answers(addr).await {
                        200 => served.fetch_add(1, Ordering::Relaxed),
                        other => {
                            failed.lock().unwrap_or_else(|p| p.into_inner()).push(other);
                            0
                        }
                    };
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = served.load(Ordering::Relaxed);
    first.signal("-TERM");
    standby
        .wait_for("took over `math.add`", Duration::from_secs(10))
        .await;
    assert!(first.exit(Duration::from_secs(10)).await.success());
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.await.expect("client");
    }
    let failed = failed.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let total = served.load(Ordering::Relaxed) + failed.len();
    eprintln!(
        "hand-over under load: {total} requests ({before} before the SIGTERM), {} failed: {failed:?}",
        failed.len()
    );
    assert!(before > 0 && total > before, "the load ran");
    // Served by the standby after the hand-over.
    assert_eq!(answers(addr).await, 200);
    engine.shutdown().await;
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_engine_honours_its_ports_and_a_later_copy_takes_it_over() {
    let (ws, http_port) = (free_port().to_string(), free_port().to_string());
    let env = [
        ("III_ENGINE_WS_PORT", ws.as_str()),
        ("III_ENGINE_HTTP_PORT", http_port.as_str()),
    ];
    let mut first = Copy::start_env(&env).await;
    first
        .wait_for("worker ready", Duration::from_secs(30))
        .await;
    let addr: std::net::SocketAddr = format!("127.0.0.1:{http_port}").parse().expect("addr");
    // The summary names the route's full URL on the engine it started.
    first
        .wait_for(
            &format!("POST http://127.0.0.1:{http_port}/add"),
            Duration::from_secs(5),
        )
        .await;
    assert_eq!(answers(addr).await, 200);
    // A standby copy uses the first one's engine; when that process goes, it starts its own.
    let mut env2 = env.to_vec();
    env2.push(("III_STANDBY", "1"));
    let second = Copy::start_env(&env2).await;
    second
        .wait_for("standing by", Duration::from_secs(30))
        .await;
    first.signal("-KILL");
    first.exit(Duration::from_secs(10)).await;
    second
        .wait_for(
            "started the development engine in this process",
            Duration::from_secs(20),
        )
        .await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while answers(addr).await != 200 {
        assert!(
            Instant::now() < deadline,
            "not served again:\n{}",
            second.output()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_embedded_engine_that_cannot_bind_is_an_error_naming_the_variables() {
    // A socket bound to the port but not listening: no engine answers there, none can bind.
    let holder = tokio::net::TcpSocket::new_v4().expect("socket");
    holder
        .bind("127.0.0.1:0".parse().expect("addr"))
        .expect("bind");
    let port = holder.local_addr().expect("addr").port().to_string();
    let http_port = free_port().to_string();
    let mut copy = Copy::start_env(&[
        ("III_ENGINE_WS_PORT", port.as_str()),
        ("III_ENGINE_HTTP_PORT", http_port.as_str()),
    ])
    .await;
    let status = copy.exit(Duration::from_secs(20)).await;
    let said = copy.output();
    assert!(!status.success(), "{said}");
    assert_eq!(said.matches(" ERROR ").count(), 1, "{said}");
    assert!(said.contains("could not start there"), "{said}");
    assert!(said.contains("III_ENGINE_WS_PORT"), "{said}");
    drop(holder);
}
