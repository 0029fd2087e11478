//! A `Topic<T>` constant shared by the publisher and the consumers, by path; the typed
//! clients (`kv`, `stream`, `publish_durable`) from a handler's context.

use iii::prelude::*;

#[derive(Serialize, Deserialize, JsonSchema)]
struct Order {
    id: String,
    total: i64,
}

mod topics {
    pub const ORDERS: iii::Topic<super::Order> = iii::Topic::new("orders.created");
}

const SHIPPED: Topic<Order> = Topic::new("orders.shipped");

#[iii::function("t.place")]
async fn place(order: Order, ctx: Context) -> iii::Result<()> {
    ctx.kv().set("orders", &order.id, &order).await?;
    ctx.stream::<Order>("orders").set("all", &order.id, &order).await?;
    ctx.publish_durable(&topics::ORDERS, &order).await?;
    ctx.publish(&SHIPPED, &order).await
}

#[iii::function("t.on_order")]
#[iii::queue(topic = topics::ORDERS)]
async fn on_order(order: Order) {
    let _ = (order.id, order.total);
}

#[iii::subscribe(topic = SHIPPED)]
#[iii::function("t.on_shipped")]
async fn on_shipped(order: Order, ctx: Context) -> iii::Result<()> {
    ctx.kv().delete::<Order>("orders", &order.id).await.map(drop)
}

// A consumer that takes no input needs no type check.
#[iii::function("t.count")]
#[iii::queue(topic = topics::ORDERS)]
async fn count() {}

fn main() {}
