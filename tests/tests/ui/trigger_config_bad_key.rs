#[iii::function("logs.watch")]
#[iii::trigger(type = "log", config = { 1: "error" })]
async fn watch(payload: serde_json::Value) {
    let _ = payload;
}

fn main() {}
