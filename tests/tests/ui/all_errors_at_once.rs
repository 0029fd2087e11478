#[iii::function("", colour = "blue")]
#[iii::http(path = "a//b", method = "BREW")]
#[iii::cron("0 0 25 * * *")]
async fn everything_wrong(a: &str, b: i64, c: i64) {}

fn main() {}
