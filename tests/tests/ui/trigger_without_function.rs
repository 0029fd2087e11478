#[iii::http(path = "add", method = "POST")]
async fn add(input: i64) -> i64 {
    input
}

fn main() {}
