#[iii::function("jobs.run", crate = "my iii")]
async fn run() {}

fn main() {}
