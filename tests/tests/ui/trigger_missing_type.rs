#[iii::function("logs.watch")]
#[iii::trigger(config = { "level": "error" })]
async fn watch(payload: serde_json::Value) {
    let _ = payload;
}

fn main() {}
