//! `crate = "…"` for a renamed dependency.

use ::iii as my_iii;

#[my_iii::function("renamed.add", crate = "my_iii")]
#[my_iii::http(path = "add", method = "POST", crate = "my_iii")]
async fn add(input: (i64, i64)) -> i64 {
    input.0 + input.1
}

// Compiled, not run: serving would wait for a signal.
#[allow(dead_code)]
#[my_iii::main(crate = "my_iii")]
async fn serve() -> my_iii::App {
    my_iii::App::new().name("renamed")
}

fn main() {}
