//! A worker with a slow function, for shutdown tests: `POST /slow {"ms": N}` answers after N
//! milliseconds.

use std::time::Duration;

use iii::prelude::*;

/// How long to take.
#[derive(Deserialize, JsonSchema)]
struct Wait {
    ms: u64,
}

/// What was done.
#[derive(Serialize, JsonSchema)]
struct Waited {
    waited_ms: u64,
}

/// Sleeps, then answers.
#[iii::function("slow.wait")]
#[iii::http(path = "slow", method = "POST")]
async fn wait(input: Wait) -> iii::Result<Waited> {
    tokio::time::sleep(Duration::from_millis(input.ms)).await;
    Ok(Waited {
        waited_ms: input.ms,
    })
}

#[iii::main]
async fn main() {}
