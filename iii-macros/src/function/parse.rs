//! Parsing `#[iii::function(…)]` and the function it stands on into an [`super::ast::Function`]:
//! the options as literals, the runtime's path, our trigger attributes and `#[input]` marks
//! taken off the function.

use proc_macro2::{Span, TokenStream};
use syn::{FnArg, ItemFn, Lit};

use super::ast::{Function, Marker, Options};
use crate::args::{self, Required, Spec};
use crate::errors::Errors;
use crate::krate::Runtime;
use crate::trigger;

pub(crate) const FUNCTION: Spec = Spec {
    attr: "function",
    keys: &[
        "id",
        "description",
        "timeout",
        "concurrency",
        "marker",
        "crate",
    ],
    positional: Some("id"),
    example: "#[iii::function(\"math.add\")]",
};

/// Parses the attribute's `args` and the `item` it stands on; `Err` only when `item` is no
/// function, everything else is recorded in `errors`.
pub(crate) fn parse(
    args: TokenStream,
    item: TokenStream,
    errors: &mut Errors,
) -> syn::Result<Function> {
    let mut item: ItemFn = syn::parse2(item).map_err(|_| {
        syn::Error::new(
            Span::call_site(),
            "`#[iii::function]` goes on a function\nhelp: write `async fn name(input: T) -> iii::Result<U>`",
        )
    })?;
    let opts = args::named(args, &FUNCTION, errors);
    let id = Required::from(&opts, "id", |named| args::lit_str(named, errors));
    let description = opts
        .get("description")
        .and_then(|d| args::lit_str(d, errors));
    let timeout = opts.get("timeout").and_then(|t| args::lit_str(t, errors));
    let concurrency =
        opts.get("concurrency")
            .and_then(|c| match syn::parse2::<Lit>(c.value.clone()) {
                // A negative literal arrives as one token from `macro_rules!` `$n:literal`.
                Ok(Lit::Int(n)) if !n.base10_digits().starts_with('-') => Some(n),
                _ => {
                    errors.spanned(
                        &c.value,
                        "`concurrency` takes a positive integer\nhelp: write `concurrency = 8`",
                    );
                    None
                }
            });
    let runtime = Runtime::new(opts.get("crate"), errors);
    let marker = opts
        .get("marker")
        .and_then(|m| match syn::parse2::<Lit>(m.value.clone()) {
            Ok(Lit::Bool(b)) => Some(Marker::Bool(b)),
            Ok(Lit::Str(s)) => Some(Marker::Name(s)),
            _ => {
                errors.spanned(&m.value, MARKER);
                None
            }
        });
    let triggers = trigger::parse::take(&mut item, &runtime, errors);
    let forced_inputs = take_input_attrs(&mut item);
    let doc = doc_comment(&item);
    Ok(Function {
        options: Options {
            id,
            description,
            timeout,
            concurrency,
            marker,
        },
        runtime,
        triggers,
        item,
        forced_inputs,
        doc,
    })
}

/// The message for a `marker` that is neither a type name nor a boolean.
pub(crate) const MARKER: &str = "`marker` takes a type name or `false`\nhelp: write `marker = \"AddFn\"` to name the typed-call type, or `marker = false` to leave it out";

/// Removes the `#[input]` marks from the parameters; for each parameter, whether it had one.
fn take_input_attrs(item: &mut ItemFn) -> Vec<bool> {
    item.sig
        .inputs
        .iter_mut()
        .map(|arg| match arg {
            FnArg::Typed(pat) => {
                let before = pat.attrs.len();
                pat.attrs.retain(|a| !a.path().is_ident("input"));
                pat.attrs.len() != before
            }
            FnArg::Receiver(_) => false,
        })
        .collect()
}

fn doc_comment(item: &ItemFn) -> Option<String> {
    let lines: Vec<String> = item
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: Lit::Str(s), ..
                }) => Some(s.value().trim().to_owned()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    let text = lines.join("\n").trim().to_owned();
    (!text.is_empty()).then_some(text)
}
