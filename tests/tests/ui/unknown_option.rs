#[iii::function("math.add", retries = 3)]
async fn add(input: i64) -> i64 {
    input
}

fn main() {}
