//! Attribute macros of `iii-runtime`. Use them through the runtime (`#[iii::function]`,
//! `#[iii::http]`, `#[iii::main]`, …); their documentation lives there.
//!
//! Each entry point hands `proc_macro2` tokens to a module (`function`, `trigger`, `main_fn`)
//! that goes in three steps, each in its own file: `parse` reads the input into a typed syntax
//! tree (`ast`), `validate` checks it into the model the expansion needs (collecting every
//! error, spanned, into `errors::Errors`), and only `expand` calls `quote!`. Shared by all:
//! `args` (the `key = value` syntax) and `krate` (how the crate being compiled names the
//! runtime, and which attribute paths are ours).

mod args;
mod errors;
mod function;
mod krate;
mod main_fn;
mod trigger;

use proc_macro::TokenStream;

/// Declares a worker function: `#[iii::function("math.add")]` on an `async fn` (or a plain
/// `fn`, run on the blocking pool).
///
/// Options: the id (first, or `id = "…"`), `description = "…"` (default: the doc comment),
/// `timeout = "30s"` (`ms`, `s`, `m`, `h`), `concurrency = 8`, `marker = "Name"` or
/// `marker = false` (see below), `crate = "path"` (the path of `iii-runtime` when the
/// dependency is renamed and the macro cannot find it in `Cargo.toml`).
///
/// Parameters: at most one typed input (`serde::Deserialize`; for HTTP, the body) plus any of
/// the extractors `iii::Context`, `iii::State<T>`, `iii::Path<T>`, `iii::Query<T>`,
/// `iii::Headers`, `http::Request<T>`. The macro sees names, not types: a parameter is an
/// extractor when its type is written as one of these names imported (`Context`), or through
/// `iii::`, `http::` or the `crate` path; `api::Context` is an input. Mark a parameter
/// `#[input]` to take your own type named like an extractor as the input
/// (`#[input] ctx: Context`). Returns: a `T: Serialize`, `Result<T, E>` with `E` converting
/// into `iii::Error`, or `http::Response<T>` (written `Response<T>`, `http::Response<T>` or
/// `iii::http::Response<T>`).
///
/// Also generates a marker type implementing `iii::TypedFunction`, for
/// `ctx.call::<name>(input)`: named like the function (types and functions live in different
/// namespaces) and as visible as the function. `marker = "Name"` names it otherwise (when a
/// module or type of the function's name exists); `marker = false` leaves it out (for example
/// when the function is more visible than its input or output type, which the marker's
/// `TypedFunction` impl cannot be: error E0446).
///
/// Trigger attributes (`#[iii::http]`, …) are taken from below it when written as a bare
/// name (`#[http]`, imported) or through `iii`, the dependency's name in `Cargo.toml`, or the
/// `crate` path; another path (`#[other::http]`) is left to the crate it names.
///
/// What is checked when:
///
/// - at compile time, at the offending token: the options, the signature (inputs, extractors,
///   the return type, an error type that converts into nothing), each trigger attribute (a
///   cron expression, a route and its method, a trigger's JSON configuration), and the route
///   parameters against a tuple or single-value `Path<T>` (their number);
/// - when the worker starts, before it connects (`#[iii::main]` and `iii::register_declared`),
///   all reported at once with the places: two functions with one id, two routes the engine
///   cannot tell apart, the route parameters against a struct `Path<T>`'s fields as serde
///   names them, a route with `:params` on a function that takes no `Path<T>` (nor
///   `http::Request<T>`), and a `State<T>` with no value given to the worker;
/// - when the worker connects: a function another live worker holds (see `App::standby`).
#[proc_macro_attribute]
pub fn function(args: TokenStream, item: TokenStream) -> TokenStream {
    function::expand(args.into(), item.into()).into()
}

/// Adds an HTTP route to an `#[iii::function]`: `#[iii::http(path = "users/:id", method =
/// "GET")]` (method default `GET`; GET POST PUT DELETE PATCH HEAD OPTIONS). Repeatable. The
/// route is checked at compile time, and its `:params` against a `Path<T>` parameter.
#[proc_macro_attribute]
pub fn http(args: TokenStream, item: TokenStream) -> TokenStream {
    trigger::expand_standalone("http", args.into(), item.into()).into()
}

/// Consumes a durable queue topic (trigger type `durable:subscriber`):
/// `#[iii::queue(topic = "orders.created")]`, or `#[iii::queue(topic = ORDERS)]` naming an
/// `iii::Topic<T>` constant, whose `T` the function's input must be (checked at compile
/// time). The input is the published message.
#[proc_macro_attribute]
pub fn queue(args: TokenStream, item: TokenStream) -> TokenStream {
    trigger::expand_standalone("queue", args.into(), item.into()).into()
}

/// Runs an `#[iii::function]` on a schedule: `#[iii::cron("0 */5 * * * *")]`, seconds first,
/// 6 or 7 fields (trailing year), or `@yearly` `@monthly` `@weekly` `@daily` `@hourly`; UTC.
/// Checked at compile time with the engine's rules (days of the week 1–7, 1 = Sunday, or
/// names). The input is an `iii::CronTick`.
#[proc_macro_attribute]
pub fn cron(args: TokenStream, item: TokenStream) -> TokenStream {
    trigger::expand_standalone("cron", args.into(), item.into()).into()
}

/// Subscribes an `#[iii::function]` to a pub/sub topic:
/// `#[iii::subscribe(topic = "orders.shipped")]`, or `topic = SHIPPED` naming an
/// `iii::Topic<T>` constant (the input must be its `T`). The input is the published message.
#[proc_macro_attribute]
pub fn subscribe(args: TokenStream, item: TokenStream) -> TokenStream {
    trigger::expand_standalone("subscribe", args.into(), item.into()).into()
}

/// Fires an `#[iii::function]` on stream changes:
/// `#[iii::stream(name = "presence", group = "room-1", item = "user-1")]` (group and item
/// optional filters). The input is an `iii::StreamEvent`.
#[proc_macro_attribute]
pub fn stream(args: TokenStream, item: TokenStream) -> TokenStream {
    trigger::expand_standalone("stream", args.into(), item.into()).into()
}

/// Fires an `#[iii::function]` on changes of the engine's key/value store (the engine's
/// `state::*` functions; trigger type `state`): `#[iii::kv(scope = "users", key = "42")]`
/// (`key` optional). The input is an `iii::KvEvent`.
#[proc_macro_attribute]
pub fn kv(args: TokenStream, item: TokenStream) -> TokenStream {
    trigger::expand_standalone("kv", args.into(), item.into()).into()
}

/// Adds a trigger of any type: `#[iii::trigger(type = "log", config = { "level": "error" })]`;
/// `config` is a JSON object written as tokens or as a string, checked at compile time.
#[proc_macro_attribute]
pub fn trigger(args: TokenStream, item: TokenStream) -> TokenStream {
    trigger::expand_standalone("trigger", args.into(), item.into()).into()
}

/// Runs the worker: `#[iii::main] async fn main() {}` serves every `#[iii::function]` until
/// SIGINT/SIGTERM. Return an `iii::App` (or `Result<iii::App, E>`) to configure it first:
/// URL, name, limits, `state(value)` for `State<T>` parameters, `on_ready` hooks.
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    main_fn::expand(args.into(), item.into()).into()
}
