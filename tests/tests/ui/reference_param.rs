#[iii::function("greet")]
async fn greet(name: &str) -> String {
    format!("Hello, {name}!")
}

fn main() {}
