//! Parse and validate without the compiler: tokens in, the model or the messages out.

use proc_macro2::TokenStream;
use quote::ToTokens;

use super::ast::{Function, Marker};
use super::model::{Extractor, Model, Param, PathShape, Value};
use super::{parse, validate};
use crate::args::Required;
use crate::errors::{Errors, messages};
use crate::trigger::TriggerAttr;

fn tokens(src: &str) -> TokenStream {
    src.parse().unwrap_or_else(|e| panic!("{src}: {e}"))
}

fn parsed(args: &str, item: &str) -> (Function, Vec<String>) {
    let mut errors = Errors::default();
    let function = parse::parse(tokens(args), tokens(item), &mut errors)
        .unwrap_or_else(|e| panic!("not a function: {e}"));
    (function, messages(errors.finish()))
}

/// The model, or every message of parse and validate in order.
fn model(args: &str, item: &str) -> Result<Model, Vec<String>> {
    let mut errors = Errors::default();
    let function =
        parse::parse(tokens(args), tokens(item), &mut errors).map_err(|e| vec![e.to_string()])?;
    let model = validate::validate(&function, &mut errors);
    let messages = messages(errors.finish());
    match model {
        Some(model) if messages.is_empty() => Ok(model),
        _ => Err(messages),
    }
}

fn errors(args: &str, item: &str) -> Vec<String> {
    match model(args, item) {
        Ok(_) => panic!("{args} / {item}: expected errors"),
        Err(messages) => messages,
    }
}

/// The first line of each message.
fn heads(messages: &[String]) -> Vec<&str> {
    messages
        .iter()
        .map(|m| m.lines().next().unwrap_or(""))
        .collect()
}

fn text(t: &impl ToTokens) -> String {
    t.to_token_stream().to_string()
}

#[test]
fn parse_reads_options_and_takes_our_attributes_only() {
    let (function, errors) = parsed(
        r#""math.add", timeout = "30s", concurrency = 4, marker = "AddFn", description = "Adds""#,
        r#"
        /// Doc.
        #[iii::http(path = "add", method = "POST")]
        #[other::http(anything at all)]
        #[cron("@daily")]
        #[inline]
        async fn add(#[input] ctx: Context, b: i64) -> i64 { 0 }
        "#,
    );
    assert_eq!(errors, Vec::<String>::new());
    let o = &function.options;
    assert!(matches!(&o.id, Required::Given(id) if id.value() == "math.add"));
    assert_eq!(
        o.timeout.as_ref().map(syn::LitStr::value).as_deref(),
        Some("30s")
    );
    assert_eq!(
        o.concurrency
            .as_ref()
            .map(|n| n.base10_digits().to_owned())
            .as_deref(),
        Some("4")
    );
    assert!(matches!(&o.marker, Some(Marker::Name(s)) if s.value() == "AddFn"));
    assert_eq!(
        o.description.as_ref().map(syn::LitStr::value).as_deref(),
        Some("Adds")
    );
    assert_eq!(function.doc.as_deref(), Some("Doc."));
    assert_eq!(function.triggers.len(), 2);
    assert_eq!(function.forced_inputs, vec![true, false]);
    // What is not ours stays on the function, in order; the `#[input]` mark is gone.
    let kept: Vec<String> = function.item.attrs.iter().map(|a| text(a.path())).collect();
    assert_eq!(kept, ["doc", "other :: http", "inline"]);
    assert!(!text(&function.item.sig).contains("input"));
}

#[test]
fn parse_reports_malformed_options_and_keeps_going() {
    let (function, errors) = parsed(
        r#"id = 1, timeout = 30, concurrency = "8", marker = 3, crate = "not a path", colour = 1"#,
        "async fn f() {}",
    );
    assert!(matches!(function.options.id, Required::Malformed));
    assert_eq!(
        heads(&errors),
        [
            "unknown option `colour` of `#[iii::function]`",
            "`id` takes a string literal",
            "`timeout` takes a string literal",
            "`concurrency` takes a positive integer",
            "`crate` takes a path",
            "`marker` takes a type name or `false`",
        ]
    );
}

#[test]
fn parse_refuses_what_is_no_function() {
    let mut errors = Errors::default();
    let e = parse::parse(tokens(r#""a""#), tokens("struct S;"), &mut errors)
        .err()
        .map(|e| e.to_string());
    assert!(e.is_some_and(|e| e.starts_with("`#[iii::function]` goes on a function")));
}

#[test]
fn validate_builds_the_model() {
    let model = model(
        r#""users.get", timeout = "2m", concurrency = 3"#,
        r#"
        /// Gets a user.
        #[iii::http(path = "users/:id", method = "get")]
        async fn get(ctx: Context, Path(id): Path<u64>, q: iii::Query<Q>, body: Body) -> iii::Result<http::Response<User>> { todo!() }
        "#,
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(model.id.value(), "users.get");
    assert_eq!(model.description.as_deref(), Some("Gets a user."));
    assert_eq!(model.timeout_ms, Some(120_000));
    assert_eq!(model.concurrency, Some(3));
    assert_eq!(
        model.marker.as_ref().map(ToString::to_string).as_deref(),
        Some("get")
    );
    assert!(model.is_async);
    assert_eq!(text(&model.krate), ":: iii");
    let kinds: Vec<&str> = model
        .params
        .iter()
        .map(|p| match p {
            Param::Input(_) => "input",
            Param::Extractor {
                kind: Extractor::Context,
                ..
            } => "context",
            Param::Extractor {
                kind: Extractor::Path(_, PathShape::Scalar),
                ..
            } => "path scalar",
            Param::Extractor {
                kind: Extractor::Query,
                ..
            } => "query",
            Param::Extractor { .. } => "other",
        })
        .collect();
    assert_eq!(kinds, ["context", "path scalar", "query", "input"]);
    assert!(matches!(model.output.fallible, Some(None)));
    assert!(matches!(&model.output.value, Value::Response(t) if text(t) == "User"));
    assert!(matches!(
        model.triggers.as_slice(),
        [TriggerAttr::Http { method, params, .. }] if method == "GET" && params == &["id"]
    ));
}

#[test]
fn types_through_other_paths_are_inputs() {
    let model = model(
        r#""a""#,
        "fn a(c: api::Context) -> Result<u8, MyError> { todo!() }",
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert!(matches!(model.params.as_slice(), [Param::Input(_)]));
    assert!(matches!(&model.output.fallible, Some(Some(e)) if text(e) == "MyError"));
    assert!(!model.is_async);
    let model = model_with_crate();
    assert!(matches!(
        model.params.as_slice(),
        [Param::Extractor {
            kind: Extractor::Context,
            ..
        }]
    ));
}

fn model_with_crate() -> Model {
    model(
        r#""a", crate = "my::rt""#,
        "async fn a(c: my::rt::Context) {}",
    )
    .unwrap_or_else(|e| panic!("{e:?}"))
}

#[test]
fn signature_errors() {
    assert_eq!(
        heads(&errors(r#""a""#, "async unsafe fn a() {}")),
        ["an `#[iii::function]` cannot be `unsafe`"]
    );
    assert_eq!(
        heads(&errors(r#""a""#, r#"extern "C" fn a() {}"#)),
        ["an `#[iii::function]` cannot have an `extern` ABI"]
    );
    assert_eq!(
        heads(&errors(r#""a""#, "const fn a() {}")),
        ["an `#[iii::function]` cannot be `const`"]
    );
    assert_eq!(
        heads(&errors(
            r#""a""#,
            "const unsafe extern \"C\" fn a<T>(&self) {}"
        )),
        [
            "an `#[iii::function]` cannot be generic",
            "an `#[iii::function]` cannot be `unsafe`",
            "an `#[iii::function]` cannot have an `extern` ABI",
            "an `#[iii::function]` cannot be `const`",
            "an `#[iii::function]` cannot take `self`",
        ]
    );
}

#[test]
fn concurrency_bounds() {
    let limit = |n: &str| model(&format!(r#""a", concurrency = {n}"#), "async fn a() {}");
    assert_eq!(limit("1").ok().and_then(|m| m.concurrency), Some(1));
    assert_eq!(
        limit("536870911").ok().and_then(|m| m.concurrency),
        Some(536_870_911)
    );
    for (n, head) in [
        ("0", "`concurrency = 0` would never run the function"),
        ("-1", "`concurrency` takes a positive integer"),
        ("1.5", "`concurrency` takes a positive integer"),
        ("\"8\"", "`concurrency` takes a positive integer"),
        ("536870912", "`concurrency = 536870912` is too large"),
        (
            "99999999999999999999999",
            "`concurrency = 99999999999999999999999` is too large",
        ),
    ] {
        let messages = limit(n).err().unwrap_or_default();
        assert_eq!(heads(&messages), [head], "{n}");
    }
}

#[test]
fn every_error_at_once_in_order() {
    let messages = errors(
        r#""", colour = "blue""#,
        r#"
        #[iii::http(path = "a//b", method = "BREW")]
        #[iii::cron("0 0 25 * * *")]
        async fn everything_wrong(a: &str, b: i64, c: i64) {}
        "#,
    );
    assert_eq!(
        heads(&messages),
        [
            "unknown option `colour` of `#[iii::function]`",
            "the function id must not be empty",
            "unsupported HTTP method `BREW`",
            "invalid route: the route has an empty segment (`//`)",
            "invalid hour field `25`: `25` is out of range 0-23",
            "unsupported parameter type: a reference cannot be filled from an invocation",
            "a function takes at most one input parameter (the body), and this is a second one",
            "the first input parameter is here",
        ]
    );
}

#[test]
fn option_and_type_errors() {
    for (args, item, head) in [
        ("", "async fn a() {}", "missing function id"),
        (
            r#""a", timeout = "0s""#,
            "async fn a() {}",
            "invalid timeout `0s`",
        ),
        (
            r#""a", marker = "not a name""#,
            "async fn a() {}",
            "`marker` takes a type name or `false`",
        ),
        (
            r#""a""#,
            "async fn a(f: impl Fn()) {}",
            "unsupported parameter type: `impl Trait`",
        ),
        (
            r#""a""#,
            "async fn a(f: fn()) {}",
            "unsupported parameter type",
        ),
        (
            r#""a""#,
            "async fn a() -> &str {}",
            "bad return type: a handler cannot return a borrowed reference",
        ),
        (r#""a""#, "async fn a() -> ! {}", "bad return type"),
        (
            r#""a""#,
            "async fn a(p: Path) {}",
            "`Path` needs a type argument",
        ),
        (
            r#""a""#,
            "async fn a(p: Path<u8>) {}",
            "`Path<T>` reads the `:params` of an HTTP route, but this function has no `#[iii::http]` route",
        ),
    ] {
        assert_eq!(heads(&errors(args, item)), [head], "{args} {item}");
    }
    // A bare extractor name may be the user's own type: the hint says how to take it.
    let path = errors(r#""a""#, "async fn a(p: Path) {}");
    assert!(
        path[0].contains("mark the parameter `#[input]`"),
        "{path:?}"
    );
}

#[test]
fn marker_forms() {
    let marker = |m: &str| {
        model(&format!(r#""a", marker = {m}"#), "async fn a() {}")
            .ok()
            .map(|m| m.marker.map(|i| i.to_string()))
    };
    assert_eq!(marker("false"), Some(None));
    assert_eq!(marker("true"), Some(Some("a".to_owned())));
    assert_eq!(marker("\"AFn\""), Some(Some("AFn".to_owned())));
}

#[test]
fn streamed_bodies_both_ways() {
    let up = model(
        r#""up""#,
        "async fn up(ctx: Context, body: iii::BodyStream) -> iii::Sse<S> { todo!() }",
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert!(matches!(
        up.params[1],
        Param::Extractor {
            kind: Extractor::Body,
            ..
        }
    ));
    assert!(matches!(up.output.value, Value::Streamed(_)));
    for ret in [
        "Body",
        "http::Response<iii::Body>",
        "iii::Result<iii::http::Response<Sse<S>>>",
    ] {
        let down = model(
            r#""down""#,
            &format!("async fn down() -> {ret} {{ todo!() }}"),
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert!(matches!(down.output.value, Value::Streamed(_)), "{ret}");
    }
    // A JSON body type named otherwise stays one.
    let json = model(
        r#""j""#,
        "async fn j() -> http::Response<Report> { todo!() }",
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert!(matches!(json.output.value, Value::Response(_)));
    assert_eq!(
        heads(&errors(r#""s""#, "fn s() -> Body { todo!() }")),
        ["a streamed response (`iii::Body`, `iii::Sse`) needs an `async fn`"]
    );
    assert_eq!(
        heads(&errors(
            r#""two""#,
            "async fn two(a: Bytes, b: BodyStream) {}"
        )),
        [
            "this parameter reads the request body, and another parameter already takes it",
            "the first input parameter is here"
        ]
    );
}
