//! A typed durable queue round trip through a Python worker: Rust publishes `Order`s on a
//! `Topic<Order>`, Python validates each with pydantic and answers on a `Topic<Reply>` that a
//! typed Rust consumer takes (`tests/python/services_worker.py`).

use iii::prelude::*;

use crate::interop::{Rig, STARTUP, python, record, wait_for_triggers};
use crate::interop_services::start;

const DEPRECATION: &str = "register_trigger is deprecated";

/// What Rust publishes on the typed queue.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
struct Order {
    cart_id: String,
    total_cents: i64,
    items: Vec<String>,
}

/// What Python publishes back.
#[derive(Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct Reply {
    cart_id: String,
    total_cents: i64,
    seen_by: String,
}

const ORDERS: Topic<Order> = Topic::new("interop.orders.typed");
const REPLIES: Topic<Reply> = Topic::new("interop.replies.typed");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_typed_queue_round_trip_through_python() {
    if python().is_none() {
        return;
    }
    let rig = Rig::start().await;
    let worker = &rig.worker;
    let mut replies = record::<Reply>(worker, "rs.on_reply");
    worker.register_trigger(REPLIES.queue_trigger("rs.on_reply"));
    rig.connect().await;
    let mut py = start(&rig, "unused", "unused").await;
    wait_for_triggers(worker, "py.on_order", 1).await;

    for (id, total) in [("c1", 150), ("c2", 40)] {
        let order = Order {
            cart_id: id.into(),
            total_cents: total,
            items: vec!["apple".into()],
        };
        worker
            .publish_durable(&ORDERS, &order)
            .await
            .expect("published");
    }
    let mut got = replies.take(2, "python answers every order").await;
    got.sort_by(|a, b| a.cart_id.cmp(&b.cart_id));
    assert_eq!(
        got,
        [
            Reply {
                cart_id: "c1".into(),
                total_cents: 300,
                seen_by: "python".into()
            },
            Reply {
                cart_id: "c2".into(),
                total_cents: 80,
                seen_by: "python".into()
            },
        ]
    );
    py.wait_for_line("REPLIED c2", STARTUP).await;
    py.stop_quiet(&[DEPRECATION]).await;
    rig.shutdown().await;
}
