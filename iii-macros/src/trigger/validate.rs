//! Checking a parsed trigger attribute with the engine's rules (routes and methods, cron
//! expressions, required and non-empty options, `config` an object) into a [`TriggerAttr`].

use syn::LitStr;

use super::ast::{Kind, Standalone, TopicArg, Trigger};
use super::model::TriggerAttr;
use super::parse::{CRON, CUSTOM, HTTP, KV, QUEUE, STREAM, SUBSCRIBE};
use super::{cron, route};
use crate::args::{Required, Spec};
use crate::errors::Errors;

/// The validated trigger; `None` (with errors recorded) when it is wrong.
pub(crate) fn validate(trigger: &Trigger, errors: &mut Errors) -> Option<TriggerAttr> {
    let at = &trigger.at;
    match &trigger.kind {
        Kind::Http { method, path } => http(method.as_ref(), path, at, errors),
        Kind::Cron { expression } => {
            let expression = required(expression, at, &CRON, "an expression", errors)?;
            if let Err(message) = cron::check(&expression.value()) {
                errors.add(expression.span(), message);
                return None;
            }
            Some(TriggerAttr::Cron { expression })
        }
        Kind::Queue { topic } => {
            let topic = topic_arg(topic, at, &QUEUE, errors)?;
            Some(TriggerAttr::Queue { topic })
        }
        Kind::Subscribe { topic } => {
            let topic = topic_arg(topic, at, &SUBSCRIBE, errors)?;
            Some(TriggerAttr::Subscribe { topic })
        }
        Kind::Stream { name, group, item } => {
            let group = group.clone().and_then(|g| non_empty(g, "group", errors));
            let item = item.clone().and_then(|i| non_empty(i, "item", errors));
            let name = non_empty(
                required(name, at, &STREAM, "`name`", errors)?,
                "name",
                errors,
            )?;
            Some(TriggerAttr::Stream { name, group, item })
        }
        Kind::Kv { scope, key } => {
            let key = key.clone().and_then(|k| non_empty(k, "key", errors));
            let scope = non_empty(
                required(scope, at, &KV, "`scope`", errors)?,
                "scope",
                errors,
            )?;
            Some(TriggerAttr::Kv { scope, key })
        }
        Kind::Custom {
            trigger_type,
            config,
        } => {
            let config = match config {
                None => Some("{}".to_owned()),
                Some(None) => None,
                Some(Some(c)) if c.json.starts_with('{') => Some(c.json.clone()),
                Some(Some(c)) => {
                    errors.add(
                        c.span,
                        format!(
                            "`config` must be a JSON object\nhelp: write `{}`",
                            CUSTOM.example
                        ),
                    );
                    None
                }
            };
            let trigger_type = required(trigger_type, at, &CUSTOM, "`type`", errors);
            let trigger_type = non_empty(trigger_type?, "type", errors)?;
            Some(TriggerAttr::Custom {
                trigger_type,
                config: config?,
            })
        }
    }
}

/// A trigger on its own must stand above the function's `#[iii::function]`, which takes it;
/// the index of that attribute.
pub(crate) fn standalone(name: &str, standalone: &Standalone) -> syn::Result<usize> {
    standalone.function.ok_or_else(|| {
        syn::Error::new(
            proc_macro2::Span::call_site(),
            format!(
                "`#[iii::{name}]` without `#[iii::function]`\n\
                 help: declare the function first: `#[iii::function(\"my.id\")]` above `#[iii::{name}(…)]`\n\
                 note: below `#[iii::function]`, a trigger attribute is taken when it is written `#[{name}]` or through `iii`, the dependency's name in `Cargo.toml` or the `crate = \"…\"` path; under another path it is another crate's attribute"
            ),
        )
    })
}

fn http(
    method: Option<&LitStr>,
    path: &Required<LitStr>,
    at: &syn::Path,
    errors: &mut Errors,
) -> Option<TriggerAttr> {
    let method = match method {
        None => Some("GET".to_owned()),
        Some(m) => {
            let upper = m.value().to_ascii_uppercase();
            if route::METHODS.contains(&upper.as_str()) {
                Some(upper)
            } else {
                errors.add(
                    m.span(),
                    format!(
                        "unsupported HTTP method `{}`\nhelp: expected one of {}",
                        m.value(),
                        route::METHODS.join(", ")
                    ),
                );
                None
            }
        }
    };
    let path = required(path, at, &HTTP, "`path`", errors)?;
    let params = match route::check_route(&path.value()) {
        Ok(params) => params,
        Err(message) => {
            errors.add(
                path.span(),
                format!(
                    "invalid route: {message}\nhelp: write segments separated by `/`, parameters as `:name`, e.g. `\"users/:id\"`"
                ),
            );
            return None;
        }
    };
    Some(TriggerAttr::Http {
        method: method?,
        path,
        params,
    })
}

/// The value of a required option; when it is missing, an error naming `what` (the missing
/// part as the message says it: "`path`", "an expression") at the attribute's path.
fn required<T: Clone>(
    value: &Required<T>,
    at: &syn::Path,
    spec: &Spec,
    what: &str,
    errors: &mut Errors,
) -> Option<T> {
    match value {
        Required::Given(s) => Some(s.clone()),
        Required::Malformed => None,
        Required::Missing => {
            errors.push(syn::Error::new_spanned(
                at,
                format!(
                    "`#[iii::{}]` needs {what}\nhelp: write `{}`",
                    spec.attr, spec.example
                ),
            ));
            None
        }
    }
}

/// A required `topic`: a non-blank name, or a constant's path.
fn topic_arg(
    topic: &Required<TopicArg>,
    at: &syn::Path,
    spec: &Spec,
    errors: &mut Errors,
) -> Option<TopicArg> {
    match required(topic, at, spec, "`topic`", errors)? {
        TopicArg::Name(name) => non_empty(name, "topic", errors).map(TopicArg::Name),
        path @ TopicArg::Const(_) => Some(path),
    }
}

/// `s` unless it is blank; `key` is the option's name.
fn non_empty(s: LitStr, key: &str, errors: &mut Errors) -> Option<LitStr> {
    if s.value().trim().is_empty() {
        errors.add(s.span(), format!("`{key}` must not be empty"));
        return None;
    }
    Some(s)
}
