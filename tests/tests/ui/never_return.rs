#[iii::function("jobs.forever")]
async fn forever() -> ! {
    loop {}
}

fn main() {}
