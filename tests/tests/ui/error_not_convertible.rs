struct Oops;

#[iii::function("math.add")]
async fn add(input: (i64, i64)) -> Result<i64, Oops> {
    input.0.checked_add(input.1).ok_or(Oops)
}

fn main() {}
