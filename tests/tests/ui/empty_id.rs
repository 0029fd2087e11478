#[iii::function("")]
async fn nameless() {}

fn main() {}
