//! Parsing and checking one trigger attribute's options.

use proc_macro2::TokenStream;
use syn::spanned::Spanned;
use syn::{Attribute, Lit};

use super::TriggerAttr;
use crate::args::{self, Errors, Spec};
use crate::{cron, json, route};

/// Parses one trigger attribute; `None` (with errors recorded) when it is wrong.
pub(crate) fn parse(name: &str, attr: &Attribute, errors: &mut Errors) -> Option<TriggerAttr> {
    let tokens = match &attr.meta {
        syn::Meta::List(list) => list.tokens.clone(),
        _ => TokenStream::new(),
    };
    // The whole attribute path, so that an error covers `iii::http`, not only the `#`.
    let at = attr.path();
    match name {
        "http" => http(tokens, at, errors),
        "cron" => cron_attr(tokens, at, errors),
        "queue" => topic(tokens, at, errors, "queue").map(|topic| TriggerAttr::Queue { topic }),
        "subscribe" => {
            topic(tokens, at, errors, "subscribe").map(|topic| TriggerAttr::Subscribe { topic })
        }
        "stream" => stream(tokens, at, errors),
        "state" => state(tokens, at, errors),
        "trigger" => custom(tokens, at, errors),
        _ => None,
    }
}

/// `what` is the missing part as the message names it: "`path`", "an expression".
fn missing(errors: &mut Errors, at: &syn::Path, attr: &str, what: &str, example: &str) {
    errors.push(syn::Error::new_spanned(
        at,
        format!("`#[iii::{attr}]` needs {what}\nhelp: write `{example}`"),
    ));
}

const HTTP: Spec = Spec {
    attr: "http",
    keys: &["path", "method", "crate"],
    positional: None,
    example: "#[iii::http(path = \"users/:id\", method = \"GET\")]",
};

fn http(tokens: TokenStream, at: &syn::Path, errors: &mut Errors) -> Option<TriggerAttr> {
    let opts = args::named(tokens, &HTTP, errors);
    let method = opts.get("method").and_then(|m| args::lit_str(m, errors));
    let path = opts.get("path").and_then(|p| args::lit_str(p, errors));
    let method = match &method {
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
    let Some(path) = path else {
        if !opts.contains_key("path") {
            missing(errors, at, "http", "`path`", HTTP.example);
        }
        return None;
    };
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

const CRON: Spec = Spec {
    attr: "cron",
    keys: &["expression", "crate"],
    positional: Some("expression"),
    example: "#[iii::cron(\"0 */5 * * * *\")]",
};

fn cron_attr(tokens: TokenStream, at: &syn::Path, errors: &mut Errors) -> Option<TriggerAttr> {
    let opts = args::named(tokens, &CRON, errors);
    let Some(named) = opts.get("expression") else {
        missing(errors, at, "cron", "an expression", CRON.example);
        return None;
    };
    let expression = args::lit_str(named, errors)?;
    if let Err(message) = cron::check(&expression.value()) {
        errors.add(expression.span(), message);
        return None;
    }
    Some(TriggerAttr::Cron { expression })
}

const QUEUE: Spec = Spec {
    attr: "queue",
    keys: &["topic", "crate"],
    positional: None,
    example: "#[iii::queue(topic = \"orders.created\")]",
};

const SUBSCRIBE: Spec = Spec {
    attr: "subscribe",
    keys: &["topic", "crate"],
    positional: None,
    example: "#[iii::subscribe(topic = \"orders.shipped\")]",
};

fn topic(
    tokens: TokenStream,
    at: &syn::Path,
    errors: &mut Errors,
    attr: &str,
) -> Option<syn::LitStr> {
    let spec = if attr == "queue" { &QUEUE } else { &SUBSCRIBE };
    let opts = args::named(tokens, spec, errors);
    match opts.get("topic") {
        Some(t) => args::non_empty(t, errors),
        None => {
            missing(errors, at, attr, "`topic`", spec.example);
            None
        }
    }
}

const STREAM: Spec = Spec {
    attr: "stream",
    keys: &["name", "group", "item", "crate"],
    positional: None,
    example: "#[iii::stream(name = \"presence\", group = \"room-1\")]",
};

fn stream(tokens: TokenStream, at: &syn::Path, errors: &mut Errors) -> Option<TriggerAttr> {
    let opts = args::named(tokens, &STREAM, errors);
    let group = opts.get("group").and_then(|g| args::non_empty(g, errors));
    let item = opts.get("item").and_then(|i| args::non_empty(i, errors));
    let name = match opts.get("name") {
        Some(n) => args::non_empty(n, errors)?,
        None => {
            missing(errors, at, "stream", "`name`", STREAM.example);
            return None;
        }
    };
    Some(TriggerAttr::Stream { name, group, item })
}

const STATE: Spec = Spec {
    attr: "state",
    keys: &["scope", "key", "crate"],
    positional: None,
    example: "#[iii::state(scope = \"users\")]",
};

fn state(tokens: TokenStream, at: &syn::Path, errors: &mut Errors) -> Option<TriggerAttr> {
    let opts = args::named(tokens, &STATE, errors);
    let key = opts.get("key").and_then(|k| args::non_empty(k, errors));
    let scope = match opts.get("scope") {
        Some(s) => args::non_empty(s, errors)?,
        None => {
            missing(errors, at, "state", "`scope`", STATE.example);
            return None;
        }
    };
    Some(TriggerAttr::State { scope, key })
}

const CUSTOM: Spec = Spec {
    attr: "trigger",
    keys: &["type", "config", "crate"],
    positional: None,
    example: "#[iii::trigger(type = \"log\", config = { \"level\": \"error\" })]",
};

fn custom(tokens: TokenStream, at: &syn::Path, errors: &mut Errors) -> Option<TriggerAttr> {
    let opts = args::named(tokens, &CUSTOM, errors);
    let config = match opts.get("config") {
        None => Some("{}".to_owned()),
        Some(named) => {
            let converted = match syn::parse2::<Lit>(named.value.clone()) {
                // A string holds JSON text, read as JSON (not as Rust tokens: `\u00e9`).
                Ok(Lit::Str(s)) => serde_json::from_str::<serde_json::Value>(&s.value())
                    .and_then(|v| serde_json::to_string(&v))
                    .map_err(|e| {
                        syn::Error::new(s.span(), format!("`config` is not valid JSON: {e}"))
                    }),
                _ => json::to_json(named.value.clone()),
            };
            match converted {
                Ok(text) if text.starts_with('{') => Some(text),
                Ok(_) => {
                    errors.add(
                        named.value.span(),
                        format!(
                            "`config` must be a JSON object\nhelp: write `{}`",
                            CUSTOM.example
                        ),
                    );
                    None
                }
                Err(e) => {
                    errors.add(e.span(), format!("{e}\nhelp: write `{}`", CUSTOM.example));
                    None
                }
            }
        }
    };
    let trigger_type = match opts.get("type") {
        Some(t) => args::non_empty(t, errors)?,
        None => {
            missing(errors, at, "trigger", "`type`", CUSTOM.example);
            return None;
        }
    };
    Some(TriggerAttr::Custom {
        trigger_type,
        config: config?,
    })
}
