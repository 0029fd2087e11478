#[iii::function("users.changed")]
#[iii::state(key = "42")]
async fn changed(event: iii::StateEvent) {
    let _ = event;
}

fn main() {}
