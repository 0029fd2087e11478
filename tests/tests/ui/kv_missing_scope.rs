#[iii::function("users.changed")]
#[iii::kv(key = "42")]
async fn changed(event: iii::KvEvent) {
    let _ = event;
}

fn main() {}
