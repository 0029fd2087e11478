//! Checks across the parameters and the triggers: one body at most, and route `:params` that
//! agree with a `Path<T>` parameter where the macro can see `T`'s shape (tuples and single
//! values; a struct's fields are checked by the runtime before connecting, with the names
//! serde gives them).

use syn::Type;

use super::model::{Extractor, Param, PathShape};
use crate::errors::Errors;
use crate::trigger::TriggerAttr;

const REQUEST_TAKES_BODY: &str = "`http::Request<T>` carries the request body, and another parameter already takes it\nhelp: read the body from the request (`request.body()`) and remove the other parameter";
const BODY_TAKES_BODY: &str = "this parameter reads the request body, and another parameter already takes it\nhelp: keep one of them: the body is read once";

/// Records the errors of `params` against each other and against `triggers`.
pub(crate) fn check(params: &[Param], triggers: &[TriggerAttr], errors: &mut Errors) {
    let mut body: Option<&Type> = None;
    for param in params {
        let (ty, takes_body) = match param {
            Param::Input(ty) => (ty.as_ref(), None),
            Param::Extractor {
                ty,
                kind: Extractor::Request(_),
            } => (ty.as_ref(), Some(REQUEST_TAKES_BODY)),
            Param::Extractor {
                ty,
                kind: Extractor::Body,
            } => (ty.as_ref(), Some(BODY_TAKES_BODY)),
            Param::Extractor {
                ty,
                kind: Extractor::Path(inner, shape),
            } => {
                path_param(ty, inner, *shape, triggers, errors);
                continue;
            }
            Param::Extractor { .. } => continue,
        };
        match body {
            None => body = Some(ty),
            Some(first) => {
                let message = takes_body.unwrap_or(
                    "a function takes at most one input parameter (the body), and this is a second one\nhelp: put both values in one struct, or use an extractor such as `iii::Query<T>` or `iii::Path<T>`",
                );
                let mut e = syn::Error::new_spanned(ty, message);
                e.combine(syn::Error::new_spanned(
                    first,
                    "the first input parameter is here",
                ));
                errors.push(e);
            }
        }
    }
}

fn path_param(
    ty: &Type,
    inner: &Type,
    shape: PathShape,
    triggers: &[TriggerAttr],
    errors: &mut Errors,
) {
    let routes: Vec<(&syn::LitStr, &Vec<String>)> = triggers
        .iter()
        .filter_map(|t| match t {
            TriggerAttr::Http { path, params, .. } => Some((path, params)),
            _ => None,
        })
        .collect();
    if routes.is_empty() {
        errors.spanned(
            ty,
            "`Path<T>` reads the `:params` of an HTTP route, but this function has no `#[iii::http]` route\nhelp: add `#[iii::http(path = \"items/:id\", method = \"GET\")]`, or take the value as input",
        );
        return;
    }
    for (path, params) in routes {
        let listed = params
            .iter()
            .map(|p| format!("`:{p}`"))
            .collect::<Vec<_>>()
            .join(", ");
        if params.is_empty() {
            errors.add(
                path.span(),
                format!(
                    "the route `{}` has no `:param` segments, but the function takes `Path<T>`\nhelp: add a parameter to the route (`items/:id`) or remove the `Path` parameter",
                    path.value()
                ),
            );
            continue;
        }
        match shape {
            PathShape::Tuple(n) if n != params.len() => errors.spanned(
                inner,
                format!(
                    "this tuple has {n} element(s), but the route `{}` has {} parameter(s): {listed}\nhelp: use one tuple element per route parameter, in route order",
                    path.value(),
                    params.len()
                ),
            ),
            PathShape::Scalar if params.len() != 1 => errors.spanned(
                inner,
                format!(
                    "a single value takes exactly one route parameter, but the route `{}` has {}: {listed}\nhelp: use a tuple or a struct with one field per parameter",
                    path.value(),
                    params.len()
                ),
            ),
            _ => {}
        }
    }
}
