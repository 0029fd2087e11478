#[iii::main]
async fn main<T>() {}
