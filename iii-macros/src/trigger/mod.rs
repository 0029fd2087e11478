//! Trigger attributes (`#[iii::http]`, `#[iii::cron]`, …). Below `#[iii::function]`, the
//! function macro takes them: [`parse::take`] reads each into an [`ast::Trigger`],
//! [`validate::validate`] checks it into a [`TriggerAttr`], [`expand::spec`] writes it into the
//! registration. Expanded on their own (above the function attribute, or without one), they
//! move below `#[iii::function]` or are an error: [`expand_standalone`].
//!
//! The engine's rules the checks follow live beside them: [`route`] (routes and methods),
//! [`cron`] (cron expressions) and [`json`] (`config` written as tokens).

pub(crate) mod ast;
mod cron;
pub(crate) mod expand;
mod json;
mod model;
pub(crate) mod parse;
mod route;
pub(crate) mod validate;

#[cfg(test)]
mod tests;

use proc_macro2::TokenStream;
use quote::quote;

pub(crate) use model::TriggerAttr;

/// `#[iii::{name}(args)]` expanded on its own: moved below the function's `#[iii::function]`,
/// or an error (with the item kept) when there is none.
pub(crate) fn expand_standalone(name: &str, args: TokenStream, item: TokenStream) -> TokenStream {
    let standalone = match parse::standalone(name, &args, item.clone()) {
        Ok(standalone) => standalone,
        Err(e) => {
            let e = e.to_compile_error();
            return quote! { #e #item };
        }
    };
    match validate::standalone(name, &standalone) {
        Ok(function) => expand::standalone(name, &args, standalone.item, function),
        Err(e) => {
            let e = e.to_compile_error();
            let item = standalone.item;
            quote! { #e #item }
        }
    }
}
