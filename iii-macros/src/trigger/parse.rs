//! Parsing trigger attributes: taking ours off a function, and reading each one's options as
//! literals of the right kind (`config` as JSON). What the values mean is checked in
//! [`super::validate`].

use proc_macro2::TokenStream;
use syn::{Attribute, ItemFn, Lit};

use super::ast::{Config, Kind, Standalone, TopicArg, Trigger};
use super::json;
use crate::args::{self, Named, Options, Required, Spec};
use crate::errors::Errors;
use crate::krate::{self, Runtime};

/// Names of the trigger attributes that `#[iii::function]` takes.
pub(crate) const NAMES: &[&str] = &[
    "http",
    "queue",
    "cron",
    "subscribe",
    "stream",
    "kv",
    "trigger",
];

/// Removes our trigger attributes from `item` and parses each; the ones whose options cannot be
/// read at all are left out (with errors recorded).
pub(crate) fn take(item: &mut ItemFn, runtime: &Runtime, errors: &mut Errors) -> Vec<Trigger> {
    let mut triggers = Vec::new();
    item.attrs
        .retain(|attr| match runtime.attribute(attr.path(), NAMES) {
            Some(name) => {
                triggers.extend(parse(name, attr, errors));
                false
            }
            None => true,
        });
    triggers
}

/// Parses a trigger attribute expanded on its own (above `#[iii::function]`, or without
/// one): the function it stands on, and where that function's `#[iii::function]` is. The
/// function attribute is recognised as the function macro recognises triggers, through the
/// runtime's names and the `crate = "…"` of either attribute.
pub(crate) fn standalone(
    name: &str,
    args: &TokenStream,
    item: TokenStream,
) -> syn::Result<Standalone> {
    let item: ItemFn = syn::parse2(item).map_err(|_| {
        syn::Error::new(
            proc_macro2::Span::call_site(),
            format!(
                "`#[iii::{name}]` goes on a function\nhelp: put it on an `async fn` that has `#[iii::function(\"my.id\")]`"
            ),
        )
    })?;
    let mut paths: Vec<syn::Path> = krate::option_in(args).into_iter().collect();
    for attr in &item.attrs {
        if let syn::Meta::List(list) = &attr.meta
            && attr
                .path()
                .segments
                .last()
                .is_some_and(|s| s.ident == "function")
        {
            paths.extend(krate::option_in(&list.tokens));
        }
    }
    let runtime = Runtime::recognising(paths);
    let function = item
        .attrs
        .iter()
        .position(|attr| runtime.attribute(attr.path(), &["function"]).is_some());
    Ok(Standalone { item, function })
}

/// Parses one trigger attribute named `name` (one of [`NAMES`]).
fn parse(name: &str, attr: &Attribute, errors: &mut Errors) -> Option<Trigger> {
    let tokens = match &attr.meta {
        syn::Meta::List(list) => list.tokens.clone(),
        _ => TokenStream::new(),
    };
    let (spec, build): (&Spec, fn(&Options, &mut Errors) -> Kind) = match name {
        "http" => (&HTTP, http),
        "cron" => (&CRON, cron),
        "queue" => (&QUEUE, queue),
        "subscribe" => (&SUBSCRIBE, subscribe),
        "stream" => (&STREAM, stream),
        "kv" => (&KV, kv),
        "trigger" => (&CUSTOM, custom),
        _ => return None,
    };
    let opts = args::named(tokens, spec, errors);
    Some(Trigger {
        // The whole attribute path, so that an error covers `iii::http`, not only the `#`.
        at: attr.path().clone(),
        kind: build(&opts, errors),
    })
}

fn string(opts: &Options, key: &str, errors: &mut Errors) -> Required<syn::LitStr> {
    Required::from(opts, key, |named| args::lit_str(named, errors))
}

fn optional(opts: &Options, key: &str, errors: &mut Errors) -> Option<syn::LitStr> {
    opts.get(key).and_then(|named| args::lit_str(named, errors))
}

pub(crate) const HTTP: Spec = Spec {
    attr: "http",
    keys: &["path", "method", "crate"],
    positional: None,
    example: "#[iii::http(path = \"users/:id\", method = \"GET\")]",
};

fn http(opts: &Options, errors: &mut Errors) -> Kind {
    let method = optional(opts, "method", errors);
    let path = string(opts, "path", errors);
    Kind::Http { method, path }
}

pub(crate) const CRON: Spec = Spec {
    attr: "cron",
    keys: &["expression", "crate"],
    positional: Some("expression"),
    example: "#[iii::cron(\"0 */5 * * * *\")]",
};

fn cron(opts: &Options, errors: &mut Errors) -> Kind {
    Kind::Cron {
        expression: string(opts, "expression", errors),
    }
}

pub(crate) const QUEUE: Spec = Spec {
    attr: "queue",
    keys: &["topic", "crate"],
    positional: None,
    example: "#[iii::queue(topic = \"orders.created\")]",
};

fn queue(opts: &Options, errors: &mut Errors) -> Kind {
    Kind::Queue {
        topic: topic(opts, errors),
    }
}

pub(crate) const SUBSCRIBE: Spec = Spec {
    attr: "subscribe",
    keys: &["topic", "crate"],
    positional: None,
    example: "#[iii::subscribe(topic = \"orders.shipped\")]",
};

fn subscribe(opts: &Options, errors: &mut Errors) -> Kind {
    Kind::Subscribe {
        topic: topic(opts, errors),
    }
}

/// `topic = "name"` or `topic = PATH` (an `iii::Topic<T>` constant).
fn topic(opts: &Options, errors: &mut Errors) -> Required<TopicArg> {
    Required::from(opts, "topic", |named| {
        if let Ok(Lit::Str(s)) = syn::parse2::<Lit>(named.value.clone()) {
            return Some(TopicArg::Name(s));
        }
        match syn::parse2::<syn::Path>(named.value.clone()) {
            Ok(path) => Some(TopicArg::Const(path)),
            Err(_) => {
                errors.spanned(
                    &named.value,
                    "`topic` takes a string literal or the path of an `iii::Topic` constant\nhelp: write `topic = \"orders.created\"`, or `topic = ORDERS` with `const ORDERS: iii::Topic<Order> = iii::Topic::new(\"orders.created\");`",
                );
                None
            }
        }
    })
}

pub(crate) const STREAM: Spec = Spec {
    attr: "stream",
    keys: &["name", "group", "item", "crate"],
    positional: None,
    example: "#[iii::stream(name = \"presence\", group = \"room-1\")]",
};

fn stream(opts: &Options, errors: &mut Errors) -> Kind {
    let group = optional(opts, "group", errors);
    let item = optional(opts, "item", errors);
    let name = string(opts, "name", errors);
    Kind::Stream { name, group, item }
}

pub(crate) const KV: Spec = Spec {
    attr: "kv",
    keys: &["scope", "key", "crate"],
    positional: None,
    example: "#[iii::kv(scope = \"users\")]",
};

fn kv(opts: &Options, errors: &mut Errors) -> Kind {
    let key = optional(opts, "key", errors);
    let scope = string(opts, "scope", errors);
    Kind::Kv { scope, key }
}

pub(crate) const CUSTOM: Spec = Spec {
    attr: "trigger",
    keys: &["type", "config", "crate"],
    positional: None,
    example: "#[iii::trigger(type = \"log\", config = { \"level\": \"error\" })]",
};

fn custom(opts: &Options, errors: &mut Errors) -> Kind {
    let config = opts.get("config").map(|named| config(named, errors));
    let trigger_type = string(opts, "type", errors);
    Kind::Custom {
        trigger_type,
        config,
    }
}

/// `config` as JSON text: a string holds JSON text, read as JSON (not as Rust tokens:
/// `\u00e9`); anything else is JSON written as tokens.
fn config(named: &Named, errors: &mut Errors) -> Option<Config> {
    let converted = match syn::parse2::<Lit>(named.value.clone()) {
        Ok(Lit::Str(s)) => serde_json::from_str::<serde_json::Value>(&s.value())
            .and_then(|v| serde_json::to_string(&v))
            .map_err(|e| syn::Error::new(s.span(), format!("`config` is not valid JSON: {e}"))),
        _ => json::to_json(named.value.clone()),
    };
    match converted {
        Ok(json) => Some(Config {
            json,
            span: syn::spanned::Spanned::span(&named.value),
        }),
        Err(e) => {
            errors.add(e.span(), format!("{e}\nhelp: write `{}`", CUSTOM.example));
            None
        }
    }
}
