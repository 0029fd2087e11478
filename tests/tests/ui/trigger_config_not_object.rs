#[iii::function("logs.watch")]
#[iii::trigger(type = "log", config = ["error"])]
async fn watch(payload: serde_json::Value) {
    let _ = payload;
}

fn main() {}
