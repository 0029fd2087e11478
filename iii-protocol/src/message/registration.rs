//! Registration frames: functions, triggers, trigger types and services, and the engine's
//! refusals.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::ErrorBody;

/// `registerfunction`: make a function invokable through this connection.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RegisterFunction {
    /// The function id, the routing key.
    pub id: String,
    /// Shown by introspection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Input schema (JSON Schema); serialized as `null` when absent, as the engine does.
    #[serde(default)]
    pub request_format: Option<Value>,
    /// Output schema (JSON Schema); serialized as `null` when absent.
    #[serde(default)]
    pub response_format: Option<Value>,
    /// Free-form metadata; `{"internal": true}` hides the function from default listings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    /// Makes this an HTTP-external function that the engine calls itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invocation: Option<Value>,
}

/// `unregisterfunction`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UnregisterFunction {
    /// The function id.
    pub id: String,
}

/// `registertrigger`: bind a trigger (HTTP route, cron schedule, topic, …) to a function.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegisterTrigger {
    /// Trigger id chosen by the worker (a UUID v4 by convention); also the cron `job_id`.
    pub id: String,
    /// `http`, `cron`, `durable:subscriber`, `subscribe`, `state`, `stream` or a custom type.
    pub trigger_type: String,
    /// The function the trigger fires.
    pub function_id: String,
    /// Type-specific configuration; a missing `config` reads as `null`.
    #[serde(default)]
    pub config: Value,
    /// Delivered to the function as invocation metadata on every fire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    /// Namespace in which `function_id` resolves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Namespace in which the trigger type's provider is looked up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger_namespace: Option<String>,
}

/// `unregistertrigger`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UnregisterTrigger {
    /// The trigger id given at registration.
    pub id: String,
    /// The trigger type; optional for the engine, required by some SDK decoders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger_type: Option<String>,
}

/// `triggerregistrationresult`: sent by the engine only when a registration failed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TriggerRegistrationResult {
    /// The trigger id.
    pub id: String,
    /// The trigger type.
    #[serde(default)]
    pub trigger_type: String,
    /// The function the trigger was for.
    #[serde(default)]
    pub function_id: String,
    /// Why it failed; absent means success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorBody>,
}

/// `registertriggertype`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegisterTriggerType {
    /// The trigger type id.
    pub id: String,
    /// Human-readable description.
    #[serde(default)]
    pub description: String,
    /// Schema of the trigger configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger_request_format: Option<Value>,
    /// Schema of the payload the trigger fires with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_request_format: Option<Value>,
    /// Namespace of the type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// `unregistertriggertype`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UnregisterTriggerType {
    /// The trigger type id.
    pub id: String,
}

/// `registrationrejected`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegistrationRejected {
    /// `FUNCTION_NAMESPACE_CONFLICT` (only that function refused) or `WORKER_NAMESPACE_CONFLICT`
    /// (fatal: the connection is closed).
    pub code: String,
    /// The namespace of the conflict.
    #[serde(default)]
    pub namespace: String,
    /// The conflicting worker name, for worker conflicts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_name: Option<String>,
    /// The conflicting function id, for function conflicts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function_id: Option<String>,
    /// The connection that owns the name or id (`""` when no worker does: a reserved id, or a
    /// refusal for another reason).
    #[serde(default)]
    pub owner_worker_id: String,
    /// Why, in words. This project's engine sends it; other peers ignore it (the real engine
    /// does not send it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// `registerservice` (legacy, accepted and ignored).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegisterService {
    /// Service id.
    pub id: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Parent service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_service_id: Option<String>,
}
