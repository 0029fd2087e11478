//! What the parameter and return types of an `#[iii::function]` are, as far as the macro can
//! tell from their names: the typed input or an extractor, and what the handler returns. A
//! type the runtime cannot fill or encode is an error message here.

use syn::{GenericArgument, PathArguments, Type, TypePath};

use super::model::{Extractor, Output, Param, PathShape, Value};

/// Whether `path` may name one of the runtime's types (an extractor, `http::Response`): a
/// single imported name, or a path through `iii`, `http` or the `crate = "…"` path. A type of
/// the same name elsewhere (`api::Context`) is the user's own.
fn may_be_ours(path: &syn::Path, krate: &syn::Path) -> bool {
    let segments: Vec<&syn::Ident> = path.segments.iter().map(|s| &s.ident).collect();
    if segments.len() == 1 {
        return path.leading_colon.is_none();
    }
    let krate: Vec<&syn::Ident> = krate.segments.iter().map(|s| &s.ident).collect();
    segments
        .first()
        .is_some_and(|s| *s == "iii" || *s == "http" || *s == "bytes")
        || (segments.len() > krate.len() && segments.starts_with(&krate))
}

const UNSUPPORTED: &str = "help: take an owned type implementing `serde::Deserialize` (the input), or an extractor: `iii::Context`, `iii::State<T>`, `iii::Path<T>`, `iii::Query<T>`, `iii::Headers`, `http::Request<T>`";

/// A parameter of type `ty`; `krate` is the runtime's path.
pub(crate) fn classify(ty: &Type, krate: &syn::Path) -> Result<Param, String> {
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
                "BodyStream" | "Bytes" | "Multipart" => extractor(Extractor::Body),
                "Headers" => extractor(Extractor::Headers),
                "State" => arg.map_or_else(
                    || Err(needs_arg("State", "")),
                    |t| extractor(Extractor::State(Box::new(t))),
                ),
                "Path" => arg.map_or_else(
                    || Err(needs_arg("Path", "")),
                    |t| {
                        let shape = path_shape(&t);
                        extractor(Extractor::Path(Box::new(t), shape))
                    },
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

/// The return type `ty`.
pub(crate) fn output(ty: &Type, krate: &syn::Path) -> Result<Output, String> {
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
            let last = p.path.segments.last().filter(|_| ours);
            if last.is_some_and(|l| streamed(&l.ident)) {
                return Ok(Value::Streamed(ty.clone()));
            }
            let response = last.and_then(|last| {
                (last.ident == "Response")
                    .then(|| first_type_arg(&last.arguments))
                    .flatten()
            });
            Ok(match response {
                Some(Type::Path(body))
                    if body.qself.is_none()
                        && may_be_ours(&body.path, krate)
                        && body
                            .path
                            .segments
                            .last()
                            .is_some_and(|l| streamed(&l.ident)) =>
                {
                    Value::Streamed(ty.clone())
                }
                Some(body) => Value::Response(body),
                None => Value::Json(ty.clone()),
            })
        }
        _ => Ok(Value::Json(ty.clone())),
    }
}

/// The runtime's streamed bodies: `Body` and `Sse<S>`.
fn streamed(name: &syn::Ident) -> bool {
    name == "Body" || name == "Sse"
}

/// Types that deserialize from a single route parameter.
const SCALARS: &[&str] = &[
    "String", "bool", "char", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32",
    "i64", "i128", "isize", "f32", "f64", "Uuid",
];

/// What `ty`, the `T` of a `Path<T>`, looks like.
fn path_shape(ty: &Type) -> PathShape {
    match ty {
        Type::Tuple(t) => PathShape::Tuple(t.elems.len()),
        Type::Paren(p) => path_shape(&p.elem),
        Type::Path(TypePath { path, qself: None })
            if path
                .segments
                .last()
                .is_some_and(|s| SCALARS.iter().any(|n| s.ident == n)) =>
        {
            PathShape::Scalar
        }
        _ => PathShape::Struct,
    }
}
