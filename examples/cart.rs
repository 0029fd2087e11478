//! A shopping cart on the engine's services: carts kept in the engine's key/value store
//! ([`Kv`](iii::Kv)), every change streamed on the `carts` stream, and a checkout published
//! to the durable `cart.checked_out` queue, whose consumer places the order. Publisher and
//! consumer share one [`Topic`] constant, so the compiler checks the message type on both
//! sides.
//!
//! ```sh
//! cargo run --example cart
//! curl -s -X POST localhost:3111/carts/c1/items -H 'content-type: application/json' \
//!      -d '{"sku":"apple","quantity":3,"price_cents":50}'     # the cart, total 150
//! curl -s localhost:3111/carts/c1                             # the cart
//! curl -s -X POST localhost:3111/carts/c1/checkout            # {"status":"checked_out",…}
//! curl -s localhost:3111/orders/c1                            # the order, once placed
//! ```

use iii::prelude::*;

/// Key/value scope of the carts.
const CARTS: &str = "carts";
/// Key/value scope of the orders.
const ORDERS: &str = "orders";
/// The stream every cart change is written to: group `all`, item id the cart's id.
const CART_STREAM: &str = "carts";

/// Published when a cart is checked out; consumed by `orders.place`.
const CHECKED_OUT: Topic<CheckedOut> = Topic::new("cart.checked_out");

/// One line of a cart.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
struct Item {
    sku: String,
    quantity: i64,
    price_cents: i64,
}

/// A cart as stored (`carts`/`<id>`) and answered.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
struct Cart {
    id: String,
    #[serde(default)]
    items: Vec<Item>,
    #[serde(default)]
    total_cents: i64,
    #[serde(default)]
    status: String,
}

/// The message of [`CHECKED_OUT`].
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
struct CheckedOut {
    cart_id: String,
    total_cents: i64,
    items: usize,
}

/// An order as stored (`orders`/<cart id>) and answered.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
struct Order {
    cart_id: String,
    total_cents: i64,
    items: usize,
    status: String,
}

/// The `:cart_id` of the routes.
#[derive(Debug, Deserialize)]
struct CartPath {
    cart_id: String,
}

/// Adds an item to a cart (creating it), in one `state::update`.
#[iii::function("cart.add_item")]
#[iii::http(path = "carts/:cart_id/items", method = "POST")]
async fn add_item(item: Item, Path(path): Path<CartPath>, ctx: Context) -> iii::Result<Cart> {
    if item.quantity <= 0 || item.price_cents < 0 {
        return Err(Error::bad_request(
            "quantity must be positive and price not negative",
        ));
    }
    let kv = ctx.kv();
    if let Some(cart) = kv.get::<Cart>(CARTS, &path.cart_id).await?
        && cart.status != "open"
    {
        return Err(Error::conflict(format!(
            "cart `{}` is {}",
            cart.id, cart.status
        )));
    }
    let line_total = item
        .quantity
        .checked_mul(item.price_cents)
        .ok_or_else(|| Error::bad_request("the line total is too large"))?;
    let update = Update::new()
        .set("id", &path.cart_id)
        .set("status", "open")
        .append("items", &item)
        .increment("total_cents", line_total);
    let cart = kv
        .update::<Cart>(CARTS, &path.cart_id, update)
        .await?
        .new_value;
    ctx.stream::<Cart>(CART_STREAM)
        .set("all", &cart.id, &cart)
        .await?;
    Ok(cart)
}

/// The cart, or 404.
#[iii::function("cart.get")]
#[iii::http(path = "carts/:cart_id", method = "GET")]
async fn get_cart(Path(path): Path<CartPath>, ctx: Context) -> iii::Result<Cart> {
    ctx.kv()
        .get::<Cart>(CARTS, &path.cart_id)
        .await?
        .ok_or_else(|| Error::not_found(format!("no cart `{}`", path.cart_id)))
}

/// Checks a cart out: marks it, and publishes [`CHECKED_OUT`] for the order to be placed.
#[iii::function("cart.checkout")]
#[iii::http(path = "carts/:cart_id/checkout", method = "POST")]
async fn checkout(Path(path): Path<CartPath>, ctx: Context) -> iii::Result<Cart> {
    let kv = ctx.kv();
    let cart = kv
        .get::<Cart>(CARTS, &path.cart_id)
        .await?
        .ok_or_else(|| Error::not_found(format!("no cart `{}`", path.cart_id)))?;
    if cart.status != "open" || cart.items.is_empty() {
        return Err(Error::conflict(format!(
            "cart `{}` cannot be checked out ({}, {} items)",
            cart.id,
            cart.status,
            cart.items.len()
        )));
    }
    let update = Update::new().set("status", "checked_out");
    let cart = kv.update::<Cart>(CARTS, &cart.id, update).await?.new_value;
    ctx.stream::<Cart>(CART_STREAM)
        .set("all", &cart.id, &cart)
        .await?;
    let message = CheckedOut {
        cart_id: cart.id.clone(),
        total_cents: cart.total_cents,
        items: cart.items.len(),
    };
    ctx.publish_durable(&CHECKED_OUT, &message).await?;
    Ok(cart)
}

/// Places the order of a checked-out cart (the durable queue retries it on failure).
#[iii::function("orders.place")]
#[iii::queue(topic = CHECKED_OUT)]
async fn place_order(event: CheckedOut, ctx: Context) -> iii::Result<()> {
    let order = Order {
        cart_id: event.cart_id,
        total_cents: event.total_cents,
        items: event.items,
        status: "placed".to_owned(),
    };
    ctx.kv().set(ORDERS, &order.cart_id, &order).await?;
    tracing::info!(cart = %order.cart_id, total_cents = order.total_cents, "order placed");
    Ok(())
}

/// The order of a cart, or 404 until it is placed.
#[iii::function("orders.get")]
#[iii::http(path = "orders/:cart_id", method = "GET")]
async fn get_order(Path(path): Path<CartPath>, ctx: Context) -> iii::Result<Order> {
    ctx.kv()
        .get::<Order>(ORDERS, &path.cart_id)
        .await?
        .ok_or_else(|| Error::not_found(format!("no order for cart `{}`", path.cart_id)))
}

#[iii::main]
async fn main() -> App {
    App::new().name("cart").on_ready(|_| async {
        tracing::info!(
            "POST /carts/:cart_id/items     add an item (JSON: sku, quantity, price_cents)"
        );
        tracing::info!("GET  /carts/:cart_id           the cart");
        tracing::info!(
            "POST /carts/:cart_id/checkout  check out; the order is placed from the queue"
        );
        tracing::info!("GET  /orders/:cart_id          the order, once placed");
    })
}
