#[iii::cron("@daily")]
struct Nightly;

fn main() {}
