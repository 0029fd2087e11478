//! The metrics a recorder sees: invocations, errors and durations per function, invocations
//! in flight, reconnects. A recorder that keeps every value stands in for an exporter.

use std::time::Duration;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use iii::observe::metrics::{DURATION, ERRORS, IN_FLIGHT, INVOCATIONS, RECONNECTS};
use iii::{Backoff, Error, Worker};
use iii_test_support::fake_engine::FakeEngine;
use iii_test_support::wait;
use iii_tests::{engine, worker_config, worker_config_url};
use metrics::{Counter, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit};
use metrics_util::registry::{AtomicStorage, Registry};
use serde_json::{Value, json};
use tokio::sync::oneshot;

const PATIENCE: Duration = Duration::from_secs(10);

/// A recorder that keeps every value, read without consuming it.
#[derive(Clone)]
struct Kept(Arc<Registry<Key, AtomicStorage>>);

impl Kept {
    fn new() -> Self {
        Self(Arc::new(Registry::atomic()))
    }

    fn key(name: &str, labels: &[(&str, &str)]) -> Key {
        let labels: Vec<metrics::Label> = labels
            .iter()
            .map(|(k, v)| metrics::Label::new(k.to_string(), v.to_string()))
            .collect();
        Key::from_parts(name.to_owned(), labels)
    }

    fn counter(&self, name: &str, labels: &[(&str, &str)]) -> Option<u64> {
        let counters = self.0.get_counter_handles();
        counters
            .get(&Self::key(name, labels))
            .map(|c| c.load(Ordering::SeqCst))
    }

    fn gauge(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let gauges = self.0.get_gauge_handles();
        gauges
            .get(&Self::key(name, labels))
            .map(|g| f64::from_bits(g.load(Ordering::SeqCst)))
    }

    fn histogram(&self, name: &str, labels: &[(&str, &str)]) -> Option<Vec<f64>> {
        let histograms = self.0.get_histogram_handles();
        histograms.get(&Self::key(name, labels)).map(|h| h.data())
    }
}

impl Recorder for Kept {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}

    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        self.0
            .get_or_create_counter(key, |c| Counter::from_arc(Arc::clone(c)))
    }

    fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> Gauge {
        self.0
            .get_or_create_gauge(key, |g| Gauge::from_arc(Arc::clone(g)))
    }

    fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
        self.0
            .get_or_create_histogram(key, |h| Histogram::from_arc(Arc::clone(h)))
    }
}

#[tokio::test]
async fn invocations_errors_durations_and_in_flight_are_recorded_per_function() {
    let kept = Kept::new();
    let _local = metrics::set_default_local_recorder(&kept);
    let engine = engine().await;
    let worker = Worker::with_config(worker_config(&engine));
    worker
        .register_function("m.echo", |v: Value| async move { Ok::<_, Error>(v) })
        .expect("register");
    worker
        .register_function("m.fail", |_: Value| async move {
            Err::<Value, _>(Error::new("nope", 500, "no"))
        })
        .expect("register");
    let (release, released) = oneshot::channel::<()>();
    let released = std::sync::Mutex::new(Some(released));
    worker
        .register_function("m.slow", move |_: Value| {
            let wait = released.lock().ok().and_then(|mut r| r.take());
            async move {
                if let Some(wait) = wait {
                    let _ = wait.await;
                }
                Ok::<_, Error>(json!("done"))
            }
        })
        .expect("register");
    worker.connect().await.expect("connect");

    for i in 0..3 {
        let out: Value = worker.invoke("m.echo", json!(i)).await.expect("echo");
        assert_eq!(out, json!(i));
    }
    for _ in 0..2 {
        assert!(worker.invoke::<Value>("m.fail", json!({})).await.is_err());
    }
    let echo = [("function_id", "m.echo")];
    let fail = [("function_id", "m.fail")];
    assert_eq!(kept.counter(INVOCATIONS, &echo), Some(3));
    assert_eq!(kept.counter(INVOCATIONS, &fail), Some(2));
    let nope = [("function_id", "m.fail"), ("code", "nope")];
    assert_eq!(kept.counter(ERRORS, &nope), Some(2));
    let echo_error = [("function_id", "m.echo"), ("code", "nope")];
    assert_eq!(kept.counter(ERRORS, &echo_error), None);
    let seconds = kept.histogram(DURATION, &echo).expect("durations");
    assert_eq!(seconds.len(), 3, "{seconds:?}");
    assert!(
        seconds.iter().all(|s| (0.0..10.0).contains(s)),
        "{seconds:?}"
    );
    assert_eq!(kept.gauge(IN_FLIGHT, &echo), Some(0.0));

    // A running invocation is in flight until it ends.
    let caller = worker.clone();
    let slow = tokio::spawn(async move { caller.invoke::<Value>("m.slow", json!({})).await });
    let running = [("function_id", "m.slow")];
    wait::until(PATIENCE, || {
        let in_flight = kept.gauge(IN_FLIGHT, &running);
        async move { in_flight == Some(1.0) }
    })
    .await
    .expect("m.slow in flight");
    release.send(()).expect("release");
    assert_eq!(slow.await.expect("join").expect("slow"), json!("done"));
    assert_eq!(kept.gauge(IN_FLIGHT, &running), Some(0.0));
    worker.disconnect().await;
    engine.shutdown().await;
}

#[tokio::test]
async fn a_reconnect_is_counted() {
    let kept = Kept::new();
    let _local = metrics::set_default_local_recorder(&kept);
    let engine = FakeEngine::bind().await;
    let worker = Worker::with_config(iii::WorkerConfig {
        backoff: Backoff {
            initial: Duration::from_millis(50),
            max: Duration::from_millis(200),
            jitter: 0.0,
        },
        ..worker_config_url(engine.url())
    });
    worker.start();
    let mut first = engine.accept().await;
    first.handshake("w-1").await;
    assert_eq!(
        kept.counter(RECONNECTS, &[]),
        None,
        "the first connection is none"
    );
    drop(first);
    let mut second = engine.accept().await;
    second.handshake("w-2").await;
    assert_eq!(kept.counter(RECONNECTS, &[]), Some(1));
    worker.disconnect().await;
}
