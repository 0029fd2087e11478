#[iii::function("orders.on_order")]
#[iii::subscribe(topic = 42)]
async fn on_order(order: serde_json::Value) {
    let _ = order;
}

fn main() {}
