#[iii::function("math.add", marker = 3)]
async fn add(input: (i64, i64)) -> i64 {
    input.0 + input.1
}

fn main() {}
