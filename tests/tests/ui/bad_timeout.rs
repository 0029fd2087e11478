#[iii::function("slow", timeout = "ten seconds")]
async fn slow() {}

fn main() {}
