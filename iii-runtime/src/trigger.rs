//! [`Trigger`]: what makes the engine invoke a function (an HTTP route, a cron schedule, a
//! queue topic, …), as a value to register; and [`TriggerKind`], which of them fired an
//! invocation.

use iii_protocol::RegisterTrigger;
use iii_protocol::triggers::types;
use serde_json::{Value, json};

/// A trigger to register: a type, the function it fires, and the type's configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Trigger {
    pub(crate) trigger_type: String,
    pub(crate) function_id: String,
    pub(crate) config: Value,
    pub(crate) metadata: Option<Value>,
    pub(crate) namespace: Option<String>,
    pub(crate) provider_namespace: Option<String>,
}

impl Trigger {
    /// A trigger of any type with a raw configuration.
    pub fn new(
        trigger_type: impl Into<String>,
        function_id: impl Into<String>,
        config: Value,
    ) -> Self {
        Self {
            trigger_type: trigger_type.into(),
            function_id: function_id.into(),
            config,
            metadata: None,
            namespace: None,
            provider_namespace: None,
        }
    }

    /// An HTTP route: `method` (`GET`, `POST`, …) on `path` (`users/:id`; leading `/`
    /// optional) on the engine's HTTP server.
    pub fn http(function_id: impl Into<String>, method: &str, path: &str) -> Self {
        Self::new(
            types::HTTP,
            function_id,
            json!({ "api_path": path, "http_method": method.to_ascii_uppercase() }),
        )
    }

    /// For an HTTP route: asks the engine to stream request bodies that are not JSON through
    /// the request's channel as they arrive, bounded by its streamed-body limit rather than its
    /// inline body limit (config key `stream_body`, an extension of the development engine;
    /// other engines ignore it). `#[iii::function]` sets it for handlers that take a
    /// [`BodyStream`](crate::BodyStream), `Bytes` or `Multipart`.
    #[must_use]
    pub fn stream_body(mut self) -> Self {
        if let Some(config) = self.config.as_object_mut() {
            config.insert("stream_body".to_owned(), serde_json::Value::Bool(true));
        }
        self
    }

    /// A cron schedule: `sec min hour day-of-month month day-of-week [year]`, UTC.
    pub fn cron(function_id: impl Into<String>, expression: &str) -> Self {
        Self::new(
            types::CRON,
            function_id,
            json!({ "expression": expression }),
        )
    }

    /// A durable queue topic consumer (`durable:subscriber`).
    pub fn queue(function_id: impl Into<String>, topic: &str) -> Self {
        Self::new(
            types::DURABLE_SUBSCRIBER,
            function_id,
            json!({ "topic": topic }),
        )
    }

    /// A stream trigger (`stream`): fires on `stream::set/update/delete` of `stream_name`,
    /// optionally only for one group or item.
    pub fn stream(
        function_id: impl Into<String>,
        stream_name: &str,
        group_id: Option<&str>,
        item_id: Option<&str>,
    ) -> Self {
        let mut config = json!({ "stream_name": stream_name });
        if let Some(group) = group_id {
            config["group_id"] = json!(group);
        }
        if let Some(item) = item_id {
            config["item_id"] = json!(item);
        }
        Self::new(types::STREAM, function_id, config)
    }

    /// A key/value trigger (the engine's trigger type `state`): fires on `state::set`,
    /// `state::update` and `state::delete` (what [`Kv`](crate::Kv) calls), optionally only for
    /// one scope or key, with a [`KvEvent`](crate::KvEvent).
    pub fn kv(function_id: impl Into<String>, scope: Option<&str>, key: Option<&str>) -> Self {
        let mut config = json!({});
        if let Some(scope) = scope {
            config["scope"] = json!(scope);
        }
        if let Some(key) = key {
            config["key"] = json!(key);
        }
        Self::new(types::STATE, function_id, config)
    }

    /// A pub/sub topic subscriber (`subscribe`).
    pub fn subscribe(function_id: impl Into<String>, topic: &str) -> Self {
        Self::new(types::SUBSCRIBE, function_id, json!({ "topic": topic }))
    }

    /// Metadata delivered to the function with every fire.
    #[must_use]
    pub fn metadata(mut self, metadata: Value) -> Self {
        self.metadata = Some(metadata);
        self
    }

    /// The namespace the fired function resolves in (default: the worker's).
    #[must_use]
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into());
        self
    }

    /// The namespace in which the engine looks up the provider of the trigger type
    /// (`trigger_namespace`; default: the worker's namespace, then `default`).
    #[must_use]
    pub fn provider_namespace(mut self, namespace: impl Into<String>) -> Self {
        self.provider_namespace = Some(namespace.into());
        self
    }

    /// The trigger type.
    pub fn trigger_type(&self) -> &str {
        &self.trigger_type
    }

    /// The function it fires.
    pub fn function_id(&self) -> &str {
        &self.function_id
    }

    /// The configuration.
    pub fn config(&self) -> &Value {
        &self.config
    }

    /// The frame registering this trigger under `id`; `namespace` is the worker's, which the
    /// fired function resolves in unless the trigger names another.
    pub(crate) fn into_frame(self, id: String, namespace: Option<&str>) -> RegisterTrigger {
        RegisterTrigger {
            id,
            trigger_type: self.trigger_type,
            function_id: self.function_id,
            config: self.config,
            metadata: self.metadata,
            namespace: self.namespace.or_else(|| namespace.map(str::to_owned)),
            trigger_namespace: self.provider_namespace,
        }
    }
}

/// What fired an invocation, as [`Context::trigger`](crate::Context::trigger) tells it.
///
/// Only this worker's own triggers are told apart: the worker stamps the metadata of each
/// trigger it registers with a secret of its connection, and the engine delivers that metadata
/// with every fire. The shape of the payload proves nothing (any worker can send an object
/// shaped like the HTTP request envelope or a cron tick), so it is never trusted: only an
/// invocation fired by one of this worker's own `http` triggers is unwrapped as an HTTP
/// request, its headers and path parameters believed.
///
/// These cannot be told apart from a direct call, and are [`Call`](TriggerKind::Call):
///
/// - deliveries of durable queue topics (`#[iii::queue]`, `durable:subscriber`) and of the
///   `enqueue` action: both engines deliver no trigger metadata with them;
/// - fires of triggers another worker bound to this worker's function (its own `subscribe`
///   trigger and a `publish`, an `http` route, a binding made with `engine::register_trigger`);
/// - fires of custom trigger types (bound with [`TriggerTypeRef::bind`](crate::TriggerTypeRef::bind),
///   this worker's own types included): the engine hands such a binding, metadata and all, to
///   the worker providing the type, so the worker does not stamp it;
/// - fires from an engine that does not deliver trigger metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TriggerKind {
    /// An HTTP request through one of this worker's `http` triggers.
    Http,
    /// A tick of one of this worker's `cron` triggers.
    Cron,
    /// A message of a durable topic through one of this worker's `durable:subscriber`
    /// triggers, on an engine that delivers trigger metadata with them (see above).
    Queue,
    /// A pub/sub message through one of this worker's `subscribe` triggers.
    Subscribe,
    /// A change in the engine's key/value store through one of this worker's
    /// [`kv`](Trigger::kv) triggers (the engine's trigger type `state`).
    Kv,
    /// A stream change through one of this worker's `stream` triggers.
    Stream,
    /// Another of this worker's triggers of a type the engine implements
    /// (`engine::workers-available`, `log`, …).
    Other,
    /// A direct call from a worker, or anything not fired by one of this worker's triggers.
    Call,
}

impl TriggerKind {
    /// The kind of this worker's trigger of type `trigger_type`.
    pub(crate) fn of_type(trigger_type: &str) -> Self {
        match trigger_type {
            types::HTTP => Self::Http,
            types::CRON => Self::Cron,
            types::DURABLE_SUBSCRIBER | "queue" => Self::Queue,
            types::SUBSCRIBE => Self::Subscribe,
            types::STATE => Self::Kv,
            types::STREAM => Self::Stream,
            _ => Self::Other,
        }
    }
}
