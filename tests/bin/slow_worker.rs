//! A worker with a slow function, for shutdown tests: `POST /slow {"ms": N}` prints
//! `waiting N ms` and answers after N milliseconds.

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
    // The shutdown test sends SIGTERM once it reads this line: the request is in flight.
    println!("waiting {} ms", input.ms);
    tokio::time::sleep(Duration::from_millis(input.ms)).await;
    Ok(Waited {
        waited_ms: input.ms,
    })
}

#[iii::main]
async fn main() {}
