//! `#[iii::function("id", …)]`, in three steps: [`parse`] reads the attribute and the
//! function into an [`ast::Function`], [`validate`] checks it into a [`model::Model`]
//! (collecting every error), and only then [`mod@expand`] writes the function, its typed-call
//! marker and its `inventory` registration.

mod ast;
mod expand;
mod model;
mod params;
mod parse;
mod types;
mod validate;

#[cfg(test)]
mod tests;

use proc_macro2::TokenStream;
use quote::quote;

use crate::errors::Errors;

/// Expands `#[iii::function]`; on error, the errors plus the user's item (minus our trigger
/// attributes and `#[input]` marks), so that later diagnostics and IDEs stay sane.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let function = match parse::parse(args, item.clone(), &mut errors) {
        Ok(function) => function,
        Err(e) => {
            let e = e.to_compile_error();
            return quote! { #e #item };
        }
    };
    let model = validate::validate(&function, &mut errors);
    let item_fn = &function.item;
    match (errors.finish(), model) {
        (Ok(()), Some(model)) => expand::expand(&model, item_fn),
        (Err(e), _) => {
            let e = e.to_compile_error();
            quote! { #e #item_fn }
        }
        // Every `None` comes with an error; this keeps the macro total all the same.
        (Ok(()), None) => {
            let e = syn::Error::new(proc_macro2::Span::call_site(), "invalid `#[iii::function]`")
                .to_compile_error();
            quote! { #e #item_fn }
        }
    }
}
