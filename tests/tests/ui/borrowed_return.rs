#[iii::function("text.name")]
async fn name<'a>() -> &'a str {
    "name"
}

fn main() {}
