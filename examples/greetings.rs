//! The seed's complete example in typed Rust: greetings kept in shared [`State`], served over
//! four HTTP routes.
//!
//! ```sh
//! cargo run --example greetings
//! curl -s 'localhost:3111/greet?name=Ada'      # {"greeting":"Hello, Ada!","saved":true}
//! curl -s localhost:3111/greetings             # {"greetings":{"Ada":"Hello, Ada!"}}
//! curl -s localhost:3111/greetings/Ada         # {"greeting":"Hello, Ada!"}
//! curl -s -X DELETE localhost:3111/greetings/Ada  # {"deleted":true}
//! curl -si localhost:3111/greetings/Ada        # 404 {"error":{"code":"not_found",…}}
//! ```

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use iii::prelude::*;

/// Greetings by name, shared by every handler.
#[derive(Debug, Default)]
struct Greetings(Mutex<BTreeMap<String, String>>);

impl Greetings {
    fn map(&self) -> MutexGuard<'_, BTreeMap<String, String>> {
        // A handler that panicked while holding the lock left a consistent map behind.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// `?name=…` of `GET /greet`.
#[derive(Debug, Deserialize, JsonSchema)]
struct GreetQuery {
    name: Option<String>,
}

/// What `GET /greet` answers.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
struct Greeted {
    greeting: String,
    saved: bool,
}

/// What `GET /greetings` answers.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
struct GreetingList {
    greetings: BTreeMap<String, String>,
}

/// What `GET /greetings/:name` answers.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
struct OneGreeting {
    greeting: String,
}

/// What `DELETE /greetings/:name` answers.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
struct Deleted {
    deleted: bool,
}

/// The `:name` of `/greetings/:name`.
#[derive(Debug, Deserialize)]
struct NamePath {
    name: String,
}

/// Greets a user and saves the greeting.
#[iii::function("greetings.greet")]
#[iii::http(path = "greet", method = "GET")]
async fn greet(Query(query): Query<GreetQuery>, greetings: State<Greetings>) -> Greeted {
    let name = query.name.unwrap_or_else(|| "World".to_owned());
    let greeting = format!("Hello, {name}!");
    greetings.map().insert(name, greeting.clone());
    Greeted {
        greeting,
        saved: true,
    }
}

/// Lists every saved greeting.
#[iii::function("greetings.list")]
#[iii::http(path = "greetings", method = "GET")]
async fn list(greetings: State<Greetings>) -> GreetingList {
    GreetingList {
        greetings: greetings.map().clone(),
    }
}

/// Returns one greeting, or 404.
#[iii::function("greetings.get")]
#[iii::http(path = "greetings/:name", method = "GET")]
async fn get(Path(path): Path<NamePath>, greetings: State<Greetings>) -> iii::Result<OneGreeting> {
    match greetings.map().get(&path.name) {
        Some(greeting) => Ok(OneGreeting {
            greeting: greeting.clone(),
        }),
        None => Err(Error::not_found(format!("no greeting for `{}`", path.name))),
    }
}

/// Deletes a greeting, or 404.
#[iii::function("greetings.delete")]
#[iii::http(path = "greetings/:name", method = "DELETE")]
async fn delete(Path(path): Path<NamePath>, greetings: State<Greetings>) -> iii::Result<Deleted> {
    match greetings.map().remove(&path.name) {
        Some(_) => Ok(Deleted { deleted: true }),
        None => Err(Error::not_found(format!("no greeting for `{}`", path.name))),
    }
}

/// The app: its name, the greetings every handler shares, and what it logs once ready. Both
/// `main` and the tests (`tests/greetings.rs`, with `iii::testing::TestApp::new(app())`) serve
/// it, so the state is given in one place.
pub(crate) fn app() -> App {
    App::new()
        .name("greetings")
        .state(Greetings::default())
        .on_ready(|_| async {
            tracing::info!("GET    /greet?name=X      greet and save");
            tracing::info!("GET    /greetings         list all greetings");
            tracing::info!("GET    /greetings/:name   one greeting, or 404");
            tracing::info!("DELETE /greetings/:name   delete a greeting, or 404");
        })
}

#[iii::main]
async fn main() -> App {
    app()
}
