//! [`Access`]: what one connection of an access-controlled worker listener may do, from its
//! listener's rules ([`ListenerAccess`]) and what the listener's auth function answered for it
//! (its `AuthResult`, field names as on the real engine).
//!
//! Whether it may call (and see) a function is decided in the real engine's order:
//!
//! 1. in `forbidden_functions` → no;
//! 2. granted by `namespaces["default"]` (exact ids or wildcards) or `allowed_functions` →
//!    yes;
//! 3. one of the infrastructure functions every SDK needs ([`INFRASTRUCTURE`]) → yes;
//! 4. with `rbac`, a rule of `expose_functions` matches → yes, else no; without `rbac` (a
//!    listener with a middleware only) → yes.
//!
//! The registry keeps each connection's `Access` with the connection, so that everything
//! that serves a call (the frame gate in `ws`, the introspection builtins, the router that
//! strips the registration prefix) reads it from the same snapshot.

use std::collections::BTreeMap;
use std::sync::Arc;

use iii_protocol::{ErrorBody, RawValue, codes};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::config::{ListenerAccess, Rbac};
use crate::config_security::match_pattern;
use crate::pattern;

/// Functions an access-controlled connection may always call, whatever its rules say (unless
/// its `forbidden_functions` names them): without them no SDK can announce itself, log or
/// open a channel. The real engine's list.
pub(crate) const INFRASTRUCTURE: &[&str] = &[
    "engine::channels::create",
    "engine::workers::register",
    "engine::log::info",
    "engine::log::warn",
    "engine::log::error",
    "engine::log::debug",
    "engine::log::trace",
    "engine::baggage::get",
    "engine::baggage::set",
    "engine::baggage::get_all",
];

/// What an auth function answers, as the real engine reads it.
#[derive(Deserialize)]
struct AuthResult {
    #[serde(default)]
    namespaces: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    allowed_functions: Vec<String>,
    #[serde(default)]
    forbidden_functions: Vec<String>,
    #[serde(default)]
    allowed_trigger_types: Option<Vec<String>>,
    #[serde(default)]
    allow_trigger_type_registration: bool,
    #[serde(default = "yes")]
    allow_function_registration: bool,
    #[serde(default)]
    context: Option<Value>,
    #[serde(default)]
    function_registration_prefix: Option<String>,
}

fn yes() -> bool {
    true
}

/// What one connection of an access-controlled listener may do.
#[derive(Debug)]
pub(crate) struct Access {
    /// The listener's rules.
    pub(crate) listener: Arc<ListenerAccess>,
    namespaces: BTreeMap<String, Vec<String>>,
    allowed_functions: Vec<String>,
    forbidden_functions: Vec<String>,
    /// The trigger types it may bind; `None`: all.
    pub(crate) allowed_trigger_types: Option<Vec<String>>,
    /// Whether it may provide trigger types.
    pub(crate) allow_trigger_type_registration: bool,
    /// Whether it may register functions.
    pub(crate) allow_function_registration: bool,
    /// The auth function's `context`, handed to the middleware and the hooks.
    pub(crate) context: Value,
    /// Prepended (`<prefix>::`) to the ids of the functions it registers.
    pub(crate) prefix: Option<String>,
}

impl Access {
    /// A connection of a listener without an auth function: it may do everything its
    /// listener's rules allow (trigger types included, as on the real engine).
    pub(crate) fn open(listener: Arc<ListenerAccess>) -> Self {
        Self {
            listener,
            namespaces: BTreeMap::new(),
            allowed_functions: Vec::new(),
            forbidden_functions: Vec::new(),
            allowed_trigger_types: None,
            allow_trigger_type_registration: true,
            allow_function_registration: true,
            context: Value::Object(Map::new()),
            prefix: None,
        }
    }

    /// A connection the auth function let in with `result`.
    ///
    /// # Errors
    /// No result, or one that is not an `AuthResult`: the text says why.
    pub(crate) fn authorized(
        listener: Arc<ListenerAccess>,
        result: Option<&RawValue>,
    ) -> Result<Self, String> {
        let Some(result) = result.filter(|r| !iii_protocol::raw::is_null(r)) else {
            return Err("auth function returned no result".to_owned());
        };
        let r: AuthResult = serde_json::from_str(result.get())
            .map_err(|e| format!("the auth function's answer is not an AuthResult: {e}"))?;
        Ok(Self {
            listener,
            namespaces: r.namespaces,
            allowed_functions: r.allowed_functions,
            forbidden_functions: r.forbidden_functions,
            allowed_trigger_types: r.allowed_trigger_types,
            allow_trigger_type_registration: r.allow_trigger_type_registration,
            allow_function_registration: r.allow_function_registration,
            context: r
                .context
                .filter(|c| !c.is_null())
                .unwrap_or_else(|| Value::Object(Map::new())),
            prefix: r.function_registration_prefix.filter(|p| !p.is_empty()),
        })
    }

    /// The listener's `rbac` rules, if it has any.
    pub(crate) fn rbac(&self) -> Option<&Rbac> {
        self.listener.rbac.as_ref()
    }

    /// Whether this connection may call (and see) `function_id`, whose metadata is
    /// `metadata`.
    pub(crate) fn allows(&self, function_id: &str, metadata: Option<&Value>) -> bool {
        if self.forbidden_functions.iter().any(|f| f == function_id) {
            if INFRASTRUCTURE.contains(&function_id) {
                tracing::warn!(
                    "the auth function forbids infrastructure function {function_id:?}; the \
                     worker may not be able to announce itself, log or open channels"
                );
            }
            return false;
        }
        let granted = self.namespaces.get("default").is_some_and(|grants| {
            grants.iter().any(|g| {
                let raw = match_pattern(g).unwrap_or_else(|| g.clone());
                raw == function_id
                    || (raw.contains('*') && pattern::matches(&raw, function_id, false))
            })
        });
        if granted
            || self.allowed_functions.iter().any(|f| f == function_id)
            || INFRASTRUCTURE.contains(&function_id)
        {
            return true;
        }
        self.rbac().is_none_or(|rbac| {
            rbac.expose_functions
                .iter()
                .any(|rule| rule.matches(function_id, metadata))
        })
    }

    /// The error of a call to `function_id` that [`allows`](Self::allows) refused, in the real
    /// engine's words (SDKs' tests match on the remedy it names).
    pub(crate) fn refusal(&self, function_id: &str) -> ErrorBody {
        let remedy = if self.forbidden_functions.iter().any(|f| f == function_id) {
            "remove from rbac.forbidden_functions"
        } else {
            "add to rbac.expose_functions"
        };
        ErrorBody::new(
            codes::FORBIDDEN,
            format!("function '{function_id}' not allowed ({remedy})"),
        )
    }

    /// `id` as the engine keeps it: with the registration prefix, when there is one.
    pub(crate) fn prefixed(&self, id: &str) -> String {
        match &self.prefix {
            Some(prefix) => format!("{prefix}::{id}"),
            None => id.to_owned(),
        }
    }

    /// `id` as the worker registered it: the registration prefix taken off again.
    pub(crate) fn local<'a>(&self, id: &'a str) -> &'a str {
        self.prefix
            .as_deref()
            .and_then(|p| id.strip_prefix(p)?.strip_prefix("::"))
            .unwrap_or(id)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::config::FunctionFilter;

    fn listener() -> Arc<ListenerAccess> {
        let expose = [
            json!("match(\"api::*\")"),
            json!({"metadata": {"public": true}}),
        ];
        Arc::new(ListenerAccess {
            middleware_function_id: None,
            rbac: Some(Rbac {
                expose_functions: expose
                    .iter()
                    .map(|r| FunctionFilter::parse(r).unwrap())
                    .collect(),
                ..Rbac::default()
            }),
        })
    }

    fn authorized(result: Value) -> Access {
        let raw = RawValue::from_string(result.to_string()).unwrap();
        Access::authorized(listener(), Some(&raw)).unwrap()
    }

    #[test]
    fn calls_are_decided_in_the_real_engine_s_order() {
        let a = authorized(json!({
            "allowed_functions": ["internal::ok"],
            "forbidden_functions": ["api::secret", "engine::log::info"],
            "namespaces": {"default": ["match(\"ns::*\")", "exact::one"], "other": ["x::*"]},
        }));
        assert!(a.allows("api::users", None), "exposed by a rule");
        assert!(
            a.allows("anything", Some(&json!({"public": true}))),
            "exposed by metadata"
        );
        assert!(a.allows("internal::ok", None), "allowed_functions");
        assert!(
            a.allows("ns::deep::id", None) && a.allows("exact::one", None),
            "namespaces"
        );
        assert!(
            !a.allows("x::y", None),
            "another namespace's grants do not apply"
        );
        assert!(
            a.allows("engine::workers::register", None),
            "infrastructure"
        );
        assert!(!a.allows("api::secret", None), "forbidden wins over rules");
        assert!(
            !a.allows("engine::log::info", None),
            "and over infrastructure"
        );
        assert!(!a.allows("internal::other", None));
        assert!(
            a.refusal("internal::other")
                .message
                .contains("rbac.expose_functions")
        );
        assert!(
            a.refusal("api::secret")
                .message
                .contains("rbac.forbidden_functions")
        );
        assert_eq!(
            a.refusal("x").message,
            "function 'x' not allowed (add to rbac.expose_functions)"
        );
    }

    #[test]
    fn auth_results_default_as_on_the_real_engine() {
        let a = authorized(json!({"context": null, "function_registration_prefix": "p"}));
        assert!(a.allow_function_registration && !a.allow_trigger_type_registration);
        assert!(a.allowed_trigger_types.is_none());
        assert_eq!(a.context, json!({}));
        assert_eq!(
            (a.prefixed("echo"), a.local("p::echo"), a.local("q::echo")),
            ("p::echo".to_owned(), "echo", "q::echo")
        );
        let none = Access::authorized(listener(), None).unwrap_err();
        assert!(none.contains("no result"), "{none}");
        let raw = RawValue::from_string("[1]".to_owned()).unwrap();
        assert!(Access::authorized(listener(), Some(&raw)).is_err());
        let open = Access::open(Arc::new(ListenerAccess::default()));
        assert!(open.allows("whatever", None) && open.allow_trigger_type_registration);
    }
}
