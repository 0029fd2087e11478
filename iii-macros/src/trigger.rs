//! Trigger attributes (`#[iii::http]`, …): parsed into [`TriggerAttr`] by the function macro
//! that owns them, and an error when one stands on its own.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::spanned::Spanned;
use syn::{Attribute, LitStr};

use crate::args::{self, Arg, Errors};
use crate::route;

/// Names of the trigger attributes that `#[iii::function]` consumes.
pub(crate) const TRIGGER_ATTRS: &[&str] = &["http"];

/// A validated trigger attribute.
pub(crate) enum TriggerAttr {
    Http {
        method: String,
        path: LitStr,
        #[allow(dead_code)] // checked against `Path<T>` fields once extractors land
        params: Vec<String>,
    },
}

/// Whether `attr` is one of ours (`#[iii::http]`, `#[http]`, `#[renamed::http]`).
pub(crate) fn trigger_name(attr: &Attribute) -> Option<&'static str> {
    let last = attr.path().segments.last()?;
    TRIGGER_ATTRS
        .iter()
        .copied()
        .find(|name| last.ident == name)
}

/// Whether `attr` is `#[iii::function]` (or `#[function]`).
pub(crate) fn is_function_attr(attr: &Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|s| s.ident == "function")
}

/// Parses one trigger attribute.
pub(crate) fn parse(name: &str, attr: &Attribute, errors: &mut Errors) -> Option<TriggerAttr> {
    let tokens = match &attr.meta {
        syn::Meta::List(list) => list.tokens.clone(),
        _ => TokenStream::new(),
    };
    match name {
        "http" => parse_http(tokens, attr.span(), errors),
        _ => None,
    }
}

fn parse_http(tokens: TokenStream, span: Span, errors: &mut Errors) -> Option<TriggerAttr> {
    let parsed = match args::parse(tokens) {
        Ok(parsed) => parsed,
        Err(e) => {
            errors.push(e);
            return None;
        }
    };
    let (mut path, mut method) = (None, None);
    for arg in parsed {
        match arg {
            Arg::Named { key, value } if key == "path" => {
                if let Some(s) = args::lit_str(&value, "path", errors) {
                    args::once(&mut path, s, &key, errors);
                }
            }
            Arg::Named { key, value } if key == "method" => {
                if let Some(s) = args::lit_str(&value, "method", errors) {
                    args::once(&mut method, s, &key, errors);
                }
            }
            Arg::Named { key, .. } => errors.add(
                key.span(),
                format!("unknown option `{key}` of `#[iii::http]`; expected one of `path`, `method`"),
            ),
            Arg::Positional(lit) => errors.add(
                lit.span(),
                "`#[iii::http]` takes named options: `#[iii::http(path = \"users/:id\", method = \"GET\")]`",
            ),
        }
    }
    let Some(path) = path else {
        errors.add(
            span,
            "`#[iii::http]` needs a `path`, e.g. `#[iii::http(path = \"add\", method = \"POST\")]`",
        );
        return None;
    };
    let method_name = match &method {
        None => "GET".to_owned(),
        Some(m) => {
            let upper = m.value().to_ascii_uppercase();
            if !route::METHODS.contains(&upper.as_str()) {
                errors.add(
                    m.span(),
                    format!(
                        "unsupported HTTP method `{}`; expected one of {}",
                        m.value(),
                        route::METHODS.join(", ")
                    ),
                );
                return None;
            }
            upper
        }
    };
    match route::check_route(&path.value()) {
        Ok(params) => Some(TriggerAttr::Http {
            method: method_name,
            path,
            params,
        }),
        Err(message) => {
            errors.add(path.span(), format!("invalid route: {message}"));
            None
        }
    }
}

/// A trigger attribute expanded on its own. Above `#[iii::function]` it moves itself below
/// it, so that the function macro sees it; with no function attribute it is an error.
pub(crate) fn expand_standalone(name: &str, args: TokenStream, item: TokenStream) -> TokenStream {
    let mut item_fn: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(_) => {
            let e = syn::Error::new(
                Span::call_site(),
                format!("`#[iii::{name}]` goes on a function that has `#[iii::function(\"id\")]`"),
            )
            .to_compile_error();
            return quote! { #e #item };
        }
    };
    if let Some(pos) = item_fn.attrs.iter().position(is_function_attr) {
        let ident = syn::Ident::new(name, Span::call_site());
        let path = {
            let mut p = item_fn.attrs[pos].path().clone();
            if let Some(last) = p.segments.last_mut() {
                last.ident = ident;
            }
            p
        };
        let attr: Attribute = syn::parse_quote! { #[#path(#args)] };
        item_fn.attrs.insert(pos + 1, attr);
        return quote! { #item_fn };
    }
    let e = syn::Error::new(
        Span::call_site(),
        format!(
            "`#[iii::{name}]` without `#[iii::function]`\n\
             help: declare the function first: `#[iii::function(\"my.id\")]` above `#[iii::{name}(…)]`"
        ),
    )
    .to_compile_error();
    quote! { #e #item_fn }
}
