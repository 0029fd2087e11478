//! The test kit (feature `testing`, for `[dev-dependencies]`): test a worker with
//! `cargo test`, in-process, in milliseconds.
//!
//! ```toml
//! [dev-dependencies]
//! iii-runtime = { version = "0.1", features = ["testing"] }
//! ```
//!
//! Two levels:
//!
//! - **The app**: [`TestApp::new(app())`](TestApp::new) serves the [`App`](crate::App) your
//!   `#[iii::main] async fn main() -> App { app() }` serves (states given once, in `app()`),
//!   on a development engine of its own started in-process on free ports; the declared
//!   functions are registered and ready before it returns, and dropping it stops everything.
//!   Tests run in parallel in one binary: no fixed ports, no globals. From there: typed calls
//!   ([`TestApp::call`]), raw ones ([`TestApp::invoke`]), fire and forget, enqueue; HTTP
//!   requests ([`TestApp::http`]); triggers fired on demand and waited for
//!   ([`TestApp::cron`], [`TestApp::publish`], [`TestApp::kv_set`], …).
//! - **A handler**: [`TestContext`] builds the [`Context`](crate::Context) a handler takes,
//!   with the caller, metadata and trigger a test chooses, and [`MockCalls`] answers the calls
//!   it makes through it.
//!
//! ```standalone_crate
//! use iii::prelude::*;
//! use iii::testing::TestApp;
//!
//! #[derive(Serialize, Deserialize, JsonSchema)]
//! struct Hello { greeting: String }
//!
//! #[iii::function("hello.say")]
//! #[iii::http(path = "hello/:name", method = "GET")]
//! async fn say(Path(name): Path<String>) -> iii::Result<Hello> {
//!     if name == "nobody" {
//!         return Err(Error::not_found("nobody is here"));
//!     }
//!     Ok(Hello { greeting: format!("Hello, {name}!") })
//! }
//!
//! fn app() -> App {
//!     App::new().name("hello")
//! }
//!
//! # #[tokio::main] async fn main() {
//! let t = TestApp::new(app()).await;
//! let ok = t.http().get("/hello/Ada").send().await.unwrap();
//! assert_eq!(ok.status, 200);
//! assert_eq!(ok.parse_json::<Hello>().unwrap().greeting, "Hello, Ada!");
//! let missing = t.http().get("/hello/nobody").send().await.unwrap();
//! assert_eq!(missing.status, 404);
//! assert_eq!(missing.json()["error"]["code"], "not_found");
//! # }
//! ```
//!
//! # One binary, many tests
//!
//! A test binary declares every `#[iii::function]` linked into it (those of its own files and
//! of the modules it includes, such as an example's code through `#[path = "../greetings.rs"]
//! mod greetings;`), and a [`TestApp`] registers them all, so its `app()` gives the states all
//! of them take. [`TestOptions::only`] registers some only, and then only their states are
//! needed. Each [`TestApp`] has its own engine and worker: tests run in parallel, and what one
//! writes (engine state, streams, queues, the app's states) the others never see.
//!
//! # Against a real engine
//!
//! With `III_TEST_URL` set (and `III_TEST_HTTP_URL` for HTTP), a [`TestApp`] starts no engine:
//! its worker connects there, in a namespace of its own per test (`test-<uuid>`, see
//! [`TestApp::namespace`]), so that a team runs its suite against a staging engine. HTTP
//! routes are the engine's, shared by every test: tests that run there in parallel need
//! routes of their own. What only the in-process engine can do (fire a cron tick now, read the
//! dead-letter list) fails there with [`KitError::OnlyTestEngine`].

mod app;
mod calls;
mod context;
mod cron;
mod error;
mod fire;
mod http;
mod mock;
mod options;
mod recorder;

pub use self::app::{ENV_TEST_HTTP_URL, ENV_TEST_URL, TestApp};
pub use self::context::{TestContext, TestInvocation};
pub use self::cron::Cron;
pub use self::error::KitError;
pub use self::http::{Http, Request, Response};
pub use self::mock::{MockCall, MockCalls};
pub use self::options::TestOptions;
/// The test engine's configuration, for [`TestOptions::engine`].
pub use iii_engine::EngineConfig;
