//! Unit tests of the queue store: fan-out, waiting messages, settling, bounds, restarts.

use std::sync::Mutex;

use serde_json::json;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use serde_json::Value;

use super::store::MAX_PENDING_BYTES;
use super::*;
use crate::config_stores::QueueSettings;
use crate::events::Delivery;
use crate::stores::db::{Db, StoreError};

/// A directory the test changes at will.
#[derive(Default)]
struct Fake {
    topics: Mutex<HashMap<String, Vec<String>>>,
    functions: Mutex<BTreeSet<String>>,
}

impl Directory for Fake {
    fn subscribers(&self, topic: &str) -> Vec<String> {
        let topics = self.topics.lock().unwrap_or_else(|e| e.into_inner());
        topics.get(topic).cloned().unwrap_or_default()
    }
    fn has_function(&self, function_id: &str) -> bool {
        let functions = self.functions.lock().unwrap_or_else(|e| e.into_inner());
        functions.contains(function_id)
    }
}

impl Fake {
    fn subscribe(&self, topic: &str, function_id: &str) {
        let mut topics = self.topics.lock().unwrap_or_else(|e| e.into_inner());
        topics
            .entry(topic.to_owned())
            .or_default()
            .push(function_id.to_owned());
    }
    fn register(&self, function_id: &str) {
        let mut functions = self.functions.lock().unwrap_or_else(|e| e.into_inner());
        functions.insert(function_id.to_owned());
    }
}

fn store(directory: &Arc<Fake>) -> QueueStore {
    store_with(directory, BTreeMap::new())
}

fn store_with(directory: &Arc<Fake>, settings: BTreeMap<String, QueueSettings>) -> QueueStore {
    let directory: Arc<dyn Directory> = directory.clone();
    match QueueStore::open(Db::memory(), directory, settings) {
        Ok(store) => store,
        Err(e) => panic!("{e}"),
    }
}

fn targets(deliveries: &[Delivery]) -> Vec<(&str, Value)> {
    deliveries
        .iter()
        .map(|d| (d.function_id.as_str(), d.data.clone()))
        .collect()
}

#[test]
fn a_publish_is_copied_to_each_subscriber_and_forgotten_once_delivered() {
    let dir = Arc::new(Fake::default());
    dir.subscribe("orders", "a");
    dir.subscribe("orders", "b");
    let mut q = store(&dir);
    let out = q
        .publish("orders".into(), json!(1))
        .ok()
        .unwrap_or_default();
    assert_eq!(targets(&out), [("a", json!(1)), ("b", json!(1))]);
    assert!(
        q.redispatch().is_empty(),
        "handed-out messages are not handed out twice"
    );
    for d in &out {
        q.settle(d.id, Settle::Delivered);
    }
    assert!(q.pending.is_empty() && q.bytes == 0);
}

#[test]
fn a_message_without_subscriber_waits_for_the_first_ones() {
    let dir = Arc::new(Fake::default());
    let mut q = store(&dir);
    for n in 0..3 {
        assert!(q.publish("t".into(), json!(n)).is_ok_and(|d| d.is_empty()));
    }
    assert!(q.redispatch().is_empty(), "still nobody there");
    dir.subscribe("t", "a");
    dir.subscribe("t", "b");
    let out = q.redispatch();
    let a: Vec<Value> = out
        .iter()
        .filter(|d| d.function_id == "a")
        .map(|d| d.data.clone())
        .collect();
    assert_eq!(a, [json!(0), json!(1), json!(2)], "in publish order");
    assert_eq!(out.len(), 6, "one copy per subscriber present");
    assert!(q.redispatch().is_empty());
}

#[test]
fn a_released_message_waits_for_its_function_and_a_dead_one_is_listed() {
    let dir = Arc::new(Fake::default());
    dir.subscribe("t", "a");
    let mut q = store(&dir);
    let first = q.publish("t".into(), json!("x")).ok().unwrap_or_default();
    q.settle(first[0].id, Settle::Release);
    let again = q.redispatch();
    assert_eq!(targets(&again), [("a", json!("x"))]);
    q.settle(
        again[0].id,
        Settle::Dead {
            error: json!({"code": "boom"}),
            attempts: 3,
        },
    );
    assert!(q.pending.is_empty());
    let dead = q.dead_letters(Some("t"));
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0]["data"], "x");
    assert_eq!(dead[0]["function_id"], "a");
    assert_eq!(dead[0]["attempts"], 3);
    assert!(q.dead_letters(Some("other")).is_empty());
}

#[test]
fn named_queue_messages_wait_for_their_function() {
    let dir = Arc::new(Fake::default());
    let mut q = store(&dir);
    let out = q.enqueue("default".into(), "work".into(), json!({"job": 1}));
    assert!(out.is_ok_and(|d| d.is_empty()), "not registered yet");
    dir.register("work");
    let out = q.redispatch();
    assert_eq!(targets(&out), [("work", json!({"job": 1}))]);
    assert!(out[0].named);
}

#[test]
fn a_fifo_queue_refuses_a_payload_without_its_group_field() {
    let dir = Arc::new(Fake::default());
    let settings = QueueSettings {
        fifo: true,
        message_group_field: Some("account".into()),
        ..QueueSettings::default()
    };
    let mut q = store_with(&dir, BTreeMap::from([("pay".to_owned(), settings)]));
    let refused = q.enqueue("pay".into(), "f".into(), json!({"amount": 1}));
    assert!(matches!(
        refused,
        Err(StoreError::Refused {
            code: "enqueue_error",
            ..
        })
    ));
    assert!(
        q.enqueue("pay".into(), "f".into(), json!({"account": "a"}))
            .is_ok()
    );
    assert_eq!(q.pending.len(), 1);
}

#[test]
fn a_full_store_refuses_publishes() {
    let dir = Arc::new(Fake::default());
    let mut q = store(&dir);
    q.bytes = MAX_PENDING_BYTES;
    let refused = q.publish("t".into(), json!(1));
    assert!(matches!(
        refused,
        Err(StoreError::Refused {
            code: "queue_full",
            ..
        })
    ));
    assert!(q.pending.is_empty(), "nothing kept");
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn pending_messages_and_dead_letters_survive_a_reopen() {
    use crate::stores::owner::Store;

    let dir = std::env::temp_dir().join(format!("iii-queues-{}", iii_protocol::Uuid::new_v4()));
    let path = dir.join("queues.sqlite3");
    let subs = Arc::new(Fake::default());
    subs.subscribe("t", "a");
    let open = |subs: &Arc<Fake>| {
        let directory: Arc<dyn Directory> = subs.clone();
        let db = Db::open(&path).map_err(|e| e.to_string())?;
        QueueStore::open(db, directory, BTreeMap::new()).map_err(|e| e.to_string())
    };
    let mut q = open(&subs).unwrap_or_else(|e| panic!("{e}"));
    let out = q.publish("t".into(), json!(1)).ok().unwrap_or_default();
    q.publish("t".into(), json!(2)).ok();
    q.settle(
        out[0].id,
        Settle::Dead {
            error: json!("e"),
            attempts: 1,
        },
    );
    q.publish("nobody".into(), json!(3)).ok();
    assert!(q.commit().await.is_ok());
    drop(q);
    let mut q = open(&subs).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(q.dead_letters(None).len(), 1);
    let out = q.redispatch();
    assert_eq!(targets(&out), [("a", json!(2))], "pending and idle again");
    subs.subscribe("nobody", "late");
    assert_eq!(targets(&q.redispatch()), [("late", json!(3))]);
    let next = q.publish("t".into(), json!(4)).ok().unwrap_or_default();
    assert!(next[0].id > out[0].id, "ids go on after the highest kept");
    drop(q);
    let _ = std::fs::remove_dir_all(&dir);
}
