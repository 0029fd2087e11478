#[iii::function("items.get")]
#[iii::http(path = "items", path = "things", method = "GET")]
async fn get() {}

fn main() {}
