#[iii::function("reports.yearly")]
#[iii::cron("@annually")]
async fn yearly(tick: iii::CronTick) {
    let _ = tick;
}

fn main() {}
