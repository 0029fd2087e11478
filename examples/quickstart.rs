//! The seed's quickstart in typed Rust: `math.add` served on `POST /add`.
//!
//! ```sh
//! cargo run --example quickstart
//! curl -s -X POST localhost:3111/add -H 'content-type: application/json' -d '{"a":2,"b":3}'
//! # {"sum":5}
//! ```

use iii::prelude::*;

/// The input of `math.add`.
#[derive(Debug, Deserialize, JsonSchema)]
struct AddInput {
    a: i64,
    b: i64,
}

/// The output of `math.add`.
#[derive(Debug, Serialize, JsonSchema)]
struct AddOutput {
    sum: i64,
}

/// Adds two numbers.
#[iii::function("math.add")]
#[iii::http(path = "add", method = "POST")]
async fn add(input: AddInput) -> iii::Result<AddOutput> {
    let sum = input
        .a
        .checked_add(input.b)
        .ok_or_else(|| Error::bad_request("the sum overflows a 64-bit integer"))?;
    Ok(AddOutput { sum })
}

#[iii::main]
async fn main() {}
