#[iii::function("reports.often")]
#[iii::cron("0 0 0 * * * * *")]
async fn often(tick: iii::CronTick) {
    let _ = tick;
}

fn main() {}
