//! The development engine on free loopback ports, for tests.

use std::time::Duration;

use iii_engine::{Engine, EngineConfig, EngineHandle};

use crate::wait;

/// The default engine config on free loopback ports (port `0` for both listeners), so that
/// tests run side by side.
pub fn config() -> EngineConfig {
    EngineConfig {
        ws_port: 0,
        http_port: 0,
        ..EngineConfig::default()
    }
}

/// Starts an engine with [`config`].
///
/// # Panics
/// When the engine cannot start (a test failure; the message carries the engine's error).
pub async fn start() -> EngineHandle {
    start_with(config()).await
}

/// Starts an engine with `config`: [`Engine::start`] for a test, where an engine that cannot
/// start is a failure.
///
/// # Panics
/// When the engine cannot start.
pub async fn start_with(config: EngineConfig) -> EngineHandle {
    Engine::start(config)
        .await
        .unwrap_or_else(|e| panic!("the test engine does not start: {e}"))
}

/// Starts an engine with `config`, trying again for at most `within` while it cannot start: a
/// restart on the ports of an engine that just stopped may find one still held for a moment.
///
/// # Panics
/// When it still cannot start after `within` (the message carries the last error).
pub async fn start_retrying(config: EngineConfig, within: Duration) -> EngineHandle {
    wait::until_ok(within, || async {
        Engine::start(config.clone())
            .await
            .map_err(|e| e.to_string())
    })
    .await
    .unwrap_or_else(|e| panic!("the test engine does not start: {e}"))
}
