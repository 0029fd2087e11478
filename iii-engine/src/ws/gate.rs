//! The gate of an access-controlled connection: every frame that calls or registers passes it
//! before it is handled, and may come out changed or not at all (`crate::access` decides
//! what the connection may do).
//!
//! * `invokefunction`: a function the connection may not call is answered `FORBIDDEN`; with a
//!   middleware function, the call goes to it instead, with
//!   `{function_id, payload, action, context, namespace}` (the engine's own functions go
//!   straight to the engine, as on the real engine).
//! * `registerfunction`, `registertrigger`, `registertriggertype`: refused when the
//!   connection's `AuthResult` does not allow them, else asked of the listener's hook, whose
//!   answer may change them and whose error refuses them; then a function id (and a
//!   trigger's target) gets the registration prefix, and a trigger's target must be a
//!   function the connection may call.
//!
//! Every refusal is answered at once (the real engine only logs most of them): a call with
//! an `invocationresult`, a function with `registrationrejected`, a trigger or trigger type
//! with `triggerregistrationresult`, all naming the reason.

use std::sync::Arc;
use std::time::Duration;

use iii_protocol::{
    ErrorBody, InvocationResult, InvokeAction, InvokeFunction, Message, RawValue, RegisterFunction,
    RegisterTrigger, RegisterTriggerType, Uuid, codes,
};
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::frames::Conn;
use super::incoming::Kind;
use super::lenient::ReplyId;
use crate::access::Access;
use crate::builtins;
use crate::codec::to_raw;
use crate::router::Call;

/// How long a registration hook may take; the connection's frames wait for it, in order.
const HOOK_TIMEOUT: Duration = Duration::from_secs(10);

/// What the middleware function is called with.
#[derive(Serialize)]
struct MiddlewareInput<'a> {
    function_id: &'a str,
    payload: &'a RawValue,
    action: Option<&'a InvokeAction>,
    context: &'a Value,
    namespace: &'static str,
}

fn forbidden(message: String) -> ErrorBody {
    ErrorBody::new(codes::FORBIDDEN, message)
}

/// The hook's answer, `key` as a string, when it changed it.
fn text(answer: &Map<String, Value>, key: &str) -> Option<String> {
    answer.get(key).and_then(Value::as_str).map(str::to_owned)
}

impl Conn {
    /// Lets `kind` through (perhaps changed) under `access`, or answers its refusal and
    /// returns `None`.
    pub(super) async fn gate(&self, access: Arc<Access>, kind: Kind) -> Option<Kind> {
        Some(match kind {
            Kind::Message(Message::InvokeFunction(call)) => {
                let reply = call.invocation_id.map(ReplyId::Uuid);
                Kind::Message(Message::InvokeFunction(
                    self.call(&access, call, reply).await?,
                ))
            }
            Kind::Foreign(call, id) => {
                let reply = Some(ReplyId::Foreign(id.clone()));
                Kind::Foreign(self.call(&access, call, reply).await?, id)
            }
            Kind::Message(Message::RegisterFunction(def)) => Kind::Message(
                Message::RegisterFunction(self.function(&access, def).await?),
            ),
            Kind::Message(Message::UnregisterFunction(mut u)) => {
                u.id = access.prefixed(&u.id);
                Kind::Message(Message::UnregisterFunction(u))
            }
            Kind::Message(Message::RegisterTrigger(t)) => {
                Kind::Message(Message::RegisterTrigger(self.trigger(&access, t).await?))
            }
            Kind::Message(Message::RegisterTriggerType(t)) => Kind::Message(
                Message::RegisterTriggerType(self.trigger_type(&access, t).await?),
            ),
            other => other,
        })
    }

    /// The metadata of function `id`, for `expose_functions` rules.
    fn metadata_of(&self, id: &str) -> Option<Value> {
        let snapshot = self.ep.registry.snapshot();
        snapshot
            .functions
            .get(id)
            .and_then(|f| f.def.metadata.clone())
    }

    async fn call(
        &self,
        access: &Access,
        mut call: InvokeFunction,
        reply: Option<ReplyId>,
    ) -> Option<InvokeFunction> {
        if !access.allows(
            &call.function_id,
            self.metadata_of(&call.function_id).as_ref(),
        ) {
            let error = access.refusal(&call.function_id);
            tracing::warn!("worker {}: call refused: {}", self.id, error.message);
            let void = matches!(call.action, Some(InvokeAction::Void));
            if let Some(id) = reply.filter(|_| !void) {
                let answer = InvocationResult::err(Uuid::nil(), call.function_id, error);
                self.link.send(id.encode(answer)).await;
            }
            return None;
        }
        let Some(middleware) = &access.listener.middleware_function_id else {
            return Some(call);
        };
        if builtins::is_builtin(&call.function_id) {
            return Some(call);
        }
        let input = MiddlewareInput {
            function_id: &call.function_id,
            payload: &call.data,
            action: call.action.as_ref(),
            context: &access.context,
            namespace: "default",
        };
        // Serializing borrowed JSON cannot fail; keep the call as it was if it somehow does.
        let Ok(data) = to_raw(&input) else {
            return Some(call);
        };
        call.data = data;
        call.function_id = middleware.clone();
        // The middleware answers for the call, whatever its action: only a void call stays
        // unanswered.
        if !matches!(call.action, Some(InvokeAction::Void)) {
            call.action = None;
        }
        Some(call)
    }

    async fn function(
        &self,
        access: &Access,
        mut def: RegisterFunction,
    ) -> Option<RegisterFunction> {
        if !access.allow_function_registration {
            let why = "this connection may not register functions (allow_function_registration)";
            self.refuse_function(def.id, String::new(), why.to_owned())
                .await;
            return None;
        }
        let hook = access
            .rbac()
            .and_then(|r| r.on_function_registration_function_id.as_deref());
        if let Some(hook) = hook {
            let input = json!({"function_id": def.id, "description": def.description,
                               "metadata": def.metadata, "namespace": "default",
                               "context": access.context});
            match self.ask(hook, input).await {
                Ok(answer) => {
                    def.id = text(&answer, "function_id").unwrap_or(def.id);
                    def.description = text(&answer, "description").or(def.description);
                    if let Some(m) = answer.get("metadata").filter(|m| !m.is_null()) {
                        def.metadata = Some(m.clone());
                    }
                }
                Err(why) => {
                    let why = format!("refused by on_function_registration ({hook}): {why}");
                    self.refuse_function(def.id, String::new(), why).await;
                    return None;
                }
            }
        }
        def.id = access.prefixed(&def.id);
        Some(def)
    }

    async fn trigger(&self, access: &Access, mut t: RegisterTrigger) -> Option<RegisterTrigger> {
        let refused = |t: RegisterTrigger, error: ErrorBody| async move {
            self.refuse_trigger(t.id, t.trigger_type, t.function_id, error)
                .await;
            None
        };
        if let Some(types) = &access.allowed_trigger_types
            && !types.contains(&t.trigger_type)
        {
            let why = format!(
                "trigger type '{}' not allowed (allowed_trigger_types)",
                t.trigger_type
            );
            return refused(t, forbidden(why)).await;
        }
        let hook = access
            .rbac()
            .and_then(|r| r.on_trigger_registration_function_id.as_deref());
        if let Some(hook) = hook {
            let input = json!({"trigger_id": t.id, "trigger_type": t.trigger_type,
                               "function_id": t.function_id, "config": t.config,
                               "metadata": t.metadata,
                               "namespace": t.namespace.as_deref().unwrap_or("default"),
                               "context": access.context});
            match self.ask(hook, input).await {
                Ok(answer) => {
                    t.id = text(&answer, "trigger_id").unwrap_or(t.id);
                    t.trigger_type = text(&answer, "trigger_type").unwrap_or(t.trigger_type);
                    t.function_id = text(&answer, "function_id").unwrap_or(t.function_id);
                    if let Some(c) = answer.get("config").filter(|c| !c.is_null()) {
                        t.config = c.clone();
                    }
                }
                Err(why) => {
                    let why = format!("refused by on_trigger_registration ({hook}): {why}");
                    return refused(t, forbidden(why)).await;
                }
            }
        }
        t.function_id = access.prefixed(&t.function_id);
        if !access.allows(&t.function_id, self.metadata_of(&t.function_id).as_ref()) {
            let why = format!(
                "function '{}' not allowed in namespace 'default'",
                t.function_id
            );
            return refused(t, forbidden(why)).await;
        }
        Some(t)
    }

    async fn trigger_type(
        &self,
        access: &Access,
        mut t: RegisterTriggerType,
    ) -> Option<RegisterTriggerType> {
        let refused = |t: RegisterTriggerType, why: String| async move {
            self.refuse_trigger(t.id.clone(), t.id, String::new(), forbidden(why))
                .await;
            None
        };
        if !access.allow_trigger_type_registration {
            let why = "this connection may not provide trigger types \
                       (allow_trigger_type_registration)";
            return refused(t, why.to_owned()).await;
        }
        let hook = access
            .rbac()
            .and_then(|r| r.on_trigger_type_registration_function_id.as_deref());
        if let Some(hook) = hook {
            let input = json!({"trigger_type_id": t.id, "description": t.description,
                               "context": access.context});
            match self.ask(hook, input).await {
                Ok(answer) => {
                    t.id = text(&answer, "trigger_type_id").unwrap_or(t.id);
                    t.description = text(&answer, "description").unwrap_or(t.description);
                }
                Err(why) => {
                    let why = format!("refused by on_trigger_type_registration ({hook}): {why}");
                    return refused(t, why).await;
                }
            }
        }
        Some(t)
    }

    /// Asks registration hook `hook` about `input`: its answer when it is an object; an error
    /// (or anything else) is the reason to refuse.
    async fn ask(&self, hook: &str, input: Value) -> Result<Map<String, Value>, String> {
        let data = to_raw(&input).map_err(|e| e.message)?;
        let asked = self.ep.router.invoke(Call::new(hook, data));
        let answer = match tokio::time::timeout(HOOK_TIMEOUT, asked).await {
            Err(_) => return Err(format!("no answer within {HOOK_TIMEOUT:?}")),
            Ok(Err(e)) => return Err(e.message),
            Ok(Ok(answer)) => answer,
        };
        let value = answer
            .map(|raw| serde_json::from_str::<Value>(raw.get()).unwrap_or(Value::Null))
            .unwrap_or(Value::Null);
        match value {
            Value::Object(map) => Ok(map),
            other => Err(format!("it answered {other} instead of an object")),
        }
    }
}
