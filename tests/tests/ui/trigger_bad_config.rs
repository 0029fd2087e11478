#[iii::function("logs.errors")]
#[iii::trigger(type = "log", config = { "level": error })]
async fn on_error(entry: serde_json::Value) {
    let _ = entry;
}

fn main() {}
