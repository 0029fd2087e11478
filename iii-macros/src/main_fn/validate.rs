//! What `#[iii::main]` requires of its function: `async`, no parameters, not generic.

use syn::spanned::Spanned;

use crate::errors::Errors;

/// Records what is wrong with `sig`.
pub(crate) fn validate(sig: &syn::Signature, errors: &mut Errors) {
    if sig.asyncness.is_none() {
        errors.add(
            sig.fn_token.span(),
            "`#[iii::main]` requires an `async fn`\nhelp: write `async fn main()`; the worker runs on a tokio runtime that `#[iii::main]` starts",
        );
    }
    if !sig.inputs.is_empty() {
        errors.spanned(
            &sig.inputs,
            "`#[iii::main]` takes no parameters\nhelp: configure the worker by returning an `iii::App`",
        );
    }
    if !sig.generics.params.is_empty() {
        errors.spanned(
            &sig.generics,
            "`#[iii::main]` cannot be generic\nhelp: remove the generic parameters",
        );
    }
}
