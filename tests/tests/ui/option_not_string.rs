#[iii::function("jobs.run", timeout = 30)]
async fn run() {}

fn main() {}
