struct AddInput {
    a: i64,
    b: i64,
}

#[iii::function("math.add")]
async fn add(input: AddInput) -> i64 {
    input.a + input.b
}

fn main() {}
