//! Every error type a handler may return compiles: `iii::Error`, a user type with
//! `impl From<MyError> for iii::Error`, any `std::error::Error` (boxed or not, `Send` or not),
//! `anyhow::Error`, `String` and `&'static str`.

use iii::prelude::*;

#[derive(Debug)]
enum MyError {
    Missing,
}

impl From<MyError> for iii::Error {
    fn from(e: MyError) -> Self {
        match e {
            MyError::Missing => iii::Error::not_found("missing"),
        }
    }
}

#[iii::function("e.mine")]
async fn mine() -> Result<u8, MyError> {
    Err(MyError::Missing)
}

#[iii::function("e.anyhow")]
async fn with_anyhow() -> Result<u8, anyhow::Error> {
    Err(anyhow::anyhow!("nope"))
}

#[iii::function("e.box_send")]
async fn boxed_send() -> Result<u8, Box<dyn std::error::Error + Send + Sync>> {
    Err("nope".into())
}

#[iii::function("e.box_local")]
async fn boxed_local() -> Result<u8, Box<dyn std::error::Error>> {
    Err("nope".into())
}

#[iii::function("e.string")]
fn string() -> Result<u8, String> {
    Err("nope".to_owned())
}

#[iii::function("e.str")]
fn static_str() -> Result<u8, &'static str> {
    Err("nope")
}

#[iii::function("e.io")]
async fn io() -> std::result::Result<u8, std::io::Error> {
    Err(std::io::Error::other("nope"))
}

fn main() {}
