//! The user's own types named like extractors (`api::Context`, `api::Request`, …) are inputs
//! and outputs; `#[input]` takes an imported one as the input; `marker` renames or drops the
//! typed-call type.

use iii::prelude::*;

mod api {
    use iii::prelude::*;

    #[derive(Deserialize, Serialize, JsonSchema)]
    pub struct Context {
        pub user: String,
    }

    #[derive(Deserialize, Serialize)]
    pub struct Request {
        pub q: String,
    }

    #[derive(Deserialize, Serialize)]
    pub enum State {
        On,
        Off,
    }

    #[derive(Deserialize)]
    pub struct Path {
        pub to: String,
    }

    #[derive(Deserialize, Serialize)]
    pub struct Response<T> {
        pub body: T,
    }
}

#[derive(Deserialize)]
struct Headers {
    token: String,
}

#[iii::function("u.ctx")]
async fn with_ctx(input: api::Context) -> String {
    input.user
}

#[iii::function("u.req")]
async fn with_req(input: api::Request) -> api::Response<String> {
    api::Response { body: input.q }
}

#[iii::function("u.state")]
async fn with_state(input: api::State) -> u8 {
    match input {
        api::State::On => 1,
        api::State::Off => 0,
    }
}

#[iii::function("u.path")]
#[iii::http(path = "files", method = "POST")]
async fn with_path(input: api::Path) -> String {
    input.to
}

#[iii::function("u.forced")]
async fn forced(#[input] input: Headers, ctx: Context) -> iii::Result<String> {
    let reply: api::Response<String> = ctx
        .call::<with_req>(api::Request { q: input.token })
        .await?;
    Ok(reply.body)
}

mod add {}

#[iii::function("u.add", marker = "AddFn")]
async fn add(input: (i64, i64)) -> i64 {
    input.0 + input.1
}

#[iii::function("u.caller")]
async fn caller(ctx: Context) -> iii::Result<i64> {
    ctx.call::<AddFn>((1, 2)).await
}

mod handlers {
    use iii::prelude::*;

    #[derive(Deserialize, Serialize)]
    struct Private {
        a: i64,
    }

    #[iii::function("u.private", marker = false)]
    #[allow(private_interfaces)]
    pub async fn private(input: Private) -> i64 {
        input.a
    }
}

#[allow(dead_code)]
#[iii::main]
async fn serve() {}

fn main() {}
