//! Parsing the attribute options and the function signature into a [`Model`].

use proc_macro2::{Span, TokenStream};
use syn::spanned::Spanned;
use syn::{FnArg, GenericArgument, ItemFn, Lit, PathArguments, ReturnType, Type};

use super::model::{Extractor, Model, Output, Param, Value};
use super::validate;
use crate::args::{self, Errors, Spec};
use crate::trigger;

const FUNCTION: Spec = Spec {
    attr: "function",
    keys: &[
        "id",
        "description",
        "timeout",
        "concurrency",
        "marker",
        "crate",
    ],
    positional: Some("id"),
    example: "#[iii::function(\"math.add\")]",
};

/// Builds the model; removes our trigger attributes from `item` whatever happens.
pub(crate) fn parse(args: TokenStream, item: &mut ItemFn) -> syn::Result<Model> {
    let mut errors = Errors::default();
    let opts = args::named(args, &FUNCTION, &mut errors);
    let id = match opts.get("id") {
        Some(named) => args::lit_str(named, &mut errors).and_then(|id| {
            if id.value().trim().is_empty() {
                errors.add(
                    id.span(),
                    "the function id must not be empty\nhelp: name the function, e.g. `#[iii::function(\"math.add\")]`",
                );
                None
            } else {
                Some(id)
            }
        }),
        None => {
            errors.add(
                Span::call_site(),
                "missing function id\nhelp: name the function: `#[iii::function(\"math.add\")]`",
            );
            None
        }
    };
    let description = opts
        .get("description")
        .and_then(|d| args::lit_str(d, &mut errors))
        .map(|d| d.value());
    let timeout_ms = opts
        .get("timeout")
        .and_then(|t| args::lit_str(t, &mut errors))
        .and_then(|t| match duration_ms(&t.value()) {
            Some(ms) => Some(ms),
            None => {
                errors.add(
                    t.span(),
                    format!(
                        "invalid timeout `{}`\nhelp: write a positive number with a unit: `\"500ms\"`, `\"30s\"`, `\"5m\"`, `\"1h\"`",
                        t.value()
                    ),
                );
                None
            }
        });
    let concurrency =
        opts.get("concurrency")
            .and_then(|c| match syn::parse2::<Lit>(c.value.clone()) {
                Ok(Lit::Int(n)) if n.base10_parse::<usize>().is_ok_and(|n| n > 0) => {
                    n.base10_parse::<usize>().ok()
                }
                _ => {
                    errors.add(
                        c.value.span(),
                        "`concurrency` takes a positive integer\nhelp: write `concurrency = 8`",
                    );
                    None
                }
            });
    let krate = args::krate(opts.get("crate"), &mut errors);
    let marker = match opts.get("marker") {
        None => Some(Some(item.sig.ident.clone())),
        Some(m) => match syn::parse2::<Lit>(m.value.clone()) {
            Ok(Lit::Bool(b)) if !b.value => Some(None),
            Ok(Lit::Bool(_)) => Some(Some(item.sig.ident.clone())),
            Ok(Lit::Str(s)) if s.parse::<syn::Ident>().is_ok() => {
                s.parse::<syn::Ident>().ok().map(Some)
            }
            _ => {
                errors.add(
                    m.value.span(),
                    "`marker` takes a type name or `false`\nhelp: write `marker = \"AddFn\"` to name the typed-call type, or `marker = false` to leave it out",
                );
                None
            }
        },
    };

    let triggers = take_triggers(item, &mut errors);
    let sig = &item.sig;
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        errors.add(
            sig.generics.span(),
            "an `#[iii::function]` cannot be generic\nhelp: declare one function per concrete type",
        );
    }
    if let Some(unsafety) = &sig.unsafety {
        errors.add(
            unsafety.span(),
            "an `#[iii::function]` cannot be `unsafe`\nhelp: remove `unsafe`; call unsafe code inside the body",
        );
    }
    if let Some(abi) = &sig.abi {
        errors.add(
            abi.span(),
            "an `#[iii::function]` cannot have an `extern` ABI\nhelp: remove the `extern`",
        );
    }
    if let Some(constness) = &sig.constness {
        errors.add(
            constness.span(),
            "an `#[iii::function]` cannot be `const`\nhelp: remove `const`",
        );
    }
    let forced_inputs = take_input_attrs(item);
    let sig = &item.sig;
    let mut params = Vec::new();
    for (arg, forced) in sig.inputs.iter().zip(forced_inputs) {
        match arg {
            FnArg::Receiver(r) => errors.add(
                r.span(),
                "an `#[iii::function]` cannot take `self`\nhelp: make it a free function; share data with an `iii::State<T>` parameter",
            ),
            FnArg::Typed(pat) if forced => params.push(Param::Input(pat.ty.clone())),
            FnArg::Typed(pat) => match classify(&pat.ty, &krate) {
                Ok(param) => params.push(param),
                Err(message) => errors.add(pat.ty.span(), message),
            },
        }
    }
    let output = match &sig.output {
        ReturnType::Default => Some(Output {
            fallible: None,
            value: Value::Unit,
        }),
        ReturnType::Type(_, ty) => match output(ty, &krate) {
            Ok(output) => Some(output),
            Err(message) => {
                errors.add(ty.span(), message);
                None
            }
        },
    };
    validate::params(&params, &triggers, &mut errors);
    errors.finish()?;
    let (Some(id), Some(output), Some(marker)) = (id, output, marker) else {
        return Err(syn::Error::new(
            Span::call_site(),
            "invalid `#[iii::function]`",
        ));
    };
    let description = description.or_else(|| doc_comment(item));
    Ok(Model {
        id,
        description,
        krate,
        name: item.sig.ident.clone(),
        marker,
        vis: item.vis.clone(),
        is_async: item.sig.asyncness.is_some(),
        params,
        output,
        triggers,
        timeout_ms,
        concurrency,
    })
}

fn take_triggers(item: &mut ItemFn, errors: &mut Errors) -> Vec<trigger::TriggerAttr> {
    let mut triggers = Vec::new();
    item.attrs.retain(|attr| match trigger::trigger_name(attr) {
        Some(name) => {
            if let Some(t) = trigger::parse(name, attr, errors) {
                triggers.push(t);
            }
            false
        }
        None => true,
    });
    triggers
}

/// Removes the `#[input]` marks from the parameters; for each parameter, whether it had one.
fn take_input_attrs(item: &mut ItemFn) -> Vec<bool> {
    item.sig
        .inputs
        .iter_mut()
        .map(|arg| match arg {
            FnArg::Typed(pat) => {
                let before = pat.attrs.len();
                pat.attrs.retain(|a| !a.path().is_ident("input"));
                pat.attrs.len() != before
            }
            FnArg::Receiver(_) => false,
        })
        .collect()
}

/// Whether `path` may name one of the runtime's types (an extractor, `http::Response`): a
/// single imported name, or a path through `iii`, `http` or the `crate = "…"` path. A type of
/// the same name elsewhere (`api::Context`) is the user's own.
fn may_be_ours(path: &syn::Path, krate: &syn::Path) -> bool {
    let segments: Vec<&syn::Ident> = path.segments.iter().map(|s| &s.ident).collect();
    if segments.len() == 1 {
        return path.leading_colon.is_none();
    }
    let krate: Vec<&syn::Ident> = krate.segments.iter().map(|s| &s.ident).collect();
    segments[0] == "iii"
        || segments[0] == "http"
        || (segments.len() > krate.len() && segments[..krate.len()] == krate[..])
}

/// `500ms`, `30s`, `5m`, `1h` in milliseconds.
fn duration_ms(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().ok().filter(|n| *n > 0)?;
    let factor = match unit.trim() {
        "ms" => 1,
        "s" => 1_000,
        "m" | "min" => 60_000,
        "h" => 3_600_000,
        _ => return None,
    };
    n.checked_mul(factor)
}

const UNSUPPORTED: &str = "help: take an owned type implementing `serde::Deserialize` (the input), or an extractor: `iii::Context`, `iii::State<T>`, `iii::Path<T>`, `iii::Query<T>`, `iii::Headers`, `http::Request<T>`";

fn classify(ty: &Type, krate: &syn::Path) -> Result<Param, String> {
    let input = || Ok(Param::Input(Box::new(ty.clone())));
    let extractor = |kind| {
        Ok(Param::Extractor {
            ty: Box::new(ty.clone()),
            kind,
        })
    };
    match ty {
        Type::Paren(p) => classify(&p.elem, krate),
        Type::Group(g) => classify(&g.elem, krate),
        Type::Reference(_) => Err(
            "unsupported parameter type: a reference cannot be filled from an invocation\n\
             help: take an owned type, e.g. `String` instead of `&str`"
                .to_owned(),
        ),
        Type::ImplTrait(_) => Err(format!(
            "unsupported parameter type: `impl Trait`\n{UNSUPPORTED}"
        )),
        Type::Path(p) if p.qself.is_none() && may_be_ours(&p.path, krate) => {
            let Some(last) = p.path.segments.last() else {
                return input();
            };
            let arg = first_type_arg(&last.arguments);
            let single = p.path.segments.len() == 1;
            let needs_arg = |name: &str, what: &str| {
                let own = if single {
                    format!(
                        "; if `{name}` is your own type, taken as the input, mark the parameter `#[input]`"
                    )
                } else {
                    String::new()
                };
                format!("`{name}` needs a type argument{what}\nhelp: write `{name}<T>`{own}")
            };
            match last.ident.to_string().as_str() {
                "Context" => extractor(Extractor::Context),
                "Headers" => extractor(Extractor::Headers),
                "State" => arg.map_or_else(
                    || Err(needs_arg("State", "")),
                    |t| extractor(Extractor::State(Box::new(t))),
                ),
                "Path" => arg.map_or_else(
                    || Err(needs_arg("Path", "")),
                    |t| extractor(Extractor::Path(Box::new(t))),
                ),
                "Query" => arg.map_or_else(
                    || Err(needs_arg("Query", "")),
                    |_| extractor(Extractor::Query),
                ),
                "Request" => arg.map_or_else(
                    || {
                        Err(needs_arg(
                            "Request",
                            ", the body type (as in `http::Request<T>`)",
                        ))
                    },
                    |t| extractor(Extractor::Request(Box::new(t))),
                ),
                _ => input(),
            }
        }
        Type::Tuple(_) | Type::Array(_) | Type::Path(_) => input(),
        _ => Err(format!("unsupported parameter type\n{UNSUPPORTED}")),
    }
}

fn first_type_arg(args: &PathArguments) -> Option<Type> {
    match args {
        PathArguments::AngleBracketed(args) => args.args.iter().find_map(|a| match a {
            GenericArgument::Type(t) => Some(t.clone()),
            _ => None,
        }),
        _ => None,
    }
}

const RETURNS: &str = "help: return a type implementing `serde::Serialize`, `Result<T, E>` with `E` converting into `iii::Error`, or `http::Response<T>`";

fn output(ty: &Type, krate: &syn::Path) -> Result<Output, String> {
    if let Type::Path(p) = ty
        && let Some(last) = p.path.segments.last()
        && last.ident == "Result"
    {
        let mut types = match &last.arguments {
            PathArguments::AngleBracketed(args) => args
                .args
                .iter()
                .filter_map(|a| match a {
                    GenericArgument::Type(t) => Some(t.clone()),
                    _ => None,
                })
                .collect::<Vec<_>>(),
            _ => Vec::new(),
        }
        .into_iter();
        let ok = types.next();
        let err = types.next();
        let value = match ok {
            Some(ok) => value(&ok, krate)?,
            None => Value::Unknown,
        };
        return Ok(Output {
            fallible: Some(err),
            value,
        });
    }
    Ok(Output {
        fallible: None,
        value: value(ty, krate)?,
    })
}

fn value(ty: &Type, krate: &syn::Path) -> Result<Value, String> {
    match ty {
        Type::Paren(p) => value(&p.elem, krate),
        Type::Group(g) => value(&g.elem, krate),
        Type::Tuple(t) if t.elems.is_empty() => Ok(Value::Unit),
        Type::Reference(r) if r.lifetime.as_ref().is_some_and(|l| l.ident == "static") => {
            Ok(Value::Json(ty.clone()))
        }
        Type::Reference(_) => Err(format!(
            "bad return type: a handler cannot return a borrowed reference\nhelp: return an owned value, e.g. `String` instead of `&str`, or a `&'static` one\n{RETURNS}"
        )),
        Type::ImplTrait(_) => Err(format!(
            "bad return type: `impl Trait` hides the type the macro needs to serialize\n{RETURNS}"
        )),
        Type::Never(_) | Type::TraitObject(_) | Type::Ptr(_) | Type::BareFn(_) | Type::Slice(_) => {
            Err(format!("bad return type\n{RETURNS}"))
        }
        Type::Path(p) => {
            let ours = p.qself.is_none() && may_be_ours(&p.path, krate);
            let response = p.path.segments.last().filter(|_| ours).and_then(|last| {
                (last.ident == "Response")
                    .then(|| first_type_arg(&last.arguments))
                    .flatten()
            });
            Ok(match response {
                Some(body) => Value::Response(body),
                None => Value::Json(ty.clone()),
            })
        }
        _ => Ok(Value::Json(ty.clone())),
    }
}

fn doc_comment(item: &ItemFn) -> Option<String> {
    let lines: Vec<String> = item
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: Lit::Str(s), ..
                }) => Some(s.value().trim().to_owned()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    let text = lines.join("\n").trim().to_owned();
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration_ms("500ms"), Some(500));
        assert_eq!(duration_ms("30s"), Some(30_000));
        assert_eq!(duration_ms("2m"), Some(120_000));
        assert_eq!(duration_ms("1h"), Some(3_600_000));
        for bad in ["", "0s", "s", "10", "1d", "-1s", "1.5s"] {
            assert_eq!(duration_ms(bad), None, "{bad}");
        }
    }
}
