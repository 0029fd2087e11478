//! The engine's services between two Rust workers on the development engine: a trigger type
//! provided with closures and bound with a typed config, typed pub/sub, and the errors a
//! typed client gives for what the engine refuses.

use std::time::Duration;

use iii::prelude::*;
use iii::{Binding, TriggerTypeRef, Worker};
use iii_tests::{engine, worker_config};
use tokio::sync::mpsc;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
struct Every {
    times: u32,
}

#[derive(Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
struct Beat {
    n: u32,
}

const METRONOME: TriggerTypeRef<Every> = TriggerTypeRef::new("metronome");

#[derive(Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
struct Shipped {
    order: String,
}

const SHIPPED: Topic<Shipped> = Topic::new("orders.shipped.typed");

const WITHIN: Duration = Duration::from_secs(10);

async fn next<T>(rx: &mut mpsc::UnboundedReceiver<T>, what: &str) -> T {
    tokio::time::timeout(WITHIN, rx.recv())
        .await
        .unwrap_or_else(|_| panic!("{what}: nothing within {WITHIN:?}"))
        .unwrap_or_else(|| panic!("{what}: channel closed"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trigger_type_provided_with_closures_fires_a_function_of_another_worker() {
    let engine = engine().await;
    let provider = Worker::with_config(worker_config(&engine));
    let (told, mut heard) = mpsc::unbounded_channel();
    let gone = told.clone();
    provider
        .register_trigger_type(
            "metronome",
            "Beats a few times",
            move |binding: Binding<Every, Beat>| {
                let told = told.clone();
                async move {
                    let _ = told.send(format!("+{}", binding.function_id));
                    tokio::spawn(async move {
                        for n in 0..binding.config.times {
                            let _ = binding.fire_async(&Beat { n }).await;
                        }
                    });
                    Ok(())
                }
            },
            move |id: String| {
                let _ = gone.send(format!("-{id}"));
                async { Ok(()) }
            },
        )
        .expect("provides");
    provider.connect().await.expect("connects");

    let user = Worker::with_config(worker_config(&engine));
    let (beats, mut beat) = mpsc::unbounded_channel();
    user.register_function("user.on_beat", move |b: Beat| {
        let beats = beats.clone();
        async move {
            let _ = beats.send(b);
            Ok(())
        }
    })
    .expect("registers");
    let binding = METRONOME
        .bind("user.on_beat", &Every { times: 3 })
        .expect("config serializes");
    let handle = user.register_trigger(binding);
    user.connect().await.expect("connects");

    assert_eq!(
        next(&mut heard, "the provider gets the binding").await,
        "+user.on_beat"
    );
    let mut got = Vec::new();
    for _ in 0..3 {
        got.push(
            next(&mut beat, "the provider fires the bound function")
                .await
                .n,
        );
    }
    got.sort_unstable();
    assert_eq!(got, [0, 1, 2]);

    let id = handle.id().to_owned();
    handle.unregister();
    assert_eq!(
        next(&mut heard, "the provider hears the binding go").await,
        format!("-{id}")
    );

    user.disconnect().await;
    provider.disconnect().await;
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_pubsub_and_what_the_engine_refuses() {
    let engine = engine().await;
    let worker = Worker::with_config(worker_config(&engine));
    let (shipped, mut got) = mpsc::unbounded_channel();
    worker
        .register_function("orders.on_shipped", move |s: Shipped| {
            let shipped = shipped.clone();
            async move {
                let _ = shipped.send(s);
                Ok(())
            }
        })
        .expect("registers");
    worker.register_trigger(SHIPPED.subscribe_trigger("orders.on_shipped"));
    worker.connect().await.expect("connects");

    let message = Shipped { order: "o1".into() };
    worker.publish(&SHIPPED, &message).await.expect("published");
    assert_eq!(
        next(&mut got, "the subscriber gets the message").await,
        message
    );

    // Refusals come back as the engine's errors, with its codes.
    let refused = worker.publish_to("", &message).await.expect_err("no topic");
    assert!(matches!(refused, Error::Remote { .. }), "{refused:?}");
    // An operation that does not fit the stored value is reported; the others apply.
    let kv = worker.kv();
    kv.set("s", "list", &serde_json::json!([1]))
        .await
        .expect("set");
    let partly = kv
        .update::<serde_json::Value>("s", "list", Update::new().set("a", 1).append("", 2))
        .await
        .expect("update");
    assert_eq!(partly.new_value, serde_json::json!([1, 2]));
    assert_eq!(partly.errors.len(), 1, "{partly:?}");
    assert_eq!(
        (partly.errors[0].op_index, partly.errors[0].code.as_str()),
        (0, "set.not_object")
    );
    let listed = worker.introspect().functions().await.expect("functions");
    assert!(
        listed.iter().any(|f| f.function_id == "orders.on_shipped"),
        "{listed:#?}"
    );
    assert!(
        listed.iter().any(|f| f.function_id == "state::get"),
        "{listed:#?}"
    );

    worker.disconnect().await;
    engine.shutdown().await;
}
