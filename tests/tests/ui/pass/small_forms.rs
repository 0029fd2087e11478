//! The root route, a `&'static str` result, and a `config` string read as JSON text.

use iii::prelude::*;

#[iii::function("misc.root")]
#[iii::http(path = "/", method = "GET")]
async fn root() -> &'static str {
    "hello"
}

#[iii::function("misc.caller")]
async fn caller(ctx: Context) -> iii::Result<String> {
    ctx.call::<root>(()).await
}

#[iii::function("misc.sync_static")]
fn sync_static() -> Result<&'static str, String> {
    Ok("ok")
}

#[iii::function("misc.config")]
#[iii::trigger(type = "log", config = r#"{"msg": "caf\u00e9", "n": [1, 2.5e3]}"#)]
async fn on_log(payload: serde_json::Value) {
    let _ = payload;
}

#[allow(dead_code)]
#[iii::main]
async fn serve() {}

fn main() {}
