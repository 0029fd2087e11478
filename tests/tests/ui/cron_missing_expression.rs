use iii::CronTick;

#[iii::function("reports.nightly")]
#[iii::cron()]
async fn nightly(_tick: CronTick) {}

fn main() {}
