#[iii::function("reports.weekly")]
#[iii::cron("0 0 9 * * 0")]
async fn report(tick: iii::CronTick) {
    let _ = tick;
}

fn main() {}
