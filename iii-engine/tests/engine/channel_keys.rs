//! Each end of a data channel has its own access key: the reader's reference cannot open the
//! writer, nor the other way round.

use serde_json::{Value, json};

use crate::common::{self, Worker, channel_url};

#[tokio::test]
async fn a_reference_opens_only_its_own_end() {
    let engine = common::start().await;
    let mut w = Worker::connect(&engine).await;
    let refs = w.call("engine::channels::create", Value::Null).await["result"].clone();
    assert_ne!(
        refs["reader"]["access_key"], refs["writer"]["access_key"],
        "{refs}"
    );
    for (own, other) in [("reader", "write"), ("writer", "read")] {
        let mut forged = refs[own].clone();
        forged["direction"] = json!(other);
        let err = tokio_tungstenite::connect_async(channel_url(&engine, &forged))
            .await
            .expect_err("refused");
        let tokio_tungstenite::tungstenite::Error::Http(resp) = err else {
            panic!("expected an HTTP refusal, got {err}");
        };
        assert_eq!(
            resp.status().as_u16(),
            404,
            "{own} key opened the {other} end"
        );
    }
    // Each reference still opens its own end.
    common::channel(&engine, &refs["writer"]).await;
    common::channel(&engine, &refs["reader"]).await;
    engine.shutdown().await;
}
