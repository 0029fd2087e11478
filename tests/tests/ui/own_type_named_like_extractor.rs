use serde::Deserialize;

#[derive(Deserialize)]
struct Context {
    user: String,
}

#[iii::function("users.greet")]
async fn greet(input: Context) -> String {
    input.user
}

fn main() {}
