#[iii::function("jobs.run", concurrency = 0)]
async fn run() {}

fn main() {}
