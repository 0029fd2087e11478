//! The settings of what may reach into the engine and what it may reach out to: the access
//! control of a worker listener ([`ListenerAccess`], with its [`Rbac`] rules), further
//! worker listeners ([`WorkerListener`]), and the URL policy of HTTP-invoked functions
//! ([`UrlPolicy`]). They are the real engine's `iii-worker-manager` and `iii-http-functions`
//! settings, under the same names.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde_json::Value;

use crate::pattern;

/// Where the engine may send the requests of HTTP-invoked functions (`iii-http-functions`'s
/// `security`). The defaults are the real engine's: any host, but no private, loopback or
/// link-local address, and HTTPS only. iii-engine speaks plain HTTP only (it has no TLS), so
/// with `require_https` on no URL can be registered: turn it off to use HTTP functions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlPolicy {
    /// Host patterns a URL's host must match (`*` any run of characters, `?` one; default
    /// `["*"]`).
    pub url_allowlist: Vec<String>,
    /// Refuse hosts that are, or resolve to, private, loopback, link-local, broadcast,
    /// documentation or unspecified addresses (default `true`).
    pub block_private_ips: bool,
    /// Refuse `http://` URLs (default `true`).
    pub require_https: bool,
}

impl Default for UrlPolicy {
    fn default() -> Self {
        Self {
            url_allowlist: vec!["*".to_owned()],
            block_private_ips: true,
            require_https: true,
        }
    }
}

impl UrlPolicy {
    /// Whether `host` (lower-case, without IPv6 brackets) is on the allow-list.
    pub(crate) fn allows_host(&self, host: &str) -> bool {
        self.url_allowlist
            .iter()
            .any(|p| pattern::matches(&p.to_ascii_lowercase(), host, true))
    }
}

/// A further worker listener: another `iii-worker-manager` entry, on its own port, with its
/// own access control. Workers connect to it exactly as to the main port.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerListener {
    /// Address it binds.
    pub host: IpAddr,
    /// Port it binds (`0` picks a free one).
    pub port: u16,
    /// Who may connect and what they may do.
    pub access: ListenerAccess,
}

/// The access control of one worker listener. Without either setting every connection may
/// do everything, as on a plain listener.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListenerAccess {
    /// Called instead of every function its connections invoke (the engine's own functions
    /// excepted) with `{function_id, payload, action, context, namespace}`; what it returns
    /// is the call's answer, so it invokes the target itself when it lets the call through.
    pub middleware_function_id: Option<String>,
    /// Authentication and the rules of what its connections may call and register.
    pub rbac: Option<Rbac>,
}

impl ListenerAccess {
    /// Whether connections of this listener are not controlled at all.
    pub fn is_open(&self) -> bool {
        self.middleware_function_id.is_none() && self.rbac.is_none()
    }
}

/// A listener's `rbac` block.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rbac {
    /// Called once per connection, before its first frame, with
    /// `{headers, query_params, ip_address}`; its `AuthResult` sets what the connection may
    /// do, and an error (or no result) refuses it. Without one every connection is let in,
    /// and only [`expose_functions`](Self::expose_functions) limits what it may call.
    pub auth_function_id: Option<String>,
    /// The functions any connection may call (and see): one rule matching is enough. The
    /// engine's infrastructure functions (`engine::workers::register`, `engine::log::*`, …)
    /// are always allowed.
    pub expose_functions: Vec<FunctionFilter>,
    /// Asked before each `registerfunction`; its answer may rename the function or change its
    /// description and metadata, an error refuses it.
    pub on_function_registration_function_id: Option<String>,
    /// Asked before each `registertrigger`, likewise.
    pub on_trigger_registration_function_id: Option<String>,
    /// Asked before each `registertriggertype`, likewise.
    pub on_trigger_type_registration_function_id: Option<String>,
}

/// One `expose_functions` rule.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionFilter {
    /// What it matches.
    pub rule: FilterRule,
    /// The namespace it applies in; `None` is `default`. iii-engine has no namespaces, so a
    /// rule for another namespace never matches.
    pub namespace: Option<String>,
}

/// What an `expose_functions` rule matches.
#[derive(Debug, Clone, PartialEq)]
pub enum FilterRule {
    /// `match("api::*")`: the function id matches this wildcard pattern.
    Id(String),
    /// `metadata: {key: value}`: each key of the function's metadata matches (all of them).
    Metadata(BTreeMap<String, MetadataMatch>),
}

/// How one metadata key of a [`FilterRule::Metadata`] rule matches.
#[derive(Debug, Clone, PartialEq)]
pub enum MetadataMatch {
    /// Equal to this value.
    Exact(Value),
    /// A string matching this wildcard pattern (written `match("*public*")`).
    Pattern(String),
}

impl FunctionFilter {
    /// A rule exposing the ids that match `pattern`.
    pub fn ids(pattern: impl Into<String>) -> Self {
        Self {
            rule: FilterRule::Id(pattern.into()),
            namespace: None,
        }
    }

    /// Reads a rule as the config file writes it: `match("pattern")` (or `match('pattern')`),
    /// or a mapping with `match: pattern` or `metadata: {…}`, and optionally `namespace`.
    ///
    /// # Errors
    /// The reason, for anything else (unknown keys included: a misspelt `namespace` must not
    /// silently widen a rule).
    pub fn parse(value: &Value) -> Result<Self, String> {
        let map = match value {
            Value::String(s) => {
                return match_pattern(s).map(Self::ids).ok_or_else(|| {
                    format!("expected match(\"pattern\") or a mapping, found {s:?}")
                });
            }
            Value::Object(map) => map,
            other => {
                return Err(format!(
                    "expected match(\"pattern\") or a mapping, found {other}"
                ));
            }
        };
        let mut rule = None;
        let mut namespace = None;
        for (key, value) in map {
            match (key.as_str(), value) {
                ("match", Value::String(p)) => {
                    rule = Some(FilterRule::Id(
                        match_pattern(p).unwrap_or_else(|| p.clone()),
                    ));
                }
                ("metadata", Value::Object(m)) => {
                    let keys = m.iter().map(|(k, v)| (k.clone(), MetadataMatch::from(v)));
                    rule = Some(FilterRule::Metadata(keys.collect()));
                }
                ("namespace", Value::String(ns)) => namespace = Some(ns.clone()),
                (key @ ("match" | "metadata" | "namespace"), other) => {
                    return Err(format!("`{key}` has the wrong type: {other}"));
                }
                (other, _) => {
                    return Err(format!(
                        "unknown key `{other}`; expected `match`, `metadata` or `namespace`"
                    ));
                }
            }
        }
        if map.contains_key("match") && map.contains_key("metadata") {
            return Err("a rule has `match` or `metadata`, not both".to_owned());
        }
        let rule = rule.ok_or("a rule needs `match` or `metadata`")?;
        Ok(Self { rule, namespace })
    }

    /// Whether the rule exposes `function_id`, whose metadata is `metadata`.
    pub fn matches(&self, function_id: &str, metadata: Option<&Value>) -> bool {
        if self.namespace.as_deref().is_some_and(|ns| ns != "default") {
            return false;
        }
        match &self.rule {
            FilterRule::Id(p) => pattern::matches(p, function_id, false),
            FilterRule::Metadata(keys) => {
                let Some(Value::Object(metadata)) = metadata else {
                    return false;
                };
                keys.iter()
                    .all(|(k, m)| metadata.get(k).is_some_and(|v| m.matches(v)))
            }
        }
    }
}

impl MetadataMatch {
    fn matches(&self, value: &Value) -> bool {
        match self {
            Self::Exact(expected) => value == expected,
            Self::Pattern(p) => value
                .as_str()
                .is_some_and(|s| pattern::matches(p, s, false)),
        }
    }
}

impl From<&Value> for MetadataMatch {
    fn from(value: &Value) -> Self {
        match value.as_str().and_then(match_pattern) {
            Some(p) => Self::Pattern(p),
            None => Self::Exact(value.clone()),
        }
    }
}

/// The pattern of `match("…")` or `match('…')`.
pub(crate) fn match_pattern(s: &str) -> Option<String> {
    let inner = s.trim().strip_prefix("match(")?.strip_suffix(')')?;
    let unquoted = inner
        .strip_prefix('"')
        .and_then(|i| i.strip_suffix('"'))
        .or_else(|| inner.strip_prefix('\'').and_then(|i| i.strip_suffix('\'')))?;
    Some(unquoted.to_owned())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn rules_read_as_the_config_file_writes_them() {
        let id = FunctionFilter::parse(&json!("match(\"test::ew::public::*\")")).unwrap();
        assert!(id.matches("test::ew::public::echo", None));
        assert!(!id.matches("test::ew::private", None));
        let quoted = FunctionFilter::parse(&json!("match('engine::functions::list')")).unwrap();
        assert!(quoted.matches("engine::functions::list", None));
        let meta = FunctionFilter::parse(&json!({"metadata": {"ew_public": true,
                                                             "name": "match(\"*pub*\")"}}))
        .unwrap();
        assert!(meta.matches("x", Some(&json!({"ew_public": true, "name": "a-pub-fn"}))));
        assert!(!meta.matches("x", Some(&json!({"ew_public": true, "name": "private"}))));
        assert!(!meta.matches("x", Some(&json!({"ew_public": "true", "name": "pub"}))));
        assert!(!meta.matches("x", None));
        let mapped = FunctionFilter::parse(&json!({"match": "svc::*"})).unwrap();
        assert!(mapped.matches("svc::get", None));
        let elsewhere = FunctionFilter::parse(&json!({"match": "*", "namespace": "orders"}));
        assert!(!elsewhere.unwrap().matches("svc::get", None));
    }

    #[test]
    fn bad_rules_are_refused_with_the_reason() {
        for (rule, why) in [
            (json!("svc::*"), "expected match"),
            (
                json!({"namesapce": "x", "match": "a"}),
                "unknown key `namesapce`",
            ),
            (json!({"match": "a", "metadata": {"k": 1}}), "not both"),
            (
                json!({"namespace": "default"}),
                "needs `match` or `metadata`",
            ),
            (json!(3), "expected match"),
        ] {
            let err = FunctionFilter::parse(&rule).unwrap_err();
            assert!(err.contains(why), "{rule}: {err}");
        }
    }

    #[test]
    fn the_allow_list_matches_hosts_as_globs() {
        let policy = UrlPolicy {
            url_allowlist: vec!["*.Example.com".into(), "127.0.0.1".into()],
            ..UrlPolicy::default()
        };
        assert!(policy.allows_host("api.example.com"));
        assert!(policy.allows_host("127.0.0.1"));
        assert!(!policy.allows_host("example.com"));
        assert!(!policy.allows_host("127.0.0.10"));
    }
}
