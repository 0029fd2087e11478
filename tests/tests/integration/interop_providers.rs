//! What one worker provides to another across languages: custom trigger types (a Rust
//! [`TriggerProvider`] firing a Python function, a Python `TriggerHandler` firing a Rust one
//! bound with a typed config), and a stream a Rust [`StreamProvider`] keeps, used by Python
//! through the engine's `stream::*`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use iii::prelude::*;
use iii::{Binding, StreamChangeKind, StreamProvider, TriggerProvider, TriggerTypeRef, Written};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::interop::{
    Rig, STARTUP, invoke_when_registered, python, record, wait_for_triggers, workspace,
};

const DEPRECATIONS: [&str; 2] = [
    "register_trigger is deprecated",
    "register_trigger_type is deprecated",
];

#[derive(Debug, Clone, Deserialize, JsonSchema)]
struct HookConfig {
    path: String,
}

#[derive(Debug, Serialize, JsonSchema)]
struct Delivery {
    path: String,
    n: u32,
}

/// Provides `rs-hook`: fires each binding once, and reports what it is told.
struct Hooks {
    told: mpsc::UnboundedSender<String>,
}

impl TriggerProvider for Hooks {
    type Config = HookConfig;
    type Payload = Delivery;

    fn id(&self) -> &str {
        "rs-hook"
    }

    async fn register(&self, binding: Binding<HookConfig, Delivery>) -> iii::Result<()> {
        let _ = self.told.send(format!("+{}", binding.function_id));
        tokio::spawn(async move {
            let delivery = Delivery {
                path: binding.config.path.clone(),
                n: 1,
            };
            if let Err(e) = binding.fire::<Value>(&delivery).await {
                tracing::error!(%e, "firing failed");
            }
        });
        Ok(())
    }

    async fn unregister(&self, id: String) -> iii::Result<()> {
        let _ = self.told.send(format!("-{id}"));
        Ok(())
    }
}

/// The configuration of Python's `py-clock` bindings.
#[derive(Debug, Serialize, JsonSchema)]
struct ClockConfig {
    label: String,
    times: u32,
}

/// What `py-clock` fires with.
#[derive(Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct Tick {
    tick: u32,
    label: String,
}

const CLOCK: TriggerTypeRef<ClockConfig> = TriggerTypeRef::new("py-clock");

#[derive(Debug, Clone, Deserialize, JsonSchema)]
struct Record {
    via: String,
    data: Value,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trigger_types_provided_in_one_language_fire_functions_in_the_other() {
    let Some(python) = python() else { return };
    let rig = Rig::start().await;
    let worker = &rig.worker;
    let (told, mut heard) = mpsc::unbounded_channel();
    worker
        .provide_trigger_type(Hooks { told })
        .expect("provides");
    let mut reports = record::<Record>(worker, "rs.record");
    let mut ticks = record::<Tick>(worker, "rs.on_tick");
    let clock = CLOCK.bind(
        "rs.on_tick",
        &ClockConfig {
            label: "rust".into(),
            times: 2,
        },
    );
    worker.register_trigger(clock.expect("config serializes"));
    // Python refuses an empty label: the binding stays pending.
    let refused = CLOCK.bind(
        "rs.on_tick",
        &ClockConfig {
            label: String::new(),
            times: 1,
        },
    );
    let refused = worker.register_trigger(refused.expect("config serializes"));
    rig.connect().await;
    let script = workspace().join("tests/python/trigger_types_worker.py");
    let env = [("INTEROP_RS_TYPE", "rs-hook".to_owned())];
    let mut py = rig.run(&python, &script, &env).await;

    // The Rust provider got Python's binding and fired Python's function.
    assert_eq!(
        tokio::time::timeout(STARTUP, heard.recv())
            .await
            .ok()
            .flatten()
            .as_deref(),
        Some("+py.on_hook")
    );
    let hook = reports
        .next("the rust provider fires the python function")
        .await;
    assert_eq!(hook.via, "hook");
    // A provider fires with an ordinary call, so the engine adds the caller's id.
    assert_eq!(
        (&hook.data["path"], &hook.data["n"]),
        (&json!("/py"), &json!(1)),
        "{hook:?}"
    );

    // The Python provider fires the Rust function bound with a typed config.
    let got = ticks.take(2, "python's clock ticks twice").await;
    assert_eq!(
        got,
        [
            Tick {
                tick: 0,
                label: "rust".into()
            },
            Tick {
                tick: 1,
                label: "rust".into()
            }
        ]
    );

    // Introspection shows who provides and binds what.
    let introspect = worker.introspect();
    let triggers = wait_for(|| async {
        let all = introspect.triggers().await.expect("triggers");
        let pending = all
            .iter()
            .find(|t| t.id == refused.id())
            .and_then(|t| t.status.clone());
        (pending.as_deref() == Some("pending")).then_some(all)
    })
    .await;
    let hook_binding = triggers
        .iter()
        .find(|t| t.trigger_type == "rs-hook")
        .unwrap_or_else(|| panic!("python's rs-hook binding is listed: {triggers:#?}"));
    assert_eq!(hook_binding.function_id, "py.on_hook");
    assert_eq!(hook_binding.config, json!({"path": "/py"}));
    let workers = introspect.workers().await.expect("workers");
    let py_worker = workers
        .iter()
        .find(|w| w.name.as_deref() == Some("interop-python-trigger-types"));
    assert_eq!(
        py_worker.and_then(|w| w.runtime.as_deref()),
        Some("python"),
        "{workers:#?}"
    );
    let detail = introspect
        .function("py.on_hook")
        .await
        .expect("info")
        .expect("registered");
    assert_eq!(detail.registered_triggers.len(), 1, "{detail:#?}");
    assert!(
        introspect
            .function("no.such.function")
            .await
            .expect("info")
            .is_none()
    );

    // Python's calls to Rust got their answers before it is stopped.
    py.wait_for_line("HOOKED", STARTUP).await;
    py.wait_for_line("TICKED rust 1", STARTUP).await;
    // When Python goes, the Rust provider hears that its binding is gone. (Python logs the
    // binding it refused.)
    py.stop_quiet(&[
        DEPRECATIONS[0],
        DEPRECATIONS[1],
        "Error registering trigger",
    ])
    .await;
    let gone = tokio::time::timeout(STARTUP, heard.recv())
        .await
        .ok()
        .flatten();
    assert_eq!(
        gone.as_deref(),
        Some(format!("-{}", hook_binding.id).as_str())
    );
    rig.shutdown().await;
}

/// Polls `check` until it gives a value, for at most [`STARTUP`].
async fn wait_for<T, F, Fut>(mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let found = iii_test_support::wait::until_ok(STARTUP, || {
        let next = check();
        async move { next.await.ok_or(()) }
    });
    found
        .await
        .unwrap_or_else(|_| panic!("not within {STARTUP:?}"))
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

    py.stop_quiet(&DEPRECATIONS[..1]).await;
    rig.shutdown().await;
}
