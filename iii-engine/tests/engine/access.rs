//! Access-controlled worker listeners: a second worker port whose connections a worker's auth
//! function lets in (or refuses with one error frame and a Close), whose calls the rules
//! allow or refuse `FORBIDDEN`, whose registrations pass the worker's hooks and get the
//! registration prefix, and whose calls a middleware function answers. The auth function,
//! the hooks and the middleware are a real worker's, on the main port.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use futures_util::StreamExt;
use iii_engine::{
    EngineConfig, EngineHandle, FunctionFilter, ListenerAccess, Rbac, WorkerListener,
};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::common::{self, WAIT, Worker, start_with};

const AUTH: &str = "t::auth";

/// An engine with one further listener controlled by `access`.
async fn engine(access: ListenerAccess) -> EngineHandle {
    start_with(EngineConfig {
        listeners: vec![WorkerListener {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            access,
        }],
        handshake_timeout: Duration::from_millis(500),
        ..common::config()
    })
    .await
}

/// `rbac` with the auth function, these rules and hooks.
fn rbac(expose: &[Value], hooks: bool) -> ListenerAccess {
    let hook = |name: &str| hooks.then(|| format!("t::{name}"));
    ListenerAccess {
        middleware_function_id: None,
        rbac: Some(Rbac {
            auth_function_id: Some(AUTH.into()),
            expose_functions: expose
                .iter()
                .map(|r| FunctionFilter::parse(r).expect("a rule"))
                .collect(),
            on_function_registration_function_id: hook("on-fn"),
            on_trigger_registration_function_id: hook("on-trig"),
            on_trigger_type_registration_function_id: hook("on-tt"),
        }),
    }
}

/// The worker on the main port that provides the auth function and whatever else is named.
async fn server(engine: &EngineHandle, functions: &[&str]) -> Worker {
    let mut w = Worker::connect(engine).await;
    for id in [AUTH].iter().chain(functions) {
        w.register_function(id).await;
    }
    w.sync().await;
    w
}

/// Connects a worker to the controlled listener (with `query`), which the server lets in with
/// `result`; returns it and what the auth function was asked.
async fn admitted(
    engine: &EngineHandle,
    server: &mut Worker,
    query: &str,
    result: Value,
) -> (Worker, Value) {
    let url = format!("{}/{query}", engine.listener_urls()[0]);
    let connecting = tokio::spawn(async move { Worker::connect_url(&url).await });
    let ask = server.expect_invoke().await;
    assert_eq!(ask["function_id"], AUTH, "{ask}");
    server.answer(&ask, result).await;
    let client = connecting.await.expect("the client connects");
    (client, ask["data"].clone())
}

/// Reads a raw socket until it ends: its text frames, and the code of its Close frame.
async fn refusal(
    mut ws: impl StreamExt<Item = Result<Frame, tokio_tungstenite::tungstenite::Error>> + Unpin,
) -> (Vec<Value>, Option<CloseCode>) {
    let mut texts = Vec::new();
    loop {
        let frame = tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("the engine ends it");
        match frame {
            Some(Ok(Frame::Text(t))) => texts.push(serde_json::from_str(t.as_str()).expect("JSON")),
            Some(Ok(Frame::Close(close))) => return (texts, close.map(|c| c.code)),
            Some(Ok(_)) => {}
            Some(Err(_)) | None => return (texts, None),
        }
    }
}

#[tokio::test]
async fn the_auth_function_sees_the_upgrade_and_a_refusal_is_one_error_frame_then_close() {
    let engine = engine(rbac(&[], false)).await;
    let mut server = server(&engine, &[]).await;
    let mut request = format!("{}/?a=1&a=2&b=x%20y", engine.listener_urls()[0])
        .into_client_request()
        .expect("a request");
    request
        .headers_mut()
        .insert("x-test-token", "valid".parse().expect("a value"));
    let connecting = tokio::spawn(tokio_tungstenite::connect_async(request));
    let ask = server.expect_invoke().await;
    let input = &ask["data"];
    assert_eq!(input["headers"]["x-test-token"], "valid", "{input}");
    assert_eq!(
        input["query_params"],
        json!({"a": ["1", "2"], "b": ["x y"]})
    );
    assert_eq!(input["ip_address"], "127.0.0.1");
    assert!(
        input.get("_caller_worker_id").is_none(),
        "the engine asks, not a worker"
    );
    server.answer(&ask, json!({})).await;
    let (mut ws, _) = connecting.await.expect("joined").expect("upgraded");
    let hello = tokio::time::timeout(WAIT, ws.next())
        .await
        .expect("a frame");
    let Some(Ok(Frame::Text(hello))) = hello else {
        panic!("{hello:?}")
    };
    assert!(hello.as_str().contains("workerregistered"), "{hello}");

    // Refusals: an error, no result, a result that is not an AuthResult.
    let answers = [
        (
            Some(("invocation_failed", "invalid token")),
            Value::Null,
            "invalid token",
        ),
        (None, Value::Null, "auth function returned no result"),
        (None, json!([1]), "not an AuthResult"),
    ];
    for (error, result, why) in answers {
        let url = engine.listener_urls()[0].clone();
        let connecting = tokio::spawn(tokio_tungstenite::connect_async(url));
        let ask = server.expect_invoke().await;
        match error {
            Some((code, message)) => server.fail(&ask, code, message).await,
            None => server.answer(&ask, result).await,
        }
        let (ws, _) = connecting
            .await
            .expect("joined")
            .expect("upgraded, then refused");
        let (texts, close) = refusal(ws).await;
        assert_eq!(texts.len(), 1, "one frame: {texts:?}");
        assert_eq!(texts[0]["type"], "error");
        assert_eq!(texts[0]["error"]["code"], "AUTH_ERROR");
        let message = texts[0]["error"]["message"].as_str().unwrap_or("");
        assert!(message.contains(why), "{why:?} not in {message:?}");
        assert_eq!(close, Some(CloseCode::Policy));
    }
    engine.shutdown().await;
}

#[tokio::test]
async fn an_auth_function_that_is_missing_or_silent_refuses_at_once() {
    let engine = engine(rbac(&[], false)).await;
    let url = engine.listener_urls()[0].clone();
    let (ws, _) = tokio_tungstenite::connect_async(url.clone())
        .await
        .expect("upgraded");
    let (texts, _) = refusal(ws).await;
    assert_eq!(texts[0]["error"]["code"], "AUTH_ERROR", "{texts:?}");
    assert!(
        texts[0]["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("t::auth not found")
    );
    let mut server = server(&engine, &[]).await;
    let connecting = tokio::spawn(tokio_tungstenite::connect_async(url));
    server.expect_invoke().await;
    let (ws, _) = connecting.await.expect("joined").expect("upgraded");
    let (texts, _) = refusal(ws).await;
    let message = texts[0]["error"]["message"].as_str().unwrap_or("");
    assert!(message.contains("did not answer within 500ms"), "{message}");
    engine.shutdown().await;
}

#[tokio::test]
async fn calls_are_allowed_by_the_rules_and_refused_forbidden_otherwise() {
    let expose = [
        json!("match(\"pub::*\")"),
        json!("match(\"engine::functions::list\")"),
        json!({"metadata": {"public": true}}),
    ];
    let engine = engine(rbac(&expose, false)).await;
    let mut server = server(
        &engine,
        &["pub::echo", "pub::secret", "priv::fn", "ok::granted"],
    )
    .await;
    server
        .send(json!({"type": "registerfunction", "id": "meta::fn", "metadata": {"public": true}}))
        .await;
    server.sync().await;
    let result =
        json!({"allowed_functions": ["ok::granted"], "forbidden_functions": ["pub::secret"]});
    let (mut client, _) = admitted(&engine, &mut server, "", result).await;
    for id in ["pub::echo", "meta::fn", "ok::granted"] {
        let call = tokio::spawn(async move {
            let r = client.call(id, json!({"n": 1})).await;
            (client, r)
        });
        let inv = server.expect_invoke().await;
        assert_eq!(inv["function_id"], id);
        server.answer(&inv, json!({"from": id})).await;
        let r;
        (client, r) = call.await.expect("joined");
        assert_eq!(r["result"], json!({"from": id}), "{r}");
    }
    let cases = [
        (
            "priv::fn",
            "function 'priv::fn' not allowed (add to rbac.expose_functions)",
        ),
        (
            "pub::secret",
            "function 'pub::secret' not allowed (remove from rbac.forbidden_functions)",
        ),
        (
            "state::get",
            "function 'state::get' not allowed (add to rbac.expose_functions)",
        ),
        (
            "no::such",
            "function 'no::such' not allowed (add to rbac.expose_functions)",
        ),
    ];
    for (id, message) in cases {
        let r = client.call(id, json!({})).await;
        assert_eq!(
            r["error"],
            json!({"code": "FORBIDDEN", "message": message}),
            "{r}"
        );
    }
    let r = client
        .call("engine::log::info", json!({"message": "infrastructure"}))
        .await;
    assert!(r.get("error").is_none(), "always allowed: {r}");
    client
        .send(
            json!({"type": "invokefunction", "function_id": "priv::fn", "data": {},
                     "action": {"type": "void"}}),
        )
        .await;
    client.sync().await;
    assert!(
        server.try_recv(Duration::from_millis(200)).await.is_none(),
        "never delivered"
    );
    let listed = |r: Value| -> Vec<String> {
        let list = r["result"]["functions"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        list.iter()
            .filter_map(|f| f["function_id"].as_str().map(str::to_owned))
            .collect()
    };
    let seen = listed(client.call("engine::functions::list", json!({})).await);
    assert_eq!(
        seen,
        ["meta::fn", "ok::granted", "pub::echo"],
        "what it may call"
    );
    let all = listed(server.call("engine::functions::list", json!({})).await);
    assert!(
        all.iter().any(|id| id == "priv::fn"),
        "the main port sees everything: {all:?}"
    );
    let r = client.call("engine::functions::list", json!({})).await;
    assert!(r.get("error").is_none());
    engine.shutdown().await;
}

#[tokio::test]
async fn registrations_pass_the_hooks_and_get_the_registration_prefix() {
    let expose = [json!("match(\"tenant::*\")")];
    let engine = engine(rbac(&expose, true)).await;
    let mut server = server(&engine, &["t::on-fn", "t::on-trig", "t::on-tt"]).await;
    let result = json!({"function_registration_prefix": "tenant", "context": {"user": "u1"},
                        "allow_trigger_type_registration": true,
                        "allowed_trigger_types": ["subscribe"]});
    let (mut client, _) = admitted(&engine, &mut server, "", result).await;

    client.register_function("echo").await;
    let ask = server.expect_invoke().await;
    assert_eq!(ask["function_id"], "t::on-fn");
    assert_eq!(
        ask["data"],
        json!({"function_id": "echo", "description": null, "metadata": null,
               "namespace": "default", "context": {"user": "u1"}})
    );
    server
        .answer(
            &ask,
            json!({"function_id": "echo", "description": "Echoes"}),
        )
        .await;
    client.sync().await;
    let call = tokio::spawn(async move {
        let r = server.call("tenant::echo", json!({"x": 1})).await;
        (server, r)
    });
    let inv = client.expect_invoke().await;
    assert_eq!(
        inv["function_id"], "echo",
        "the prefix is taken off for the worker"
    );
    client.answer(&inv, json!("echoed")).await;
    let (mut server, r) = call.await.expect("joined");
    assert_eq!(r["result"], "echoed", "{r}");
    let info = server
        .call(
            "engine::functions::info",
            json!({"function_id": "tenant::echo"}),
        )
        .await;
    assert_eq!(info["result"]["description"], "Echoes", "{info}");

    client.register_function("blocked").await;
    let ask = server.expect_invoke().await;
    server.fail(&ask, "invocation_failed", "nope").await;
    let rejected = client.recv().await;
    assert_eq!(rejected["type"], "registrationrejected", "{rejected}");
    assert_eq!(rejected["code"], "FUNCTION_NAMESPACE_CONFLICT");
    assert_eq!(
        rejected["message"],
        "refused by on_function_registration (t::on-fn): nope"
    );

    let id = client
        .register_trigger("subscribe", "echo", json!({"topic": "news"}))
        .await;
    let ask = server.expect_invoke().await;
    assert_eq!(ask["function_id"], "t::on-trig");
    assert_eq!(ask["data"]["trigger_id"], id.as_str());
    assert_eq!(ask["data"]["function_id"], "echo");
    assert_eq!(ask["data"]["config"], json!({"topic": "news"}));
    assert_eq!(ask["data"]["context"], json!({"user": "u1"}));
    server.answer(&ask, json!({})).await;
    client.sync().await;
    server
        .call("publish", json!({"topic": "news", "data": "hello"}))
        .await;
    let fired = client.expect_invoke().await;
    assert_eq!(
        (fired["function_id"].as_str(), &fired["data"]),
        (Some("echo"), &json!("hello"))
    );
    client.answer(&fired, Value::Null).await;

    client
        .register_trigger("subscribe", "echo", json!({"topic": "other"}))
        .await;
    let ask = server.expect_invoke().await;
    server
        .fail(&ask, "invocation_failed", "not that topic")
        .await;
    let refused = client.recv().await;
    assert_eq!(refused["type"], "triggerregistrationresult", "{refused}");
    assert_eq!(refused["error"]["code"], "FORBIDDEN");
    client
        .register_trigger("cron", "echo", json!({"expression": "* * * * * *"}))
        .await;
    let refused = client.recv().await;
    assert_eq!(
        refused["error"]["message"],
        "trigger type 'cron' not allowed (allowed_trigger_types)"
    );

    client
        .send(json!({"type": "registertriggertype", "id": "tt::x", "description": "X"}))
        .await;
    let ask = server.expect_invoke().await;
    assert_eq!(
        ask["data"],
        json!({"trigger_type_id": "tt::x", "description": "X", "context": {"user": "u1"}})
    );
    server.fail(&ask, "invocation_failed", "no types").await;
    let refused = client.recv().await;
    assert_eq!(
        (refused["type"].as_str(), refused["id"].as_str()),
        (Some("triggerregistrationresult"), Some("tt::x"))
    );
    assert_eq!(refused["error"]["code"], "FORBIDDEN", "{refused}");
    engine.shutdown().await;
}

#[tokio::test]
async fn what_the_auth_result_does_not_allow_is_refused_without_asking_the_hooks() {
    let engine = engine(rbac(&[], true)).await;
    let mut server = server(&engine, &["t::on-fn", "t::on-tt"]).await;
    let result = json!({"allow_function_registration": false});
    let (mut client, _) = admitted(&engine, &mut server, "", result).await;
    client.register_function("mine").await;
    let rejected = client.recv().await;
    assert_eq!(rejected["type"], "registrationrejected", "{rejected}");
    assert!(
        rejected["message"]
            .as_str()
            .unwrap_or("")
            .contains("allow_function_registration")
    );
    client
        .send(json!({"type": "registertriggertype", "id": "tt::y", "description": ""}))
        .await;
    let refused = client.recv().await;
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("allow_trigger_type_registration")
    );
    assert!(
        server.try_recv(Duration::from_millis(200)).await.is_none(),
        "no hook was asked"
    );
    engine.shutdown().await;
}

#[tokio::test]
async fn the_middleware_answers_for_the_calls_of_its_listener() {
    let access = ListenerAccess {
        middleware_function_id: Some("t::mw".into()),
        rbac: None,
    };
    let engine = engine(access).await;
    let mut server = server(&engine, &["t::mw", "svc::x"]).await;
    let mut client = Worker::connect_url(&engine.listener_urls()[0]).await;
    let call = tokio::spawn(async move {
        let r = client.call("svc::x", json!({"a": 1})).await;
        (client, r)
    });
    let inv = server.expect_invoke().await;
    assert_eq!(inv["function_id"], "t::mw", "{inv}");
    let data = &inv["data"];
    assert_eq!(
        (
            &data["function_id"],
            &data["payload"],
            &data["action"],
            &data["context"],
            &data["namespace"]
        ),
        (
            &json!("svc::x"),
            &json!({"a": 1}),
            &Value::Null,
            &json!({}),
            &json!("default")
        )
    );
    server.answer(&inv, json!({"wrapped": true})).await;
    let (mut client, r) = call.await.expect("joined");
    assert_eq!(
        r["result"],
        json!({"wrapped": true}),
        "the middleware's answer"
    );
    let r = client
        .call("state::get", json!({"scope": "s", "key": "k"}))
        .await;
    assert!(
        r.get("error").is_none(),
        "the engine's own functions skip the middleware: {r}"
    );
    assert!(server.try_recv(Duration::from_millis(200)).await.is_none());
    client
        .send(
            json!({"type": "invokefunction", "function_id": "svc::x", "data": 2,
                     "action": {"type": "void"}}),
        )
        .await;
    let inv = server.expect_invoke().await;
    assert_eq!(inv["data"]["action"], json!({"type": "void"}));
    server.answer(&inv, json!("ignored")).await;
    client.sync().await;
    assert!(
        client.try_recv(Duration::from_millis(200)).await.is_none(),
        "void stays unanswered"
    );
    engine.shutdown().await;
}
