#[iii::function("items.fetch")]
#[iii::http(path = "items", method = "FETCH")]
async fn fetch() {}

fn main() {}
