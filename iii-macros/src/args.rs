//! Parsing `key = value` attribute arguments with spanned errors for unknown and duplicate
//! keys, collected rather than returned one at a time.

use std::collections::HashMap;

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Lit, LitStr, Token};

/// One argument: `key = value`, or a bare literal (`"math.add"`).
pub(crate) enum Arg {
    Positional(Lit),
    /// The value is kept as tokens: `config = { "a": 1 }` is not a Rust expression.
    Named {
        key: syn::Ident,
        value: TokenStream,
    },
}

impl Parse for Arg {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(Lit) {
            return Ok(Self::Positional(input.parse()?));
        }
        // `type` and `crate` are keywords; accept them as keys.
        let key: syn::Ident = input.call(syn::ext::IdentExt::parse_any)?;
        input.parse::<Token![=]>()?;
        let mut value = TokenStream::new();
        while !input.is_empty() && !input.peek(Token![,]) {
            value.extend([input.parse::<TokenTree>()?]);
        }
        if value.is_empty() {
            return Err(syn::Error::new(
                key.span(),
                format!("`{key} =` needs a value"),
            ));
        }
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

/// A named option's key and value.
pub(crate) struct Named {
    pub(crate) key: syn::Ident,
    pub(crate) value: TokenStream,
}

/// What an attribute accepts.
pub(crate) struct Spec {
    /// `function`, `http`, …: for messages.
    pub(crate) attr: &'static str,
    /// The named keys it accepts.
    pub(crate) keys: &'static [&'static str],
    /// The key a single positional literal stands for, if any.
    pub(crate) positional: Option<&'static str>,
    /// A complete example, shown when the arguments are wrong.
    pub(crate) example: &'static str,
}

/// Parses `args` against `spec`: unknown keys, duplicates and misplaced positional values are
/// errors; the result maps each given key to its value.
pub(crate) fn named(
    args: TokenStream,
    spec: &Spec,
    errors: &mut Errors,
) -> HashMap<&'static str, Named> {
    let mut out: HashMap<&'static str, Named> = HashMap::new();
    let parsed = match parse(args) {
        Ok(parsed) => parsed,
        Err(e) => {
            errors.push(syn::Error::new(
                e.span(),
                format!("{e}\nhelp: write it as `{}`", spec.example),
            ));
            return out;
        }
    };
    for arg in parsed {
        let (key, value) = match arg {
            Arg::Named { key, value } => (key, value),
            Arg::Positional(lit) => match spec.positional {
                Some(k) if !out.contains_key(k) => {
                    let key = syn::Ident::new(k, lit.span());
                    (key, quote::ToTokens::into_token_stream(lit))
                }
                _ => {
                    errors.add(
                        lit.span(),
                        format!(
                            "unexpected literal: `#[iii::{}]` takes named options\nhelp: write `{}`",
                            spec.attr, spec.example
                        ),
                    );
                    continue;
                }
            },
        };
        let name = key.to_string();
        let Some(known) = spec.keys.iter().copied().find(|k| *k == name) else {
            let expected: Vec<String> = spec.keys.iter().map(|k| format!("`{k}`")).collect();
            errors.add(
                key.span(),
                format!(
                    "unknown option `{name}` of `#[iii::{}]`\nhelp: expected one of {}",
                    spec.attr,
                    expected.join(", ")
                ),
            );
            continue;
        };
        if out.contains_key(known) {
            errors.add(
                key.span(),
                format!(
                    "duplicate option `{name}`\nhelp: give `{name}` once per `#[iii::{}]`",
                    spec.attr
                ),
            );
            continue;
        }
        out.insert(known, Named { key, value });
    }
    out
}

/// The string literal value of an option.
pub(crate) fn lit_str(named: &Named, errors: &mut Errors) -> Option<LitStr> {
    match syn::parse2::<Lit>(named.value.clone()) {
        Ok(Lit::Str(s)) => Some(s),
        _ => {
            let key = &named.key;
            errors.add(
                named.value.span(),
                format!("`{key}` takes a string literal\nhelp: write `{key} = \"…\"`"),
            );
            None
        }
    }
}

/// A non-empty string literal option.
pub(crate) fn non_empty(named: &Named, errors: &mut Errors) -> Option<LitStr> {
    let s = lit_str(named, errors)?;
    if s.value().trim().is_empty() {
        errors.add(s.span(), format!("`{}` must not be empty", named.key));
        return None;
    }
    Some(s)
}

/// The `crate = "path"` option; without it, the name `Cargo.toml` gives `iii-runtime`.
pub(crate) fn krate(named: Option<&Named>, errors: &mut Errors) -> syn::Path {
    let Some(named) = named else {
        return crate::manifest::runtime_path();
    };
    let default: syn::Path = syn::parse_quote!(::iii);
    let Some(s) = lit_str(named, errors) else {
        return default;
    };
    match s.parse::<syn::Path>() {
        Ok(p) => p,
        Err(_) => {
            errors.add(
                s.span(),
                "`crate` takes a path\nhelp: write `crate = \"my_iii\"` when the dependency is renamed",
            );
            default
        }
    }
}
