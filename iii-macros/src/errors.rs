//! The error collector every step writes into, so that all the problems of one attribute are
//! reported at once (serde's `Ctxt` in miniature).

use proc_macro2::Span;

/// Collects errors; [`Errors::finish`] turns them into one combined `syn::Error`.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, e: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(e),
            None => self.0 = Some(e),
        }
    }

    pub(crate) fn add(&mut self, span: Span, message: impl std::fmt::Display) {
        self.push(syn::Error::new(span, message));
    }

    /// An error covering all of `tokens` (a type, a value): `Span::join` is not stable, so a
    /// span of its own would cover the first token only.
    pub(crate) fn spanned(
        &mut self,
        tokens: impl quote::ToTokens,
        message: impl std::fmt::Display,
    ) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    pub(crate) fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

/// Every message of a (combined) error, in order: for unit tests.
#[cfg(test)]
pub(crate) fn messages(result: syn::Result<()>) -> Vec<String> {
    match result {
        Ok(()) => Vec::new(),
        Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
    }
}
