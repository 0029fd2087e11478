//! `#[iii::main]` may fail before serving.

// Compiled, not run: serving would wait for a signal.
#[allow(dead_code)]
#[iii::main]
async fn serve() -> Result<iii::App, std::io::Error> {
    let name = std::env::var("WORKER_NAME").unwrap_or_else(|_| "worker".to_owned());
    Ok(iii::App::new().name(name).on_ready(|worker| async move {
        let _ = worker;
    }))
}

fn main() {}
