//! Round trips of every message type, tolerant decoding, and malformed frames.

use serde_json::value::RawValue;
use serde_json::{Value, json};

use super::*;
use crate::DecodeError;

fn roundtrip(frame: &str) -> Message {
    let msg = Message::decode(frame).expect("decodes");
    let again = Message::decode(&msg.encode()).expect("re-decodes");
    assert_eq!(
        serde_json::from_str::<Value>(&msg.encode()).expect("json"),
        serde_json::from_str::<Value>(&again.encode()).expect("json"),
    );
    msg
}

#[test]
fn real_engine_first_frame() {
    let msg = roundtrip(
        r#"{"type":"workerregistered","worker_id":"7f9c0e4e-3b3a-4c41-9d7b-2f0b1a3c5d6e","reattach_token":"c1d2e3f4-0000-4000-8000-000000000001"}"#,
    );
    let Message::WorkerRegistered(w) = msg else {
        panic!("wrong variant")
    };
    assert_eq!(w.worker_id, "7f9c0e4e-3b3a-4c41-9d7b-2f0b1a3c5d6e");
    assert_eq!(
        w.reattach_token.as_deref(),
        Some("c1d2e3f4-0000-4000-8000-000000000001")
    );
}

#[test]
fn workerregistered_without_token_from_older_engines() {
    let Message::WorkerRegistered(w) =
        roundtrip(r#"{"type":"workerregistered","worker_id":"abc"}"#)
    else {
        panic!("wrong variant")
    };
    assert!(w.reattach_token.is_none());
}

#[test]
fn cron_fire_from_real_engine() {
    let frame = r#"{"type":"invokefunction","invocation_id":"0d4f6c6a-2f8e-4f53-9a0e-5f1d2c3b4a59","function_id":"tick","data":{"actual_time":"2026-11-27T10:54:40.000577746+00:00","job_id":"j1","scheduled_time":"2026-11-27T10:54:40+00:00","trigger":"cron"},"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}"#;
    let Message::InvokeFunction(call) = roundtrip(frame) else {
        panic!("wrong variant")
    };
    let tick: triggers::CronTick = serde_json::from_str(call.data.get()).expect("cron tick");
    assert_eq!(tick.job_id, "j1");
    assert_eq!(tick.trigger, "cron");
    assert!(call.traceparent.is_some());
    assert!(call.action.is_none());
}

use crate::triggers;

#[test]
fn registerfunction_serializes_formats_as_null() {
    let msg = Message::RegisterFunction(RegisterFunction {
        id: "math.add".into(),
        ..Default::default()
    });
    let v: Value = serde_json::from_str(&msg.encode()).expect("json");
    assert_eq!(
        v,
        json!({"type":"registerfunction","id":"math.add","request_format":null,"response_format":null})
    );
}

#[test]
fn registertrigger_from_protocol_doc() {
    let frame = r#"{"type":"registertrigger","id":"5b0f3c1e-8c7e-4b0e-9a51-2d8f0c9b7a11","trigger_type":"http",
 "function_id":"math::add","config":{"api_path":"add","http_method":"POST"},
 "metadata":{"tenant":"acme"}}"#;
    let Message::RegisterTrigger(t) = roundtrip(frame) else {
        panic!("wrong variant")
    };
    assert_eq!(t.trigger_type, "http");
    assert_eq!(t.config, json!({"api_path":"add","http_method":"POST"}));
    assert_eq!(t.metadata, Some(json!({"tenant":"acme"})));
}

#[test]
fn missing_config_and_data_read_as_null() {
    let Message::RegisterTrigger(t) = roundtrip(
        r#"{"type":"registertrigger","id":"t","trigger_type":"subscribe","function_id":"f"}"#,
    ) else {
        panic!("wrong variant")
    };
    assert_eq!(t.config, Value::Null);
    let Message::InvokeFunction(call) = roundtrip(r#"{"type":"invokefunction","function_id":"f"}"#)
    else {
        panic!("wrong variant")
    };
    assert_eq!(call.data.get(), "null");
    assert!(call.invocation_id.is_none());
}

#[test]
fn void_and_enqueue_actions() {
    let Message::InvokeFunction(call) = roundtrip(
        r#"{"type":"invokefunction","function_id":"engine::workers::register","action":{"type":"void"},"data":{"runtime":"python"}}"#,
    ) else {
        panic!("wrong variant")
    };
    assert_eq!(call.action, Some(InvokeAction::Void));
    let Message::InvokeFunction(call) = roundtrip(
        r#"{"type":"invokefunction","invocation_id":"0d4f6c6a-2f8e-4f53-9a0e-5f1d2c3b4a59","function_id":"f","data":1,"action":{"type":"enqueue","queue":"default"}}"#,
    ) else {
        panic!("wrong variant")
    };
    assert_eq!(
        call.action,
        Some(InvokeAction::Enqueue {
            queue: "default".into()
        })
    );
}

#[test]
fn invocation_result_success_and_error() {
    let Message::InvocationResult(r) = roundtrip(
        r#"{"type":"invocationresult","invocation_id":"0d4f6c6a-2f8e-4f53-9a0e-5f1d2c3b4a59","function_id":"math::add","result":{"sum":3}}"#,
    ) else {
        panic!("wrong variant")
    };
    assert_eq!(r.result.as_deref().map(RawValue::get), Some(r#"{"sum":3}"#));
    let Message::InvocationResult(r) = roundtrip(
        r#"{"type":"invocationresult","invocation_id":"0d4f6c6a-2f8e-4f53-9a0e-5f1d2c3b4a59","function_id":"math::add","error":{"code":"invocation_failed","message":"division by zero","stacktrace":"Traceback ..."}}"#,
    ) else {
        panic!("wrong variant")
    };
    let err = r.error.expect("error");
    assert_eq!(err.code, "invocation_failed");
    assert_eq!(err.stacktrace.as_deref(), Some("Traceback ..."));
}

#[test]
fn null_result_reads_as_none() {
    let Message::InvocationResult(r) = roundtrip(
        r#"{"type":"invocationresult","invocation_id":"0d4f6c6a-2f8e-4f53-9a0e-5f1d2c3b4a59","function_id":"f","result":null}"#,
    ) else {
        panic!("wrong variant")
    };
    assert!(r.result.is_none());
}

#[test]
fn registration_rejected() {
    let Message::RegistrationRejected(r) = roundtrip(
        r#"{"type":"registrationrejected","code":"FUNCTION_NAMESPACE_CONFLICT","namespace":"default","function_id":"math::add","owner_worker_id":"7f9c"}"#,
    ) else {
        panic!("wrong variant")
    };
    assert_eq!(r.code, crate::codes::FUNCTION_NAMESPACE_CONFLICT);
    assert_eq!(r.function_id.as_deref(), Some("math::add"));
}

#[test]
fn every_remaining_type_decodes() {
    for frame in [
        r#"{"type":"unregisterfunction","id":"f"}"#,
        r#"{"type":"unregistertrigger","id":"t","trigger_type":"http"}"#,
        r#"{"type":"triggerregistrationresult","id":"t","trigger_type":"http","function_id":"f","error":{"code":"trigger_registration_failed","message":"api_path is required for http triggers"}}"#,
        r#"{"type":"registertriggertype","id":"webhook","description":"Inbound webhooks"}"#,
        r#"{"type":"unregistertriggertype","id":"webhook"}"#,
        r#"{"type":"reattach","previous_worker_id":"a","reattach_token":"b"}"#,
        r#"{"type":"registerservice","id":"billing","name":"Billing","description":"x","parent_service_id":null}"#,
        r#"{"type":"ping"}"#,
        r#"{"type":"pong"}"#,
    ] {
        let msg = roundtrip(frame);
        let original: Value = serde_json::from_str(frame).expect("json");
        assert_eq!(original["type"], msg.type_name(), "{frame}");
    }
}

#[test]
fn unknown_fields_are_ignored() {
    let msg = roundtrip(r#"{"type":"ping","extra":{"nested":[1,2]}}"#);
    assert!(matches!(msg, Message::Ping));
}

#[test]
fn unknown_type_is_reported_not_panicked() {
    match Message::decode(r#"{"type":"observe","x":1}"#) {
        Err(DecodeError::UnknownType(t)) => assert_eq!(t, "observe"),
        other => panic!("unexpected {other:?}"),
    }
    // The tag is case-sensitive, as in the engine.
    assert!(matches!(
        Message::decode(r#"{"type":"Ping"}"#),
        Err(DecodeError::UnknownType(_))
    ));
}

#[test]
fn malformed_frames_are_errors() {
    for frame in [
        "",
        "not json",
        "[1,2]",
        r#"{"no_type":1}"#,
        r#"{"type":42}"#,
        r#"{"type":"registerfunction"}"#,
        r#"{"type":"invocationresult","invocation_id":"not-a-uuid","function_id":"f"}"#,
        r#"{"type":"invokefunction","function_id":"f","data":{"a":1"#,
    ] {
        assert!(
            matches!(Message::decode(frame), Err(DecodeError::Json(_))),
            "{frame:?}"
        );
    }
}

#[test]
fn void_call_without_id_omits_the_field() {
    let call = InvokeFunction {
        action: Some(InvokeAction::Void),
        ..InvokeFunction::new("engine::workers::register", crate::raw::null())
    };
    let v: Value = serde_json::from_str(&Message::from(call).encode()).expect("json");
    assert_eq!(
        v,
        json!({"type":"invokefunction","function_id":"engine::workers::register","data":null,"action":{"type":"void"}})
    );
}

#[test]
fn http_envelope_from_protocol_doc() {
    let data = r#"{
      "query_params": {"page": "2"},
      "path_params": {"id": "42"},
      "headers": {"content-type": "application/json", "user-agent": "curl/8.5.0"},
      "path": "/users/:id",
      "method": "POST",
      "body": {"name": "Ada"},
      "trigger": {"type": "http", "path": "/users/:id", "method": "POST"},
      "request_body": {"channel_id": "c1", "access_key": "k1", "direction": "read"},
      "response":     {"channel_id": "c2", "access_key": "k2", "direction": "write"}
    }"#;
    let req: crate::http::HttpRequest = serde_json::from_str(data).expect("envelope");
    assert_eq!(req.path_params["id"], "42");
    assert_eq!(req.body.get(), r#"{"name": "Ada"}"#);
    assert_eq!(req.trigger.expect("trigger").kind, "http");
    assert_eq!(req.response.expect("response").direction, "write");
}

#[test]
fn a_result_encoded_in_place_is_the_frame_of_its_raw_value() {
    let id: crate::Uuid = "0d4f6c6a-2f8e-4f53-9a0e-5f1d2c3b4a59"
        .parse()
        .expect("uuid");
    let value = crate::http::HttpResponse {
        status_code: 201,
        headers: [("x-a".to_owned(), "\"q\"".to_owned())].into(),
        body: serde_json::json!({"sum": 3, "s": "é\n"}),
    };
    for function_id in ["math::add", "a \"quoted\" id"] {
        let raw = crate::raw::to_raw(&value).expect("raw");
        let twice = Message::InvocationResult(InvocationResult::ok(id, function_id, raw)).encode();
        let once = InvocationResult::encode_ok(id, function_id, &value).expect("encoded");
        assert_eq!(once, twice);
    }
}

#[test]
fn tag_is_read_first_or_anywhere() {
    for frame in [
        r#"{"type":"ping"}"#,
        r#" { "type" : "ping" , "x": 1 }"#,
        r#"{"x":{"type":"pong"},"type":"ping"}"#,
        r#"{"type":"p\u0069ng"}"#,
    ] {
        assert!(
            matches!(Message::decode(frame), Ok(Message::Ping)),
            "{frame}"
        );
    }
    // A tag read off the text still needs a valid frame behind it.
    assert!(Message::decode(r#"{"type":"ping","#).is_err());
    assert!(Message::decode(r#"{"type":"invokefunction"}"#).is_err());
}
