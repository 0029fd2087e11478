#[iii::function("jobs.run", concurrency = 1000000000000)]
async fn run() {}

fn main() {}
