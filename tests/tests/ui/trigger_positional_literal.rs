#[iii::function("users.list")]
#[iii::http("users")]
async fn list() {}

fn main() {}
