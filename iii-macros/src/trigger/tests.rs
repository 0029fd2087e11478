//! Trigger attributes parsed and validated without the compiler.

use proc_macro2::TokenStream;
use quote::ToTokens;

use super::model::TriggerAttr;
use super::{parse, validate};
use crate::errors::{Errors, messages};
use crate::krate::Runtime;

fn item(src: &str) -> syn::ItemFn {
    syn::parse_str(src).unwrap_or_else(|e| panic!("{src}: {e}"))
}

/// Every trigger on `src` (a function) validated, or every message.
fn triggers(src: &str) -> Result<Vec<TriggerAttr>, Vec<String>> {
    let mut errors = Errors::default();
    let mut item = item(src);
    let runtime = Runtime::with_path(syn::parse_quote!(::iii));
    let parsed = parse::take(&mut item, &runtime, &mut errors);
    let valid: Vec<_> = parsed
        .iter()
        .filter_map(|t| validate::validate(t, &mut errors))
        .collect();
    let messages = messages(errors.finish());
    if messages.is_empty() {
        Ok(valid)
    } else {
        Err(messages)
    }
}

fn one(attr: &str) -> Result<TriggerAttr, Vec<String>> {
    let mut all = triggers(&format!("{attr} async fn f() {{}}"))?;
    assert_eq!(all.len(), 1, "{attr}");
    all.pop().ok_or_else(Vec::new)
}

fn head(attr: &str) -> String {
    match one(attr) {
        Ok(_) => panic!("{attr}: expected an error"),
        Err(messages) => messages
            .iter()
            .map(|m| m.lines().next().unwrap_or("").to_owned())
            .collect::<Vec<_>>()
            .join(" | "),
    }
}

fn text(t: &impl ToTokens) -> String {
    t.to_token_stream().to_string()
}

#[test]
fn http_routes_and_methods() {
    let Ok(TriggerAttr::Http {
        method,
        path,
        params,
    }) = one(r#"#[iii::http(path = "users/:id/posts/:post", method = "delete")]"#)
    else {
        panic!("http");
    };
    assert_eq!(method, "DELETE");
    assert_eq!(path.value(), "users/:id/posts/:post");
    assert_eq!(params, ["id", "post"]);
    assert!(matches!(
        one(r#"#[http(path = "/")]"#),
        Ok(TriggerAttr::Http { method, .. }) if method == "GET"
    ));
    assert_eq!(
        head(r#"#[iii::http(method = "BREW")]"#),
        "unsupported HTTP method `BREW` | `#[iii::http]` needs `path`"
    );
    assert_eq!(
        head(r#"#[iii::http(path = "a/{id}")]"#),
        "invalid route: the route contains `{`; routes are plain segments and `:name` parameters, without query strings, braces or wildcards"
    );
    assert_eq!(
        head(r#"#[iii::http("users")]"#),
        "unexpected literal: `#[iii::http]` takes named options | `#[iii::http]` needs `path`"
    );
    assert_eq!(
        head(r#"#[iii::http(path = 1)]"#),
        "`path` takes a string literal"
    );
    // A list that does not parse says so, and no more: `path` may be what is malformed.
    assert_eq!(head(r#"#[iii::http(path =)]"#), "`path =` needs a value");
    assert_eq!(head(r#"#[iii::http(path "a")]"#), "expected `=`");
}

#[test]
fn the_other_triggers() {
    assert!(matches!(
        one(r#"#[iii::cron("@daily")]"#),
        Ok(TriggerAttr::Cron { expression }) if expression.value() == "@daily"
    ));
    assert!(matches!(
        one(r#"#[iii::stream(name = "presence", item = "u1")]"#),
        Ok(TriggerAttr::Stream { name, group: None, item: Some(item) })
            if name.value() == "presence" && item.value() == "u1"
    ));
    assert!(matches!(
        one(r#"#[iii::kv(scope = "users")]"#),
        Ok(TriggerAttr::Kv { key: None, .. })
    ));
    assert!(matches!(
        one(r#"#[iii::subscribe(topic = "a")]"#),
        Ok(TriggerAttr::Subscribe { .. })
    ));
    // A `Topic<T>` constant, by path: its name and type come from the constant.
    assert!(matches!(
        one(r#"#[iii::queue(topic = crate::topics::ORDERS)]"#),
        Ok(TriggerAttr::Queue { topic: super::ast::TopicArg::Const(path) })
            if text(&path) == "crate :: topics :: ORDERS"
    ));
    assert!(matches!(
        one(r#"#[iii::subscribe(topic = EVENTS)]"#),
        Ok(TriggerAttr::Subscribe {
            topic: super::ast::TopicArg::Const(_)
        })
    ));
    assert!(matches!(
        one(r#"#[iii::trigger(type = "log", config = { "level": "error", "n": [1, -2] })]"#),
        Ok(TriggerAttr::Custom { config, .. }) if config == r#"{"level":"error","n":[1,-2]}"#
    ));
    assert!(matches!(
        one(r#"#[iii::trigger(type = "log")]"#),
        Ok(TriggerAttr::Custom { config, .. }) if config == "{}"
    ));
    for (attr, expected) in [
        (r#"#[iii::cron]"#, "`#[iii::cron]` needs an expression"),
        (
            r#"#[iii::cron("@annually")]"#,
            "unknown cron shorthand `@annually`",
        ),
        (r#"#[iii::queue(topic = " ")]"#, "`topic` must not be empty"),
        (
            r#"#[iii::queue(topic = 42)]"#,
            "`topic` takes a string literal or the path of an `iii::Topic` constant",
        ),
        (
            r#"#[iii::queue(name = "q")]"#,
            "unknown option `name` of `#[iii::queue]` | `#[iii::queue]` needs `topic`",
        ),
        (
            r#"#[iii::stream(group = "g")]"#,
            "`#[iii::stream]` needs `name`",
        ),
        (
            r#"#[iii::stream(name = "s", group = "")]"#,
            "`group` must not be empty",
        ),
        (r#"#[iii::kv(key = "k")]"#, "`#[iii::kv]` needs `scope`"),
        (
            r#"#[iii::trigger(config = {})]"#,
            "`#[iii::trigger]` needs `type`",
        ),
        (
            r#"#[iii::trigger(type = "t", config = [1])]"#,
            "`config` must be a JSON object",
        ),
        (
            r#"#[iii::trigger(type = "t", config = "{")]"#,
            "`config` is not valid JSON: EOF while parsing an object at line 1 column 1",
        ),
        (
            r#"#[iii::trigger(type = "t", config = { 1: 2 })]"#,
            "an object key must be a string",
        ),
    ] {
        assert_eq!(head(attr), expected, "{attr}");
    }
}

#[test]
fn foreign_attributes_are_left_alone() {
    let mut errors = Errors::default();
    let mut item = item(
        r#"#[tracing::instrument] #[other::http(not, our, syntax)] #[iii::queue(topic = "q")] fn f() {}"#,
    );
    let runtime = Runtime::with_path(syn::parse_quote!(::iii));
    let taken = parse::take(&mut item, &runtime, &mut errors);
    assert_eq!(messages(errors.finish()), Vec::<String>::new());
    assert_eq!(taken.len(), 1);
    let kept: Vec<String> = item.attrs.iter().map(|a| text(a.path())).collect();
    assert_eq!(kept, ["tracing :: instrument", "other :: http"]);
}

fn standalone(args: &str, src: &str) -> Result<String, String> {
    let args: TokenStream = args.parse().map_err(|e| format!("{e}"))?;
    let item: TokenStream = src.parse().map_err(|e| format!("{e}"))?;
    let standalone = parse::standalone("http", &args, item).map_err(|e| e.to_string())?;
    let function = validate::standalone("http", &standalone).map_err(|e| e.to_string())?;
    Ok(super::expand::standalone("http", &args, standalone.item, function).to_string())
}

#[test]
fn a_trigger_above_the_function_moves_below_it() {
    let moved = standalone(
        r#"path = "a""#,
        r#"#[doc = "x"] #[iii::function("f")] #[inline] async fn f() {}"#,
    );
    assert_eq!(
        moved.map(|s| s.replace(' ', "")),
        Ok(
            r##"#[doc="x"]#[iii::function("f")]#[iii::http(path="a")]#[inline]asyncfnf(){}"##
                .to_owned()
        )
    );
    let renamed = standalone(
        r#"path = "a""#,
        r#"#[rt::function("f", crate = "rt")] async fn f() {}"#,
    );
    assert!(renamed.is_ok_and(|s| s.replace(' ', "").contains("#[rt::http(path=\"a\")]")));
    let own_crate = standalone(
        r#"path = "a", crate = "rt""#,
        r#"#[rt::function("f")] async fn f() {}"#,
    );
    assert!(own_crate.is_ok());
    // Another crate's `function` attribute is not ours to join.
    let foreign = standalone(r#"path = "a""#, r#"#[other::function] async fn f() {}"#);
    assert!(
        foreign
            .as_ref()
            .is_err_and(|e| e.starts_with("`#[iii::http]` without `#[iii::function]`")),
        "{foreign:?}"
    );
    let not_fn = standalone(r#"path = "a""#, "struct S;");
    assert!(not_fn.is_err_and(|e| e.starts_with("`#[iii::http]` goes on a function")));
}
