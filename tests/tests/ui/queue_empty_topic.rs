#[iii::function("orders.process")]
#[iii::queue(topic = "")]
async fn process(order: serde_json::Value) {
    let _ = order;
}

fn main() {}
