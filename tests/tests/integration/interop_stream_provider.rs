//! A stream a Rust [`StreamProvider`] keeps, used by a Python worker through the engine's
//! `stream::*` (`tests/python/services_worker.py`), with both languages' `stream` triggers
//! firing on its writes.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use iii::prelude::*;
use iii::{StreamChangeKind, StreamProvider, Written};
use serde_json::{Value, json};

use crate::interop::{
    Rig, STARTUP, invoke_when_registered, python, record, wait_for_triggers, workspace,
};

const DEPRECATION: &str = "register_trigger is deprecated";

#[derive(Debug, Clone, Deserialize, JsonSchema)]
struct Record {
    data: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
struct Presence {
    online: bool,
}

/// A stream kept in this process.
#[derive(Default, Clone)]
struct Memory(Arc<Mutex<BTreeMap<(String, String), Presence>>>);

impl Memory {
    fn items(&self) -> std::sync::MutexGuard<'_, BTreeMap<(String, String), Presence>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl StreamProvider for Memory {
    type Item = Presence;

    async fn get(&self, group: String, item: String) -> iii::Result<Option<Presence>> {
        Ok(self.items().get(&(group, item)).cloned())
    }

    async fn set(
        &self,
        group: String,
        item: String,
        data: Presence,
    ) -> iii::Result<Written<Presence>> {
        let old_value = self.items().insert((group, item), data.clone());
        Ok(Written {
            old_value,
            new_value: data,
        })
    }

    async fn delete(&self, group: String, item: String) -> iii::Result<Option<Presence>> {
        Ok(self.items().remove(&(group, item)))
    }

    async fn list(&self, group: String) -> iii::Result<Vec<Presence>> {
        Ok(self
            .items()
            .iter()
            .filter(|((g, _), _)| *g == group)
            .map(|(_, v)| v.clone())
            .collect())
    }

    async fn list_groups(&self) -> iii::Result<Vec<String>> {
        let mut groups: Vec<String> = self.items().keys().map(|(g, _)| g.clone()).collect();
        groups.dedup();
        Ok(groups)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_a_rust_worker_provides_is_used_by_python_through_the_engine() {
    let Some(python) = python() else { return };
    let rig = Rig::start().await;
    let worker = &rig.worker;
    let memory = Memory::default();
    worker
        .provide_stream("interop.mem", memory.clone())
        .expect("provides");
    let mut changes = record::<StreamEvent>(worker, "rs.on_mem");
    let mut reports = record::<Record>(worker, "rs.record");
    worker.register_trigger(Trigger::stream("rs.on_mem", "interop.mem", None, None));
    rig.connect().await;
    let script = workspace().join("tests/python/services_worker.py");
    let env = [
        ("INTEROP_SCOPE", "unused".to_owned()),
        ("INTEROP_STREAM", "interop.mem".to_owned()),
        ("INTEROP_QUEUE", "unused".to_owned()),
        ("INTEROP_REPLY", "unused".to_owned()),
    ];
    let mut py = rig.run(&python, &script, &env).await;
    wait_for_triggers(worker, "py.on_stream", 1).await;

    // Python's `stream::set` lands in the Rust provider, and fires both languages' triggers.
    let item = json!({"stream_name": "interop.mem", "group_id": "room", "item_id": "ada",
                      "data": {"online": true}});
    let written: Value = invoke_when_registered(worker, "py.stream_write", item)
        .await
        .expect("writes");
    assert_eq!(
        written,
        json!({"old_value": null, "new_value": {"online": true}})
    );
    let key = ("room".to_owned(), "ada".to_owned());
    assert_eq!(memory.items().get(&key), Some(&Presence { online: true }));
    let change = changes
        .next("the stream trigger fires for a provided stream")
        .await;
    assert_eq!(change.event.kind, StreamChangeKind::Create);
    let seen = reports.next("and python's").await;
    assert_eq!(
        seen.data["event"],
        json!({"type": "create", "data": {"online": true}})
    );

    // The Rust client reaches the provider through the engine; the default update applies
    // the operations to the provider's item.
    let stream = worker.stream::<Presence>("interop.mem");
    assert_eq!(
        stream.get("room", "ada").await.expect("get"),
        Some(Presence { online: true })
    );
    let updated = stream
        .update("room", "ada", Update::new().set("online", false))
        .await
        .expect("update");
    assert_eq!(
        (updated.old_value, updated.new_value),
        (Some(Presence { online: true }), Presence { online: false })
    );
    let read: Value = worker
        .invoke(
            "py.stream_read",
            json!({"stream_name": "interop.mem", "group_id": "room", "item_id": "ada"}),
        )
        .await
        .expect("python reads");
    assert_eq!(read, json!({"value": {"online": false}}));
    assert_eq!(stream.list_groups().await.expect("groups"), ["room"]);
    assert_eq!(
        stream.delete("room", "ada").await.expect("delete"),
        Some(Presence { online: false })
    );
    assert!(memory.items().is_empty());
    let kinds: Vec<StreamChangeKind> = changes
        .take(2, "update and delete fire")
        .await
        .into_iter()
        .map(|e| e.event.kind)
        .collect();
    assert_eq!(kinds, [StreamChangeKind::Update, StreamChangeKind::Delete]);
    reports.take(2, "python sees them too").await;
    // Each Python handler got `rs.record`'s answer before the worker is stopped.
    py.wait_for_count("DONE stream", 3, STARTUP).await;

    py.stop_quiet(&[DEPRECATION]).await;
    rig.shutdown().await;
}
