use iii::CronTick;

#[iii::function("reports.weekly")]
#[iii::cron("0 0 9 * * 2-FRI")]
async fn weekly(_tick: CronTick) {}

fn main() {}
