//! Trigger attributes (`#[iii::http]`, `#[iii::cron]`, …): parsed into [`TriggerAttr`] by the
//! function macro that owns them, and an error when one stands on its own.

mod parse;

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{Attribute, LitStr};

pub(crate) use parse::parse;

/// Names of the trigger attributes that `#[iii::function]` consumes.
pub(crate) const TRIGGER_ATTRS: &[&str] = &[
    "http",
    "queue",
    "cron",
    "subscribe",
    "stream",
    "state",
    "trigger",
];

/// A validated trigger attribute.
pub(crate) enum TriggerAttr {
    Http {
        method: String,
        path: LitStr,
        params: Vec<String>,
    },
    Cron {
        expression: LitStr,
    },
    Queue {
        topic: LitStr,
    },
    Subscribe {
        topic: LitStr,
    },
    Stream {
        name: LitStr,
        group: Option<LitStr>,
        item: Option<LitStr>,
    },
    State {
        scope: LitStr,
        key: Option<LitStr>,
    },
    Custom {
        trigger_type: LitStr,
        /// JSON text of the configuration object.
        config: String,
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

/// A trigger attribute expanded on its own. Above `#[iii::function]` it moves itself below
/// it, so that the function macro sees it; with no function attribute it is an error.
pub(crate) fn expand_standalone(name: &str, args: TokenStream, item: TokenStream) -> TokenStream {
    let mut item_fn: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(_) => {
            let e = syn::Error::new(
                Span::call_site(),
                format!(
                    "`#[iii::{name}]` goes on a function\nhelp: put it on an `async fn` that has `#[iii::function(\"my.id\")]`"
                ),
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
