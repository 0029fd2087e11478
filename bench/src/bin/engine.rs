//! `bench-engine`: the development engine (`iii_engine::Engine`, default configuration) in a
//! process of its own, so that the driver can read its CPU time apart from the load
//! generator's. It listens on free loopback ports and prints one line to stdout,
//! `<ws url> <http addr>`, once both listeners are up. Logs only when `RUST_LOG` is set (the
//! floor worker logs nothing either). Runs until SIGTERM or Ctrl-C, or until the driver that
//! started it is gone.

use std::io::Write as _;

use iii_bench::contract::parent_gone;
use iii_engine::{Engine, EngineConfig};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::var_os("RUST_LOG").is_some() {
        iii::init_tracing();
    }
    let engine = Engine::start(EngineConfig {
        ws_port: 0,
        http_port: 0,
        ..EngineConfig::default()
    })
    .await?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{} {}", engine.ws_url(), engine.http_addr())?;
    stdout.flush()?;
    drop(stdout);
    tokio::select! {
        () = iii::shutdown_requested() => {}
        () = parent_gone() => {}
    }
    engine.shutdown().await;
    Ok(())
}
