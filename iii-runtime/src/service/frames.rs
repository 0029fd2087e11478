//! The frames the service sends about the worker itself: the announce that opens every
//! connection, a function's registration, and a trigger's, stamped when the trigger is the
//! worker's own.

use iii_protocol::{
    InvokeAction, InvokeFunction, Message, RegisterFunction, RegisterTrigger, WorkerMetadata,
    WorkerTelemetry, builtins, triggers::types,
};
use serde_json::Value;

use crate::config::WorkerConfig;
use crate::dispatch::Table;
use crate::stamp::Secret;
use crate::worker::Function;

pub(super) fn register_frame(id: &str, function: &Function) -> Message {
    Message::RegisterFunction(RegisterFunction {
        id: id.to_owned(),
        description: function.description.clone(),
        request_format: function.request_format.clone(),
        response_format: function.response_format.clone(),
        metadata: function.metadata.clone(),
        invocation: function.invocation.clone(),
    })
}

/// The worker's announce (`engine::workers::register`), a void call so that the engine
/// applies the registrations after it at once.
pub(super) fn announce(config: &WorkerConfig) -> Message {
    let metadata = WorkerMetadata {
        runtime: "rust".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        name: config.name.clone(),
        os: format!("{} ({})", std::env::consts::OS, std::env::consts::ARCH),
        pid: std::process::id(),
        isolation: std::env::var("III_ISOLATION")
            .ok()
            .filter(|i| !i.trim().is_empty()),
        namespace: config.namespace.clone(),
        description: config.description.clone(),
        telemetry: Some(WorkerTelemetry {
            // `LANG=en_US.UTF-8` is announced as `en_US`, as the official SDKs do.
            language: std::env::var("LANG")
                .ok()
                .and_then(|l| l.split('.').next().map(str::to_owned))
                .filter(|l| !l.is_empty()),
            project_name: config.project_name.clone(),
            framework: Some("iii-rs".to_owned()),
        }),
    };
    let data = iii_protocol::raw::to_raw(&metadata).unwrap_or_else(|_| iii_protocol::raw::null());
    Message::InvokeFunction(InvokeFunction {
        action: Some(InvokeAction::Void),
        ..InvokeFunction::new(builtins::WORKERS_REGISTER, data)
    })
}

/// The registration of `trigger`. A trigger of one of this worker's functions carries the
/// connection's stamp in its metadata (see `stamp`), unless another worker would see that
/// metadata: a function its configuration names as its condition or middleware, or the
/// provider of a trigger type the engine does not implement itself (this worker's own
/// included: the engine hands a type's bindings to whichever worker provides it last).
pub(super) fn trigger_frame(
    trigger: &RegisterTrigger,
    secret: &Secret,
    functions: &Table,
) -> Message {
    let ours = |id: &str| functions.contains(id);
    let config = &trigger.config;
    let helpers_ours = config
        .get("condition_function_id")
        .and_then(Value::as_str)
        .is_none_or(ours)
        && config
            .get("middleware_function_ids")
            .and_then(Value::as_array)
            .is_none_or(|ids| ids.iter().all(|id| id.as_str().is_some_and(ours)));
    // A binding of a type some worker provides goes to that worker with its metadata.
    let engine_keeps = types::ENGINE_PROVIDED.contains(&trigger.trigger_type.as_str());
    let mut frame = trigger.clone();
    if ours(&trigger.function_id) && helpers_ours && engine_keeps {
        frame.metadata = Some(secret.stamp(&trigger.trigger_type, trigger.metadata.as_ref()));
    }
    Message::RegisterTrigger(frame)
}
