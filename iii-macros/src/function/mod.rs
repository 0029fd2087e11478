//! `#[iii::function("id", …)]`: parse the attribute and the function into a [`model::Model`],
//! validate it, then expand it into the function, its typed-call marker and an `inventory`
//! registration.

mod expand;
mod model;
mod parse;
mod validate;

use proc_macro2::TokenStream;
use quote::quote;

/// Expands `#[iii::function]`; on error, the errors plus the user's item unchanged (minus
/// our trigger attributes), so that later diagnostics and IDEs stay sane.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut item_fn: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(_) => {
            let e = syn::Error::new(
                proc_macro2::Span::call_site(),
                "`#[iii::function]` goes on a function\nhelp: write `async fn name(input: T) -> iii::Result<U>`",
            )
            .to_compile_error();
            return quote! { #e #item };
        }
    };
    match parse::parse(args, &mut item_fn) {
        Ok(model) => expand::expand(&model, &item_fn),
        Err(e) => {
            let e = e.to_compile_error();
            quote! { #e #item_fn }
        }
    }
}
