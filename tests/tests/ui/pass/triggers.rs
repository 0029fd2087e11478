//! Every trigger attribute compiles, above or below `#[iii::function]`.

use iii::prelude::*;

#[iii::cron("0 */5 * * * *")]
#[iii::function("t.cron")]
async fn every_five_minutes(tick: CronTick) {
    let _ = tick.scheduled_time;
}

#[iii::function("t.cron_names")]
#[iii::cron("0 0 9-17 * * MON-FRI")]
#[iii::cron(expression = "@daily")]
async fn office_hours(_tick: CronTick) {}

#[iii::function("t.queue")]
#[iii::queue(topic = "orders.created")]
async fn on_order(order: serde_json::Value) {
    let _ = order;
}

#[iii::function("t.subscribe")]
#[iii::subscribe(topic = "orders.shipped")]
async fn on_shipped(order: serde_json::Value) {
    let _ = order;
}

#[iii::function("t.stream")]
#[iii::stream(name = "presence", group = "room-1", item = "user-1")]
async fn on_presence(event: StreamEvent) {
    let _ = event.stream_name;
}

#[iii::function("t.state")]
#[iii::kv(scope = "users", key = "42")]
async fn on_user(event: KvEvent) {
    let _ = event.new_value;
}

#[iii::function("t.custom")]
#[iii::trigger(type = "log", config = { "level": "error", "n": [1, -2.5, true, null] })]
#[iii::trigger(type = "engine::workers-available", config = "{\"a\": {}}")]
#[iii::trigger(type = "engine::functions-available")]
async fn on_anything(payload: serde_json::Value) {
    let _ = payload;
}

// Compiled, not run: serving would wait for a signal.
#[allow(dead_code)]
#[iii::main]
async fn serve() {}

fn main() {}
