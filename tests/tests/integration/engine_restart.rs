//! Workers survive an engine restart: the quickstart and the plain-API example are killed with
//! their engine gone, and are served again within 3 s of the engine coming back, with each
//! function registered once.

use std::time::{Duration, Instant};

use iii_engine::EngineConfig;
use iii_tests::{engine, eventually, example, example_with, http};
use serde_json::{Value, json};

use crate::examples::STOP;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn examples_are_served_again_within_3s_of_an_engine_restart() {
    let first = engine().await;
    let (ws_port, http_port) = (first.ws_addr().port(), first.http_addr().port());
    let addr = first.http_addr();
    let mut quickstart = example("quickstart", &first);
    quickstart
        .wait_for_count("worker ready", 1, Duration::from_secs(20))
        .await
        .expect("ready");
    // A second owner of `math.add` is refused by the engine: the plain-API copy stands by.
    // Started once the first is ready, so that it is the one refused.
    let mut plain = example_with("plain_api", &first, &[("III_STANDBY", "1")]);
    plain
        .wait_for_count("worker ready", 1, Duration::from_secs(20))
        .await
        .expect("ready");
    let body = Some(r#"{"a":2,"b":3}"#);
    // Both register POST /add for their own `math.add`: the engine refuses the second owner of
    // the id, so whichever registered first serves (the other stands by); either way the
    // route answers.
    let ok = eventually(Duration::from_secs(20), || http(addr, "POST", "/add", body)).await;
    assert_eq!(ok.body, r#"{"sum":5}"#);

    first.shutdown().await;
    let down = http(addr, "POST", "/add", body).await;
    assert!(down.is_err(), "the engine is down: {down:?}");

    // Same ports, so that the workers find it; another process may hold one for a moment.
    let config = EngineConfig {
        ws_port,
        http_port,
        ..EngineConfig::default()
    };
    let restarted = iii_test_support::engine::start_retrying(config, Duration::from_secs(20)).await;
    let back = Instant::now();
    let ok = eventually(Duration::from_secs(10), || http(addr, "POST", "/add", body)).await;
    assert_eq!(ok.status, 200, "{ok:?}");
    assert_eq!(ok.body, r#"{"sum":5}"#);
    let took = back.elapsed();
    assert!(took < Duration::from_secs(3), "served again after {took:?}");
    // Both workers re-registered (each says "worker ready" a second time).
    for restarted in [&mut quickstart, &mut plain] {
        restarted
            .wait_for_count("worker ready", 2, Duration::from_secs(3))
            .await
            .expect("ready again");
    }
    let took = back.elapsed();
    assert!(
        took < Duration::from_secs(3),
        "both ready again after {took:?}"
    );

    // `math.add` is registered again (frame-level "exactly once" is covered by the runtime's
    // scripted-engine tests; the engine's listing is keyed by id).
    let probe = iii::Worker::with_config(iii_tests::worker_config_url(&restarted.ws_url()));
    probe.connect().await.expect("probe connects");
    let listed: Value = probe
        .invoke("engine::functions::list", json!({}))
        .await
        .expect("list");
    let ids: Vec<&str> = listed["functions"]
        .as_array()
        .expect("functions")
        .iter()
        .filter_map(|f| f["function_id"].as_str())
        .collect();
    assert_eq!(
        ids.iter().filter(|id| **id == "math.add").count(),
        1,
        "{listed}"
    );
    probe.disconnect().await;

    for program in [quickstart, plain] {
        let stopped = program.terminate(STOP).await.expect("stops");
        assert!(stopped.status.success(), "{stopped:#?}");
    }
    restarted.shutdown().await;
}
