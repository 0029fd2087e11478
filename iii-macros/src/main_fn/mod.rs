//! `#[iii::main]`: [`parse`] reads `async fn main()` and the options, [`validate`] checks the
//! signature, [`mod@expand`] turns it into a `main` that runs the worker.

mod expand;
mod parse;
mod validate;

#[cfg(test)]
mod tests;

use proc_macro2::TokenStream;
use quote::quote;

use crate::errors::Errors;

/// Expands `#[iii::main]`. On error, the errors plus an empty function of the same name
/// (`main` most often) rather than the user's item, so that rustc adds neither "`main`
/// function is not allowed to be `async`", nor "no main", nor "cannot find function" at its
/// callers.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let main = match parse::parse(args, item.clone(), &mut errors) {
        Ok(main) => main,
        Err(e) => {
            let e = e.to_compile_error();
            return quote! { #e #item };
        }
    };
    validate::validate(&main.item.sig, &mut errors);
    match errors.finish() {
        Ok(()) => expand::expand(&main.krate, &main.item),
        Err(e) => {
            let e = e.to_compile_error();
            let name = &main.item.sig.ident;
            quote! { #e fn #name() {} }
        }
    }
}
