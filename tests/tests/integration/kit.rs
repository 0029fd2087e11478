//! The test kit (`iii::testing`) end to end: triggers fired on demand and waited for, the
//! options of a test app, an engine named from outside, and a handler called directly with a
//! stubbed context.

use std::time::Duration;

use iii::prelude::*;
use iii::testing::{KitError, MockCalls, TestApp, TestContext};
use serde_json::{Value, json};

use crate::declared;

/// A note on the kit's topics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub(crate) struct Note {
    text: String,
}

const NOTES: Topic<Note> = Topic::new("kit.notes");
const JOBS: Topic<Note> = Topic::new("kit.jobs");

/// Keeps the tick it was fired with (a schedule that never comes by itself).
#[iii::function("kit.nightly")]
#[iii::cron("0 0 3 1 1 * 2099")]
async fn nightly(tick: CronTick, ctx: Context) -> iii::Result<()> {
    ctx.kv().set("kit", "nightly", &tick).await?;
    Ok(())
}

/// Keeps the note, or fails on `fail`.
#[iii::function("kit.on_note")]
#[iii::subscribe(topic = NOTES)]
async fn on_note(note: Note, ctx: Context) -> iii::Result<()> {
    if note.text == "fail" {
        return Err(Error::bad_request("notes may not say fail"));
    }
    ctx.kv().set("kit", &note.text, &note).await?;
    Ok(())
}

/// Never succeeds: every message ends in the dead-letter list.
#[iii::function("kit.on_job")]
#[iii::queue(topic = JOBS)]
async fn on_job(_job: Note) -> iii::Result<()> {
    Err(Error::internal("jobs always fail here"))
}

/// Copies every change of scope `kit-watch` to scope `kit-seen`.
#[iii::function("kit.on_kv")]
#[iii::kv(scope = "kit-watch")]
async fn on_kv(event: KvEvent, ctx: Context) -> iii::Result<()> {
    ctx.kv()
        .set("kit-seen", &event.key, &event.new_value)
        .await?;
    Ok(())
}

/// Counts the changes of stream `kit-stream` in scope `kit-seen`.
#[iii::function("kit.on_stream")]
#[iii::stream(name = "kit-stream")]
async fn on_stream(event: StreamEvent, ctx: Context) -> iii::Result<()> {
    let kind = format!("{:?}", event.event.kind);
    ctx.kv().set("kit-seen", "stream", &kind).await?;
    Ok(())
}

/// Asks `kit.rates` for a rate and applies it: a handler that calls another function.
#[iii::function("kit.convert")]
async fn convert(amount: f64, ctx: Context) -> iii::Result<f64> {
    let rate: f64 = ctx
        .worker()
        .invoke("kit.rates", json!({"from": "EUR", "to": "USD"}))
        .await?;
    Ok(amount * rate)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cron_trigger_fires_now_with_the_engine_payload() {
    let t = declared::start().await;
    t.cron::<nightly>().fire().await.expect("fired and handled");
    let tick: Option<CronTick> = t.worker().kv().get("kit", "nightly").await.expect("get");
    let tick = tick.expect("the handler ran before fire() returned");
    assert_eq!(tick.trigger, "cron");
    assert!(!tick.job_id.is_empty(), "{tick:?}");
    assert!(!tick.scheduled_time.is_empty(), "{tick:?}");

    // A function without a cron trigger says so.
    let err = t.cron::<on_note>().fire().await.expect_err("no cron");
    assert!(matches!(err, KitError::NoHandler(_)), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publish_waits_for_its_subscriber_and_reports_its_failure() {
    let t = declared::start().await;
    let note = Note {
        text: "hello".to_owned(),
    };
    let handled = t.publish(&NOTES, &note).await.expect("handled");
    assert_eq!(handled, vec!["kit.on_note".to_owned()]);
    // Handled means done: no polling for the handler's write.
    let kept: Option<Note> = t.worker().kv().get("kit", "hello").await.expect("get");
    assert_eq!(kept, Some(note));

    let fail = Note {
        text: "fail".to_owned(),
    };
    match t.publish(&NOTES, &fail).await {
        Err(KitError::Handler { function_id, error }) => {
            assert_eq!(function_id, "kit.on_note");
            assert_eq!(error.code, "bad_request");
            assert_eq!(error.message, "notes may not say fail");
        }
        other => panic!("expected the subscriber's error, got {other:?}"),
    }

    let nobody: Topic<Note> = Topic::new("kit.nobody");
    let err = t.publish(&nobody, &fail).await.expect_err("no subscriber");
    assert!(matches!(err, KitError::NoHandler(_)), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_and_stream_writes_wait_for_their_triggers() {
    let t = declared::start().await;
    let fired = t.kv_set("kit-watch", "k", &json!(7)).await.expect("set");
    assert_eq!(fired, vec!["kit.on_kv".to_owned()]);
    let seen: Option<Value> = t.worker().kv().get("kit-seen", "k").await.expect("get");
    assert_eq!(seen, Some(json!(7)));

    let fired = t.kv_delete("kit-watch", "k").await.expect("delete");
    assert_eq!(fired, vec!["kit.on_kv".to_owned()]);
    let seen: Option<Value> = t.worker().kv().get("kit-seen", "k").await.expect("get");
    // The handler copied the deletion's new value, null, over the 7: the key reads absent.
    assert_eq!(seen, None, "the deletion's new value is null");

    // Seeding a scope nothing watches fires nothing and waits for nothing.
    let fired = t.kv_set("kit-plain", "k", &json!(1)).await.expect("set");
    assert!(fired.is_empty(), "{fired:?}");

    let fired = t
        .stream_set("kit-stream", "g", "i", &json!({"n": 1}))
        .await
        .expect("stream set");
    assert_eq!(fired, vec!["kit.on_stream".to_owned()]);
    let kind: Option<String> = t
        .worker()
        .kv()
        .get("kit-seen", "stream")
        .await
        .expect("get");
    assert_eq!(kind.as_deref(), Some("Create"));
    t.stream_delete("kit-stream", "g", "i")
        .await
        .expect("stream delete");
    let kind: Option<String> = t
        .worker()
        .kv()
        .get("kit-seen", "stream")
        .await
        .expect("get");
    assert_eq!(kind.as_deref(), Some("Delete"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_durable_message_that_always_fails_is_dead_lettered() {
    let t = TestApp::options(declared::app())
        .engine(|config| {
            config.queue_max_attempts = 2;
            config.queue_backoff = Duration::from_millis(1);
        })
        .start()
        .await;
    let job = Note {
        text: "job".to_owned(),
    };
    match t.publish_durable(&JOBS, &job).await {
        Err(KitError::Handler { function_id, error }) => {
            assert_eq!(function_id, "kit.on_job");
            assert_eq!(error.message, "jobs always fail here");
        }
        other => panic!("expected the first attempt's error, got {other:?}"),
    }
    let dead = iii_test_support::wait::until_ok(Duration::from_secs(5), || async {
        let dead = t.dead_letters(Some(JOBS.name())).await.expect("listed");
        if dead.is_empty() { Err(dead) } else { Ok(dead) }
    })
    .await
    .expect("dead-lettered after its attempts");
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert!(dead[0].to_string().contains("job"), "{dead:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_some_functions_and_extra_ones_through_the_plain_api() {
    let t = TestApp::options(App::new())
        .only::<on_note>()
        .only_id("kit.nightly")
        .setup(|worker| {
            worker.register_function("kit.extra", |n: i64| async move { Ok(n + 1) })?;
            worker.register_trigger(Trigger::http("kit.extra", "POST", "kit/extra"));
            Ok(())
        })
        .start()
        .await;
    // No `Counter` state was given: the functions that need it are not registered.
    assert_eq!(t.functions(), ["kit.nightly", "kit.on_note"]);
    let missing = t
        .invoke("typed.count", json!(null))
        .await
        .expect_err("absent");
    assert_eq!(missing.code(), "function_not_found", "{missing}");
    assert_eq!(
        t.invoke("kit.extra", json!(41)).await.expect("extra"),
        json!(42)
    );
    let r = t
        .http()
        .post("kit/extra")
        .json(&1)
        .send()
        .await
        .expect("http");
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json(), json!(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_state_fails_the_start_with_the_registration_error() {
    let err = TestApp::options(App::new())
        .try_start()
        .await
        .expect_err("Counter is missing");
    assert!(
        matches!(&err, KitError::Start(e) if e.to_string().contains("takes `State<integration::macros_typed::Counter>`")),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn against_another_engine_what_only_the_test_engine_does_fails_clearly() {
    let engine = iii_tests::engine().await;
    let t = TestApp::options(declared::app())
        .external(&engine.ws_url(), Some(&engine.http_url()))
        .start()
        .await;
    assert!(t.engine().is_none());
    let namespace = t.namespace().expect("a namespace per test").to_owned();
    assert!(namespace.starts_with("test-"), "{namespace}");
    // Calls, HTTP and the waits work there too.
    let sum = t.invoke("test.add", json!({"a": 1, "b": 2})).await;
    assert_eq!(sum.expect("call"), json!({"sum": 3}));
    let r = t
        .http()
        .post("/add")
        .json(&json!({"a": 2, "b": 2}))
        .send()
        .await
        .expect("http");
    assert_eq!(r.json(), json!({"sum": 4}));
    let note = Note {
        text: "external".to_owned(),
    };
    t.publish(&NOTES, &note).await.expect("handled");

    for err in [
        t.cron::<nightly>()
            .fire()
            .await
            .expect_err("only the test engine"),
        t.dead_letters(None)
            .await
            .expect_err("only the test engine"),
    ] {
        match &err {
            KitError::OnlyTestEngine { url, .. } => assert_eq!(*url, engine.ws_url()),
            other => panic!("expected OnlyTestEngine, got {other:?}"),
        }
        assert!(
            err.to_string().contains("needs the in-process test engine"),
            "{err}"
        );
    }
    t.shutdown().await;
    engine.shutdown().await;
}

#[tokio::test]
async fn a_handler_that_calls_another_function_runs_with_stubbed_calls() {
    let calls = MockCalls::new().answer_to("kit.rates", json!({"from": "EUR", "to": "USD"}), 1.5);
    let ctx = TestContext::new("kit.convert")
        .caller("worker-7")
        .metadata(json!({"tenant": "acme"}))
        .calls(&calls)
        .build();
    assert_eq!(ctx.caller_worker_id(), Some("worker-7"));
    assert_eq!(ctx.metadata(), Some(&json!({"tenant": "acme"})));
    assert_eq!(ctx.trigger(), iii::TriggerKind::Call);
    assert_eq!(convert(10.0, ctx).await.expect("converted"), 15.0);
    assert_eq!(calls.calls_to("kit.rates").len(), 1);

    let failing =
        MockCalls::new().fail("kit.rates", Error::new("rates_down", 503, "no rates today"));
    let ctx = TestContext::new("kit.convert").calls(&failing).build();
    let err = convert(1.0, ctx).await.expect_err("the stub failed");
    assert_eq!(err.code(), "rates_down");
    assert_eq!(err.message(), "no rates today");

    let ctx = TestContext::new("kit.convert").build();
    let err = convert(1.0, ctx).await.expect_err("nothing stubbed");
    assert_eq!(err.code(), "unexpected_call");
    assert!(err.message().contains("kit.rates"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_limits_of_a_test_app_are_its_own() {
    let t = TestApp::options(declared::app())
        .engine(|config| config.max_body_bytes = 64)
        .start()
        .await;
    let big = t
        .http()
        .post("/add")
        .json(&json!({"a": 1, "b": 2, "padding": "x".repeat(100)}))
        .send()
        .await
        .expect("http");
    assert_eq!(big.status, 413, "{big:?}");
    let small = t
        .http()
        .post("/add")
        .json(&json!({"a": 1, "b": 2}))
        .send()
        .await
        .expect("http");
    assert_eq!(small.json(), json!({"sum": 3}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_runs_the_apps_hooks_while_it_can_still_call_out() {
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
    let (done_tx, done_rx) = tokio::sync::oneshot::channel();
    let app = declared::app()
        .on_ready(|_| async move {
            let _ = ready_tx.send(());
        })
        .on_shutdown(|worker| async move {
            // The app's own functions are handed over by then; the engine still answers.
            let written = worker.kv().set("kit", "bye", &json!(true)).await;
            let _ = done_tx.send(written.map(|w| w.new_value));
        });
    let t = TestApp::new(app).await;
    ready_rx.await.expect("on_ready ran once the app was ready");
    t.shutdown().await;
    let written = done_rx.await.expect("on_shutdown ran");
    assert_eq!(written.expect("the connection was still open"), json!(true));
}
