#[iii::function("math.apply")]
async fn apply(f: fn(i64) -> i64) -> i64 {
    f(1)
}

fn main() {}
