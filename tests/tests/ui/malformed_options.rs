#[iii::function("jobs.run" timeout = "5s")]
async fn run() {}

fn main() {}
