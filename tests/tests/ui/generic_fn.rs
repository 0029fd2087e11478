#[iii::function("math.add")]
async fn add<T: serde::de::DeserializeOwned>(input: T) -> iii::Result<()> {
    let _ = input;
    Ok(())
}

fn main() {}
