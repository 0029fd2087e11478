//! Parsing `key = value` attribute arguments with spanned errors for unknown and duplicate
//! keys, collected rather than returned one at a time.

use proc_macro2::{Span, TokenStream};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, Lit, LitStr, Token};

/// One argument: `key = value`, or a bare literal (`"math.add"`).
pub(crate) enum Arg {
    Positional(Lit),
    Named { key: syn::Ident, value: Expr },
}

impl Parse for Arg {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(Lit) {
            return Ok(Self::Positional(input.parse()?));
        }
        // `type` and `crate` are keywords; accept them as keys.
        let key = input.call(syn::ext::IdentExt::parse_any)?;
        input.parse::<Token![=]>()?;
        let value = input.parse()?;
        Ok(Self::Named { key, value })
    }
}

/// Parses a comma-separated argument list.
pub(crate) fn parse(args: TokenStream) -> syn::Result<Vec<Arg>> {
    let parser = Punctuated::<Arg, Token![,]>::parse_terminated;
    Ok(syn::parse::Parser::parse2(parser, args)?
        .into_iter()
        .collect())
}

/// Collects errors so that every problem is reported at once.
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

    pub(crate) fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

/// Reads a string literal value of a named argument.
pub(crate) fn lit_str(value: &Expr, key: &str, errors: &mut Errors) -> Option<LitStr> {
    match value {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Str(s), ..
        }) => Some(s.clone()),
        other => {
            errors.add(
                syn::spanned::Spanned::span(other),
                format!("`{key}` takes a string literal, e.g. `{key} = \"…\"`"),
            );
            None
        }
    }
}

/// Rejects a second occurrence of `key`.
pub(crate) fn once<T>(slot: &mut Option<T>, value: T, key: &syn::Ident, errors: &mut Errors) {
    if slot.is_some() {
        errors.add(key.span(), format!("duplicate option `{key}`"));
    } else {
        *slot = Some(value);
    }
}
