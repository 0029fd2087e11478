#[iii::function("text.show")]
async fn show(input: impl std::fmt::Display) -> String {
    input.to_string()
}

fn main() {}
