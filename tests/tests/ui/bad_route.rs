#[iii::function("items.get")]
#[iii::http(path = "items/{id}", method = "GET")]
async fn get() {}

fn main() {}
