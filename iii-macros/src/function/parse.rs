//! Parsing and validating the attribute arguments and the function signature.

use proc_macro2::{Span, TokenStream};
use syn::spanned::Spanned;
use syn::{FnArg, GenericArgument, ItemFn, Lit, PathArguments, ReturnType, Type};

use super::model::{Model, Output, Param};
use crate::args::{self, Arg, Errors};
use crate::trigger;

/// Builds the model; removes our trigger attributes from `item` whatever happens.
pub(crate) fn parse(args: TokenStream, item: &mut ItemFn) -> syn::Result<Model> {
    let mut errors = Errors::default();
    let (mut id, mut description, mut krate) = (None, None, None);
    match args::parse(args) {
        Ok(parsed) => {
            for arg in parsed {
                match arg {
                    Arg::Positional(Lit::Str(s)) if id.is_none() => id = Some(s),
                    Arg::Positional(lit) => errors.add(
                        lit.span(),
                        "expected the function id as the only positional argument: `#[iii::function(\"math.add\")]`",
                    ),
                    Arg::Named { key, value } if key == "id" => {
                        if let Some(s) = args::lit_str(&value, "id", &mut errors) {
                            args::once(&mut id, s, &key, &mut errors);
                        }
                    }
                    Arg::Named { key, value } if key == "description" => {
                        if let Some(s) = args::lit_str(&value, "description", &mut errors) {
                            args::once(&mut description, s.value(), &key, &mut errors);
                        }
                    }
                    Arg::Named { key, value } if key == "crate" => {
                        if let Some(s) = args::lit_str(&value, "crate", &mut errors) {
                            match s.parse::<syn::Path>() {
                                Ok(p) => args::once(&mut krate, p, &key, &mut errors),
                                Err(_) => errors.add(s.span(), "`crate` takes a path, e.g. `crate = \"my_iii\"`"),
                            }
                        }
                    }
                    Arg::Named { key, .. } => errors.add(
                        key.span(),
                        format!("unknown option `{key}`; expected one of `description`, `crate`"),
                    ),
                }
            }
        }
        Err(e) => errors.push(e),
    }
    let id = match id {
        Some(id) if id.value().trim().is_empty() => {
            errors.add(id.span(), "the function id must not be empty");
            None
        }
        Some(id) => Some(id),
        None => {
            errors.add(
                Span::call_site(),
                "missing function id\nhelp: name the function: `#[iii::function(\"math.add\")]`",
            );
            None
        }
    };

    let triggers = take_triggers(item, &mut errors);
    let sig = &item.sig;
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        errors.add(
            sig.generics.span(),
            "an `#[iii::function]` cannot be generic\nhelp: declare one function per concrete input type",
        );
    }
    let mut params = Vec::new();
    let mut input_seen: Option<Span> = None;
    for arg in &sig.inputs {
        match arg {
            FnArg::Receiver(r) => errors.add(
                r.span(),
                "an `#[iii::function]` cannot take `self`\nhelp: make it a free function; share state with `iii::State<T>`",
            ),
            FnArg::Typed(pat) => {
                let ty = (*pat.ty).clone();
                if last_ident(&ty).is_some_and(|i| i == "Context") {
                    params.push(Param::Context);
                } else if let Some(first) = input_seen {
                    let mut e = syn::Error::new(
                        pat.ty.span(),
                        "a function takes at most one input parameter\nhelp: put both values in one struct",
                    );
                    e.combine(syn::Error::new(first, "the first input parameter is here"));
                    errors.push(e);
                } else {
                    input_seen = Some(pat.ty.span());
                    params.push(Param::Input(Box::new(ty)));
                }
            }
        }
    }
    let output = match &sig.output {
        ReturnType::Default => Output::Unit,
        ReturnType::Type(_, ty) => match result_ok_type(ty) {
            Some(ok) => Output::Result { ok },
            None => Output::Plain((**ty).clone()),
        },
    };
    errors.finish()?;
    let description = description.or_else(|| doc_comment(item));
    Ok(Model {
        id: id.ok_or_else(|| syn::Error::new(Span::call_site(), "missing function id"))?,
        description,
        krate: krate.unwrap_or_else(|| syn::parse_quote!(::iii)),
        name: item.sig.ident.clone(),
        is_async: item.sig.asyncness.is_some(),
        params,
        output,
        triggers,
    })
}

fn take_triggers(item: &mut ItemFn, errors: &mut Errors) -> Vec<trigger::TriggerAttr> {
    let mut triggers = Vec::new();
    item.attrs.retain(|attr| match trigger::trigger_name(attr) {
        Some(name) => {
            if let Some(t) = trigger::parse(name, attr, errors) {
                triggers.push(t);
            }
            false
        }
        None => true,
    });
    triggers
}

fn last_ident(ty: &Type) -> Option<&syn::Ident> {
    match ty {
        Type::Path(p) => p.path.segments.last().map(|s| &s.ident),
        _ => None,
    }
}

/// `Some(ok)` when `ty` is a `…::Result<…>`; `ok` is its first type argument when present.
fn result_ok_type(ty: &Type) -> Option<Option<Type>> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let ok = match &last.arguments {
        PathArguments::AngleBracketed(args) => args.args.iter().find_map(|a| match a {
            GenericArgument::Type(t) => Some(t.clone()),
            _ => None,
        }),
        _ => None,
    };
    Some(ok)
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
