#[iii::function("jobs.run", concurrency = -1)]
async fn run() {}

fn main() {}
