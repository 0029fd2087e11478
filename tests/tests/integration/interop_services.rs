//! The engine's services shared by a Rust worker (the typed clients) and a Python `iii-sdk`
//! worker (`tests/python/services_worker.py`): the same key/value entries and stream items,
//! each side's writes firing the other side's triggers.

use iii::prelude::*;
use iii::{KvEvent, KvEventKind, StreamChangeKind};
use serde_json::{Value, json};

use crate::interop::{
    Rig, STARTUP, invoke_when_registered, python, record, wait_for_triggers, workspace,
};

const DEPRECATION: &str = "register_trigger is deprecated";

/// A cart, as both languages store it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct Cart {
    owner: String,
    items: Vec<String>,
    count: i64,
}

/// Someone's presence on a stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
struct Presence {
    online: bool,
}

/// What the Python reporters send to `rs.record`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
struct Record {
    via: String,
    data: Value,
}

/// `{"value": …}`, how the Python readers answer.
#[derive(Debug, Deserialize)]
struct Read<T> {
    value: Option<T>,
}

pub(crate) async fn start(rig: &Rig, scope: &str, stream: &str) -> crate::interop::Script {
    let python = python().expect("checked by the caller");
    let script = workspace().join("tests/python/services_worker.py");
    let env = [
        ("INTEROP_SCOPE", scope.to_owned()),
        ("INTEROP_STREAM", stream.to_owned()),
        ("INTEROP_QUEUE", "interop.orders.typed".to_owned()),
        ("INTEROP_REPLY", "interop.replies.typed".to_owned()),
    ];
    rig.run(&python, &script, &env).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_and_python_share_kv_entries_and_fire_each_others_kv_triggers() {
    if python().is_none() {
        return;
    }
    let rig = Rig::start().await;
    let worker = &rig.worker;
    let mut reports = record::<Record>(worker, "rs.record");
    let mut changes = record::<KvEvent>(worker, "rs.on_kv");
    worker.register_trigger(Trigger::kv("rs.on_kv", Some("carts"), None));
    rig.connect().await;
    let mut py = start(&rig, "carts", "unused").await;
    wait_for_triggers(worker, "py.on_kv", 1).await;
    let kv = worker.kv();

    // Written by Rust, read by Python.
    let ada = Cart {
        owner: "ada".into(),
        items: vec!["apple".into()],
        count: 1,
    };
    let written = kv.set("carts", "c1", &ada).await.expect("set");
    assert_eq!((written.old_value, &written.new_value), (None, &ada));
    let read: Read<Cart> =
        invoke_when_registered(worker, "py.kv_read", json!({"scope": "carts", "key": "c1"}))
            .await
            .expect("python reads");
    assert_eq!(read.value.as_ref(), Some(&ada));
    let seen = reports
        .next("python's kv trigger fires on the rust write")
        .await;
    assert_eq!(seen.via, "kv");
    assert_eq!(seen.data["event_type"], "state:created", "{seen:?}");
    assert_eq!(seen.data["key"], "c1");
    assert_eq!(
        serde_json::from_value::<Cart>(seen.data["new_value"].clone()).ok(),
        Some(ada.clone())
    );
    let own = changes.next("the rust kv trigger fires too").await;
    assert_eq!(
        (own.event_type, own.key.as_str()),
        (KvEventKind::Created, "c1")
    );

    // Written by Python, read by Rust, typed; Python's write fires the Rust trigger.
    let bob = json!({"owner": "bob", "items": [], "count": 0});
    let _: Value = worker
        .invoke(
            "py.kv_write",
            json!({"scope": "carts", "key": "c2", "value": bob}),
        )
        .await
        .expect("python writes");
    let got: Option<Cart> = kv.get("carts", "c2").await.expect("get");
    assert_eq!(got.map(|c| c.owner), Some("bob".to_owned()));
    let change = changes
        .next("the rust kv trigger fires on the python write")
        .await;
    assert_eq!(
        (change.event_type, change.key.as_str()),
        (KvEventKind::Created, "c2")
    );
    reports.next("python sees its own write too").await;

    // Updates from both sides land on the same entry.
    let _: Value = worker
        .invoke(
            "py.kv_bump",
            json!({"scope": "carts", "key": "c1", "field": "count", "by": 5}),
        )
        .await
        .expect("python updates");
    let updated = kv
        .update::<Cart>(
            "carts",
            "c1",
            Update::new().append("items", "pear").increment("count", 1),
        )
        .await
        .expect("rust updates");
    assert_eq!(updated.old_value.map(|c| c.count), Some(6));
    assert_eq!(updated.new_value.count, 7);
    assert_eq!(updated.new_value.items, ["apple", "pear"]);
    assert!(updated.errors.is_empty(), "{:?}", updated.errors);
    let read: Read<Cart> = worker
        .invoke("py.kv_read", json!({"scope": "carts", "key": "c1"}))
        .await
        .expect("python reads");
    assert_eq!(read.value, Some(updated.new_value.clone()));

    let mut all: Vec<Cart> = kv.list("carts").await.expect("list");
    all.sort_by(|a, b| a.owner.cmp(&b.owner));
    assert_eq!(
        all.iter().map(|c| c.owner.as_str()).collect::<Vec<_>>(),
        ["ada", "bob"]
    );
    assert!(
        kv.list_groups()
            .await
            .expect("groups")
            .contains(&"carts".to_owned())
    );
    // A value of another shape is an error, not a panic.
    let wrong = kv
        .get::<Presence>("carts", "c1")
        .await
        .expect_err("not a presence");
    assert_eq!(wrong.code(), "unexpected_response", "{wrong}");

    let deleted: Option<Cart> = kv.delete("carts", "c1").await.expect("delete");
    assert_eq!(deleted.map(|c| c.count), Some(7));
    let read: Read<Cart> = worker
        .invoke("py.kv_read", json!({"scope": "carts", "key": "c1"}))
        .await
        .expect("python reads");
    assert_eq!(read.value, None);
    let kinds: Vec<KvEventKind> = changes
        .take(3, "every change fires the rust trigger")
        .await
        .into_iter()
        .map(|e| e.event_type)
        .collect();
    assert_eq!(
        kinds,
        [
            KvEventKind::Updated,
            KvEventKind::Updated,
            KvEventKind::Deleted
        ]
    );
    reports.take(3, "and the python trigger").await;
    // Each Python handler got `rs.record`'s answer before the worker is stopped.
    py.wait_for_count("DONE kv", 5, STARTUP).await;
    py.stop_quiet(&[DEPRECATION]).await;
    rig.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_and_python_share_stream_items_and_fire_each_others_stream_triggers() {
    if python().is_none() {
        return;
    }
    let rig = Rig::start().await;
    let worker = &rig.worker;
    let mut reports = record::<Record>(worker, "rs.record");
    let mut changes = record::<StreamEvent>(worker, "rs.on_stream");
    worker.register_trigger(Trigger::stream(
        "rs.on_stream",
        "presence",
        Some("room"),
        None,
    ));
    rig.connect().await;
    let mut py = start(&rig, "unused", "presence").await;
    wait_for_triggers(worker, "py.on_stream", 1).await;
    let presence = worker.stream::<Presence>("presence");

    // Rust writes; the Python stream trigger fires with the engine's payload.
    presence
        .set("room", "ada", &Presence { online: true })
        .await
        .expect("set");
    let seen = reports
        .next("python's stream trigger fires on the rust write")
        .await;
    assert_eq!(seen.via, "stream");
    assert_eq!(seen.data["streamName"], "presence");
    assert_eq!(seen.data["groupId"], "room");
    assert_eq!(seen.data["id"], "ada");
    assert_eq!(
        seen.data["event"],
        json!({"type": "create", "data": {"online": true}})
    );
    let own = changes.next("the rust stream trigger fires too").await;
    assert_eq!(
        (own.event.kind, own.id.as_deref()),
        (StreamChangeKind::Create, Some("ada"))
    );

    // Python writes; the Rust trigger gets a typed event, and Rust reads the item typed.
    let item = json!({"stream_name": "presence", "group_id": "room", "item_id": "bob",
                      "data": {"online": false}});
    let _: Value = invoke_when_registered(worker, "py.stream_write", item)
        .await
        .expect("python writes");
    let change = changes
        .next("the rust trigger fires on the python write")
        .await;
    assert_eq!(change.stream_name, "presence");
    assert_eq!(
        (change.event.kind, change.id.as_deref()),
        (StreamChangeKind::Create, Some("bob"))
    );
    assert_eq!(change.event.data, json!({"online": false}));
    assert_eq!(
        presence.get("room", "bob").await.expect("get"),
        Some(Presence { online: false })
    );

    // A Rust update is seen by Python.
    let updated = presence
        .update("room", "ada", Update::new().set("online", false))
        .await
        .expect("update");
    assert_eq!(updated.new_value, Presence { online: false });
    let read: Read<Presence> = worker
        .invoke(
            "py.stream_read",
            json!({"stream_name": "presence", "group_id": "room", "item_id": "ada"}),
        )
        .await
        .expect("python reads");
    assert_eq!(read.value, Some(Presence { online: false }));
    assert_eq!(
        changes.next("update fires").await.event.kind,
        StreamChangeKind::Update
    );

    assert_eq!(presence.list("room").await.expect("list").len(), 2);
    assert_eq!(presence.list_groups().await.expect("groups"), ["room"]);
    let all = presence.list_all().await.expect("all");
    assert!(
        all.iter()
            .any(|s| s.id == "presence" && s.groups == ["room"]),
        "{all:?}"
    );
    assert_eq!(
        presence.delete("room", "bob").await.expect("delete"),
        Some(Presence { online: false })
    );
    assert_eq!(
        changes.next("delete fires").await.event.kind,
        StreamChangeKind::Delete
    );
    reports.take(3, "python saw every other change").await;
    py.wait_for_count("DONE stream", 4, STARTUP).await;
    py.stop_quiet(&[DEPRECATION]).await;
    rig.shutdown().await;
}
