struct AddOutput {
    sum: i64,
}

#[iii::function("math.add")]
async fn add(input: (i64, i64)) -> iii::Result<AddOutput> {
    Ok(AddOutput {
        sum: input.0 + input.1,
    })
}

fn main() {}
