//! Parsing `key = value` attribute arguments: the syntax step shared by every attribute.
//! Unknown keys, duplicates and values of the wrong kind of token are spanned errors,
//! collected rather than returned one at a time; what a value means is checked later.

use std::collections::HashMap;

use proc_macro2::{TokenStream, TokenTree};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Lit, LitStr, Token};

use crate::errors::Errors;

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

/// The options given to an attribute.
pub(crate) struct Options {
    values: HashMap<&'static str, Named>,
    /// Whether the whole list parsed; when it did not, an option that looks absent may well
    /// have been written, so that no "missing" error is due.
    complete: bool,
}

impl Options {
    /// The option `key`, if given.
    pub(crate) fn get(&self, key: &str) -> Option<&Named> {
        self.values.get(key)
    }
}

/// Parses `args` against `spec`: unknown keys, duplicates and misplaced positional values are
/// errors; the result maps each given key to its value.
pub(crate) fn named(args: TokenStream, spec: &Spec, errors: &mut Errors) -> Options {
    let mut out: HashMap<&'static str, Named> = HashMap::new();
    let parsed = match parse(args) {
        Ok(parsed) => parsed,
        Err(e) => {
            errors.push(syn::Error::new(
                e.span(),
                format!("{e}\nhelp: write it as `{}`", spec.example),
            ));
            return Options {
                values: out,
                complete: false,
            };
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
    Options {
        values: out,
        complete: true,
    }
}

/// The string literal value of an option.
pub(crate) fn lit_str(named: &Named, errors: &mut Errors) -> Option<LitStr> {
    match syn::parse2::<Lit>(named.value.clone()) {
        Ok(Lit::Str(s)) => Some(s),
        _ => {
            let key = &named.key;
            errors.spanned(
                &named.value,
                format!("`{key}` takes a string literal\nhelp: write `{key} = \"…\"`"),
            );
            None
        }
    }
}

/// A required option as parsed: the validation step reports it when it is missing; when it
/// is malformed, the parse step already has.
pub(crate) enum Required<T> {
    Given(T),
    Missing,
    Malformed,
}

impl<T> Required<T> {
    /// The option `key` of `opts`, read with `read` (which reports what is malformed).
    pub(crate) fn from(opts: &Options, key: &str, read: impl FnOnce(&Named) -> Option<T>) -> Self {
        match opts.get(key) {
            None if opts.complete => Self::Missing,
            None => Self::Malformed,
            Some(named) => read(named).map_or(Self::Malformed, Self::Given),
        }
    }
}
