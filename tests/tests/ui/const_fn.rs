#[iii::function("math.double")]
const fn double(input: i64) -> i64 {
    input * 2
}

fn main() {}
