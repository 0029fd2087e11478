#[iii::function("reports.hourly")]
#[iii::cron("*/5 * * * *")]
async fn report(tick: iii::CronTick) {
    let _ = tick;
}

fn main() {}
