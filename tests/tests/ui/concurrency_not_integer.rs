#[iii::function("jobs.run", concurrency = "8")]
async fn run() {}

fn main() {}
