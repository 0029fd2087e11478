//! An attribute of another crate whose last path segment is a trigger's name (`http` below is
//! `tracing::instrument` under another name) stays that crate's: `#[iii::function]` does not
//! take it as a trigger (its arguments would be errors if it did), and it still applies.

use iii::__private::{FunctionRegistration, inventory};

mod other {
    pub use tracing::instrument as http;
}

#[iii::function("foreign.traced")]
#[other::http(skip_all, name = "traced")]
async fn traced(input: i64) -> i64 {
    input
}

#[iii::function("foreign.both")]
#[iii::http(path = "both", method = "POST")]
#[other::http(skip_all)]
async fn both(input: i64) -> i64 {
    input
}

fn triggers(id: &str) -> Option<usize> {
    inventory::iter::<FunctionRegistration>
        .into_iter()
        .find(|r| r.id == id)
        .map(|r| r.triggers.len())
}

fn main() {
    assert_eq!(triggers("foreign.traced"), Some(0));
    assert_eq!(triggers("foreign.both"), Some(1));
}
