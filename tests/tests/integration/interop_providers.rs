//! Custom trigger types across languages: a Rust [`TriggerProvider`] firing a Python
//! function, and a Python `TriggerHandler` firing a Rust one bound with a typed config
//! (`tests/python/trigger_types_worker.py`).

use iii::prelude::*;
use iii::{Binding, TriggerProvider, TriggerTypeRef};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::interop::{Rig, STARTUP, python, record, workspace};

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
