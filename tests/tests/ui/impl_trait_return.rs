#[iii::function("greet")]
async fn greet(name: String) -> impl serde::Serialize {
    format!("Hello, {name}!")
}

fn main() {}
