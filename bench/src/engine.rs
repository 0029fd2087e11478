//! The engine under the load, in its own process (`bench-engine`, or `--engine PATH`): starting
//! it and learning where it listens.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use crate::process::Process;

/// The engine binary this crate builds.
pub const BINARY: &str = "bench-engine";

/// How long the engine may take to print where it listens.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// A running engine process.
#[derive(Debug)]
pub struct EngineProcess {
    /// The process (its pid is what the engine CPU column reads).
    pub process: Process,
    /// The worker WebSocket URL.
    pub ws_url: String,
    /// The HTTP trigger server.
    pub http_addr: SocketAddr,
}

impl EngineProcess {
    /// Starts the engine at `path` and reads its `<ws url> <http addr>` line.
    ///
    /// # Errors
    /// When it cannot start, exits, or prints something else within the start timeout.
    pub async fn start(path: &Path) -> Result<Self, String> {
        let what = path.display().to_string();
        let mut process = Process::spawn(Command::new(path), &what, true)?;
        let stdout = process
            .take_stdout()
            .ok_or_else(|| format!("{what}: no stdout"))?;
        let mut line = String::new();
        let mut reader = BufReader::new(stdout);
        let read = reader.read_line(&mut line);
        match tokio::time::timeout(START_TIMEOUT, read).await {
            Ok(Ok(n)) if n > 0 => {}
            Ok(Ok(_)) => return Err(format!("{what} exited before saying where it listens")),
            Ok(Err(e)) => return Err(format!("{what}: reading its stdout: {e}")),
            Err(_) => return Err(format!("{what} said nothing within {START_TIMEOUT:?}")),
        }
        let (ws_url, http_addr) =
            parse_line(&line).ok_or_else(|| format!("{what} printed {line:?}"))?;
        // Whatever it prints later (logs, with `RUST_LOG` set) goes on to stderr, with the
        // driver's progress; a closed pipe would make those writes fail.
        tokio::spawn(async move {
            let _ = tokio::io::copy(&mut reader, &mut tokio::io::stderr()).await;
        });
        Ok(Self {
            process,
            ws_url,
            http_addr,
        })
    }
}

/// `ws://127.0.0.1:1234 127.0.0.1:5678` → the URL and the address.
fn parse_line(line: &str) -> Option<(String, SocketAddr)> {
    let mut words = line.split_whitespace();
    let ws_url = words.next().filter(|u| u.starts_with("ws://"))?;
    let http_addr = words.next()?.parse().ok()?;
    Some((ws_url.to_owned(), http_addr))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_engine_line() {
        let (url, addr) = parse_line("ws://127.0.0.1:41000 127.0.0.1:41001\n").expect("valid");
        assert_eq!(url, "ws://127.0.0.1:41000");
        assert_eq!(addr.port(), 41001);
        assert!(parse_line("listening").is_none());
        assert!(parse_line("ws://x nonsense").is_none());
    }
}
