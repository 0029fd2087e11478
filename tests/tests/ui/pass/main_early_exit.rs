//! `?` and `return` in an `#[iii::main]` body leave the body, as they would leave `main`.

use std::fmt;

#[derive(Debug)]
struct ConfigError;

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no configuration")
    }
}

fn load_name() -> Result<String, ConfigError> {
    Ok("worker".to_owned())
}

mod question_mark {
    use super::{ConfigError, load_name};

    // Compiled, not run: serving would wait for a signal.
    #[allow(dead_code)]
    #[iii::main]
    async fn serve() -> Result<iii::App, ConfigError> {
        let name = load_name()?;
        Ok(iii::App::new().name(name))
    }
}

mod boxed_error {
    #[allow(dead_code)]
    #[iii::main]
    async fn serve() -> Result<iii::App, Box<dyn std::error::Error + Send + Sync>> {
        let limit: usize = "64".parse()?;
        Ok(iii::App::new().max_in_flight(limit))
    }
}

mod early_return {
    #[allow(dead_code)]
    #[iii::main]
    async fn serve() -> iii::App {
        if std::env::var("WORKER_NAME").is_err() {
            return iii::App::new();
        }
        iii::App::new().name("named")
    }
}

mod unit_return {
    #[allow(dead_code)]
    #[iii::main]
    async fn serve() {
        if std::env::var("NOTHING").is_ok() {
            return;
        }
    }
}

fn main() {}
