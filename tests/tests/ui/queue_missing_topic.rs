#[iii::function("orders.process")]
#[iii::queue(name = "orders")]
async fn process(order: serde_json::Value) {
    let _ = order;
}

fn main() {}
