//! `iii-bench-stream`: streams 1 GiB through the development engine both ways, with the
//! engine and an iii-rs worker in processes of their own, and reports throughput and the peak
//! resident memory (`VmHWM`) of each process.
//!
//! ```sh
//! cd bench && cargo run --release --bin iii-bench-stream            # 1 GiB each way
//! cargo run --release --bin iii-bench-stream -- --mib 256           # smaller
//! ```
//!
//! - download: `GET /bench/download?size=N`, a `Body::stream` of 64 KiB chunks made on the fly
//!   (one shared block), read by a plain TCP client as fast as it can;
//! - upload: `POST /bench/upload` with `content-type: application/octet-stream` and N bytes,
//!   counted by the worker chunk by chunk through a `BodyStream`.
//!
//! The same binary is the engine (`engine`) and the worker (`worker URL`) when the driver
//! spawns it; both exit when the driver goes away.

use std::net::SocketAddr;
use std::process::Stdio;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use iii::{Body, BodyStream, Bytes, Worker};
use iii_bench::contract::parent_gone;
use iii_bench::procfs;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

type Failure = Box<dyn std::error::Error + Send + Sync>;

const CHUNK: usize = 64 * 1024;

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("engine") => engine().await,
        Some("worker") => worker(args.get(1).ok_or("worker URL")?).await,
        _ => {
            let mib = match args.iter().position(|a| a == "--mib") {
                Some(i) => args.get(i + 1).ok_or("--mib N")?.parse::<u64>()?,
                None => 1024,
            };
            drive(mib << 20).await
        }
    }
}

async fn engine() -> Result<(), Failure> {
    let engine = iii_engine::Engine::start(iii_engine::EngineConfig {
        ws_port: 0,
        http_port: 0,
        http_timeout: Duration::from_secs(600),
        ..Default::default()
    })
    .await?;
    println!("WS {}", engine.ws_url());
    println!("HTTP {}", engine.http_addr());
    parent_gone().await;
    engine.shutdown().await;
    Ok(())
}

#[derive(serde::Deserialize)]
struct Size {
    size: u64,
}

/// `size` bytes in 64 KiB chunks, all slices of one block.
#[iii::function("bench.download")]
#[iii::http(path = "bench/download", method = "GET")]
async fn download_fn(iii::Query(q): iii::Query<Size>) -> iii::Result<iii::http::Response<Body>> {
    let block = Bytes::from(vec![b'd'; CHUNK]);
    let chunks = futures_util::stream::unfold(q.size, move |left| {
        let block = block.clone();
        async move {
            let n = left.min(CHUNK as u64) as usize;
            (n > 0).then(|| (Ok::<_, std::io::Error>(block.slice(..n)), left - n as u64))
        }
    });
    iii::http::Response::builder()
        .header("content-length", q.size)
        .body(Body::stream(chunks))
        .map_err(|e| iii::Error::internal(e.to_string()))
}

/// Counts the body's bytes as they arrive.
#[iii::function("bench.upload")]
#[iii::http(path = "bench/upload", method = "POST")]
async fn upload_fn(mut body: BodyStream) -> iii::Result<Value> {
    let mut bytes = 0u64;
    while let Some(chunk) = body.next().await {
        bytes += chunk?.len() as u64;
    }
    Ok(json!({ "bytes": bytes }))
}

async fn worker(url: &str) -> Result<(), Failure> {
    let worker = Worker::with_config(iii::WorkerConfig {
        url: url.to_owned(),
        url_is_explicit: true,
        name: "bench-stream-worker".to_owned(),
        ..Default::default()
    });
    iii::register_declared(&worker)?;
    worker.connect().await?;
    parent_gone().await;
    worker.disconnect().await;
    Ok(())
}

fn spawn(args: &[&str]) -> Result<Child, Failure> {
    let exe = std::env::current_exe()?;
    Ok(Command::new(exe)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()?)
}

async fn drive(size: u64) -> Result<(), Failure> {
    let mut engine = spawn(&["engine"])?;
    let mut lines = BufReader::new(engine.stdout.take().ok_or("engine stdout")?).lines();
    let ws = lines.next_line().await?.ok_or("engine WS line")?;
    let http = lines.next_line().await?.ok_or("engine HTTP line")?;
    let ws = ws.strip_prefix("WS ").ok_or("WS line")?.to_owned();
    let http: SocketAddr = http.strip_prefix("HTTP ").ok_or("HTTP line")?.parse()?;
    let worker = spawn(&["worker", &ws])?;
    let pids = (
        engine.id().ok_or("engine pid")?,
        worker.id().ok_or("worker pid")?,
    );
    let started = Instant::now();
    while download(http, 1).await.is_err() {
        if started.elapsed() > Duration::from_secs(20) {
            return Err("the worker's routes did not come up".into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "Streaming {} MiB through the development engine (release build)\n",
        size >> 20
    );
    println!("load average before: {}", load.trim());
    println!("\n| case | MiB/s | engine peak RSS | worker peak RSS |");
    println!("|---|---:|---:|---:|");
    let took = download(http, size).await?;
    row("download (GET, Body::stream)", size, took, pids)?;
    let took = upload(http, size).await?;
    row("upload (POST, BodyStream)", size, took, pids)?;
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("\nload average after: {}", load.trim());
    println!("(peak RSS is VmHWM since the process started: the upload row covers both cases)");
    drop(worker);
    drop(engine);
    Ok(())
}

fn row(case: &str, size: u64, took: Duration, (engine, worker): (u32, u32)) -> Result<(), Failure> {
    let mib_s = size as f64 / 1048576.0 / took.as_secs_f64();
    let e = procfs::memory(engine)?;
    let w = procfs::memory(worker)?;
    println!(
        "| {case} | {mib_s:.0} | {:.1} MiB | {:.1} MiB |",
        e.hwm_kib as f64 / 1024.0,
        w.hwm_kib as f64 / 1024.0
    );
    Ok(())
}

/// Reads the response head; returns the status and what of the body came with it.
async fn head(stream: &mut TcpStream) -> Result<(u16, Vec<u8>), Failure> {
    let mut seen = Vec::new();
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Err("closed before the head".into());
        }
        seen.extend_from_slice(&buf[..n]);
        if let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
            let status = std::str::from_utf8(&seen[9..12])?.parse()?;
            return Ok((status, seen.split_off(end + 4)));
        }
    }
}

async fn download(addr: SocketAddr, size: u64) -> Result<Duration, Failure> {
    let mut stream = TcpStream::connect(addr).await?;
    let request = format!(
        "GET /bench/download?size={size} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n"
    );
    let started = Instant::now();
    stream.write_all(request.as_bytes()).await?;
    let (status, first) = head(&mut stream).await?;
    if status != 200 {
        return Err(format!("download: status {status}").into());
    }
    let mut got = first.len() as u64;
    let mut buf = vec![0u8; 1 << 20];
    while got < size {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Err(format!("download ended at {got} of {size} bytes").into());
        }
        got += n as u64;
    }
    Ok(started.elapsed())
}

async fn upload(addr: SocketAddr, size: u64) -> Result<Duration, Failure> {
    let mut stream = TcpStream::connect(addr).await?;
    let request = format!(
        "POST /bench/upload HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\ncontent-type: application/octet-stream\r\ncontent-length: {size}\r\n\r\n"
    );
    let started = Instant::now();
    stream.write_all(request.as_bytes()).await?;
    let block = vec![b'u'; 1 << 20];
    let mut left = size;
    while left > 0 {
        let n = left.min(block.len() as u64) as usize;
        stream.write_all(&block[..n]).await?;
        left -= n as u64;
    }
    let (status, mut body) = head(&mut stream).await?;
    stream.read_to_end(&mut body).await?;
    let took = started.elapsed();
    let answer: Value = serde_json::from_slice(&body)?;
    if status != 200 || answer["bytes"] != size {
        return Err(format!("upload: status {status}, answer {answer}").into());
    }
    Ok(took)
}
