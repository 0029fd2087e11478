use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct Order {
    id: String,
}

#[derive(Deserialize)]
struct Refund {
    id: String,
}

const ORDERS: iii::Topic<Order> = iii::Topic::new("orders.created");

#[iii::function("refunds.on_order")]
#[iii::queue(topic = ORDERS)]
async fn on_order(refund: Refund) {
    let _ = refund.id;
}

fn main() {}
