#[iii::function("jobs.run", timeout =)]
async fn run() {}

fn main() {}
