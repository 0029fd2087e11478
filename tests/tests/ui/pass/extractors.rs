//! Every parameter kind and return kind compiles.

use std::sync::Mutex;

use iii::http;
use iii::prelude::*;

#[derive(Serialize, Deserialize, JsonSchema)]
struct Input {
    a: i64,
}

#[derive(Serialize, Deserialize, JsonSchema)]
struct Output {
    a: i64,
}

#[derive(Deserialize)]
struct Ids {
    user: u64,
    post: u64,
}

#[derive(Deserialize)]
struct Page {
    page: Option<u32>,
}

#[derive(Default)]
struct Db(Mutex<Vec<i64>>);

#[iii::function("all.params")]
#[iii::http(path = "users/:user/posts/:post", method = "POST")]
async fn all(
    ctx: Context,
    input: Input,
    Path(ids): Path<Ids>,
    Query(page): Query<Page>,
    headers: Headers,
    db: State<Db>,
) -> iii::Result<Output> {
    let _ = (
        ctx.function_id(),
        ids.user,
        ids.post,
        page.page,
        headers.len(),
    );
    db.0.lock()
        .map_err(|_| Error::internal("poisoned"))?
        .push(input.a);
    Ok(Output { a: input.a })
}

#[iii::function("all.request")]
#[iii::http(path = "raw/:id", method = "PUT")]
async fn request(req: http::Request<Input>, Path(id): Path<String>) -> http::Response<Output> {
    let _ = id;
    http::Response::new(Output {
        a: req.into_body().a,
    })
}

#[iii::function("all.blocking")]
fn blocking(input: Input) -> Result<Output, std::io::Error> {
    Ok(Output { a: input.a })
}

#[iii::function("all.string_error")]
async fn string_error() -> Result<(), String> {
    Err("no".to_owned())
}

#[iii::function("all.tuple_path")]
#[iii::http(path = "pairs/:a/:b", method = "GET")]
async fn tuple_path(Path((a, b)): Path<(String, u32)>) -> String {
    format!("{a}{b}")
}

#[iii::function(
    "all.typed_call",
    description = "calls all.blocking",
    timeout = "5s",
    concurrency = 4
)]
pub async fn typed_call(ctx: Context) -> iii::Result<i64> {
    let out = ctx.call::<blocking>(Input { a: 1 }).await?;
    ctx.call_void::<string_error>(()).await?;
    Ok(out.a)
}

// Compiled, not run: serving would wait for a signal.
#[allow(dead_code)]
#[iii::main]
async fn serve() -> App {
    App::new().state(Db::default())
}

fn main() {}
