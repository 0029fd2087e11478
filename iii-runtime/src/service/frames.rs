//! The frames the service sends about the worker itself: the announce that opens every
//! connection, and a function's registration.

use iii_protocol::{
    InvokeAction, InvokeFunction, Message, RegisterFunction, WorkerMetadata, WorkerTelemetry,
    builtins,
};

use crate::config::WorkerConfig;
use crate::worker::Function;

pub(super) fn register_frame(id: &str, function: &Function) -> Message {
    Message::RegisterFunction(RegisterFunction {
        id: id.to_owned(),
        description: function.description.clone(),
        request_format: function.request_format.clone(),
        response_format: function.response_format.clone(),
        metadata: function.metadata.clone(),
        invocation: None,
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
