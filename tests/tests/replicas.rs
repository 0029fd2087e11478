//! Two copies of the quickstart on one engine, as real processes: the second copy exits with
//! an error naming the function and its holder while the first keeps its route; a standby copy
//! takes over when the first is killed; a SIGTERMed first copy hands over under load.
//!
//! The times and counts are printed (run with `--no-capture` to see them); the README states
//! what they were in a release build.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use iii_engine::EngineHandle;
use iii_test_support::process::Program;
use iii_test_support::wait::{self, TimedOut};
use iii_tests::{engine, example_command, example_with, http};
use tokio::time::Instant;

const BODY: Option<&str> = Some(r#"{"a":2,"b":3}"#);

/// How long a copy may take to start, a first build of the example included.
const START: Duration = Duration::from_secs(30);

/// A copy of the quickstart on `engine`, with `env` added to its environment.
fn copy(engine: &EngineHandle, env: &[(&str, &str)]) -> Program {
    example_with("quickstart", engine, env)
}

/// A copy of the quickstart with no `III_URL`, and `env`: it looks for an engine where the
/// `III_ENGINE_*` variables say, and starts one in its process when none answers.
fn copy_alone(env: &[(&str, &str)]) -> Program {
    let mut command = example_command("quickstart");
    command.envs(env.iter().copied());
    Program::spawn(format!("quickstart {env:?}"), command).expect("the quickstart starts")
}

/// Waits until `copy` has printed `needle`.
async fn printed(copy: &mut Program, needle: &str, within: Duration) {
    copy.wait_for_count(needle, 1, within)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}

async fn answers(addr: SocketAddr) -> u16 {
    match http(addr, "POST", "/add", BODY).await {
        Ok(r) if r.body == r#"{"sum":5}"# => r.status.as_u16(),
        Ok(r) => r.status.as_u16().max(1),
        Err(_) => 0,
    }
}

/// Waits until `POST /add` answers 200, trying again every `every`.
async fn served(addr: SocketAddr, within: Duration, every: Duration) -> Result<(), TimedOut<u16>> {
    wait::until_ok_every(within, every, || async {
        match answers(addr).await {
            200 => Ok(()),
            other => Err(other),
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_copy_exits_with_an_error_and_the_first_keeps_its_route() {
    let engine = engine().await;
    let addr = engine.http_addr();
    let mut first = copy(&engine, &[]);
    printed(&mut first, "worker ready", START).await;
    let second = copy(&engine, &[]);
    let stopped = second.exited(START).await.expect("the second copy exits");
    let said = stopped.output.text();
    assert!(!stopped.status.success(), "{said}");
    assert_eq!(said.matches(" ERROR ").count(), 1, "{said}");
    assert!(said.contains("`math.add` is held by worker"), "{said}");
    // The holder as the engine knows it: its announced name (host:pid) and id.
    let pid = first.id().expect("the first copy runs");
    assert!(said.contains(&format!(":{pid}")), "{said}");
    assert!(!said.contains("worker ready"), "{said}");
    // The first copy still serves its route, after the second is gone.
    assert_eq!(answers(addr).await, 200);
    let first_said = first.output().text();
    assert!(
        first_said.contains("POST http://") || first_said.contains("POST /add"),
        "{first_said}"
    );
    let stopped = first
        .terminate(Duration::from_secs(10))
        .await
        .expect("stops");
    assert!(stopped.status.success(), "{stopped:?}");
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standby_copy_takes_over_when_the_first_is_killed() {
    let engine = engine().await;
    let addr = engine.http_addr();
    let mut first = copy(&engine, &[]);
    printed(&mut first, "worker ready", START).await;
    let mut standby = copy(&engine, &[("III_STANDBY", "1")]);
    printed(&mut standby, "standing by", START).await;
    assert_eq!(answers(addr).await, 200);

    let killed = Instant::now();
    first.kill().await.expect("SIGKILL");
    // Checked every 2 ms: the time to the first answer is what this test measures.
    served(addr, Duration::from_secs(10), Duration::from_millis(2))
        .await
        .unwrap_or_else(|e| panic!("not taken over: {e}\n{}", standby.transcript()));
    let took = killed.elapsed();
    eprintln!("standby served POST /add {took:?} after SIGKILL of the holder");
    printed(&mut standby, "took over `math.add`", Duration::from_secs(5)).await;
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigtermed_holder_hands_over_to_a_standby_under_load() {
    let engine = engine().await;
    let addr = engine.http_addr();
    let mut first = copy(&engine, &[]);
    printed(&mut first, "worker ready", START).await;
    let mut standby = copy(&engine, &[("III_STANDBY", "1")]);
    printed(&mut standby, "standing by", START).await;

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
    // The load runs for a set time before the SIGTERM and after the hand-over (what the
    // README reports is measured over these windows), not until some condition.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = served.load(Ordering::Relaxed);
    let within = Duration::from_secs(10);
    let (stopped, took_over) = tokio::join!(
        first.terminate(within),
        standby.wait_for_count("took over `math.add`", 1, within)
    );
    took_over.unwrap_or_else(|e| panic!("{e}"));
    let stopped = stopped.expect("the holder stops");
    assert!(stopped.status.success(), "{stopped:?}");
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
    let mut first = copy_alone(&env);
    printed(&mut first, "worker ready", START).await;
    let addr: SocketAddr = format!("127.0.0.1:{http_port}").parse().expect("addr");
    // The summary names the route's full URL on the engine it started.
    let url = format!("POST http://127.0.0.1:{http_port}/add");
    printed(&mut first, &url, Duration::from_secs(5)).await;
    assert_eq!(answers(addr).await, 200);
    // A standby copy uses the first one's engine; when that process goes, it starts its own.
    let mut env2 = env.to_vec();
    env2.push(("III_STANDBY", "1"));
    let mut second = copy_alone(&env2);
    printed(&mut second, "standing by", START).await;
    first.kill().await.expect("SIGKILL");
    let started = "started the development engine in this process";
    printed(&mut second, started, Duration::from_secs(20)).await;
    served(addr, Duration::from_secs(20), wait::POLL)
        .await
        .unwrap_or_else(|e| panic!("not served again: {e}\n{}", second.transcript()));
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
    let copy = copy_alone(&[
        ("III_ENGINE_WS_PORT", port.as_str()),
        ("III_ENGINE_HTTP_PORT", http_port.as_str()),
    ]);
    let stopped = copy
        .exited(Duration::from_secs(20))
        .await
        .expect("the copy exits");
    let said = stopped.output.text();
    assert!(!stopped.status.success(), "{said}");
    assert_eq!(said.matches(" ERROR ").count(), 1, "{said}");
    assert!(said.contains("could not start there"), "{said}");
    assert!(said.contains("III_ENGINE_WS_PORT"), "{said}");
    drop(holder);
}
