//! `#[iii::main]`: turns `async fn main()` into a `main` that runs the worker.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::spanned::Spanned;

use crate::args::{self, Arg, Errors};

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let item_fn: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(_) => {
            let e = syn::Error::new(
                Span::call_site(),
                "`#[iii::main]` goes on `async fn main()`",
            )
            .to_compile_error();
            return quote! { #e #item };
        }
    };
    match model(args, &item_fn) {
        Ok(krate) => generate(&krate, &item_fn),
        Err(e) => {
            let e = e.to_compile_error();
            // Keep a `main` so that rustc does not add a confusing "no main" error.
            quote! { #e fn main() {} }
        }
    }
}

fn model(args: TokenStream, item: &syn::ItemFn) -> syn::Result<syn::Path> {
    let mut errors = Errors::default();
    let mut krate = None;
    match args::parse(args) {
        Ok(parsed) => {
            for arg in parsed {
                match arg {
                    Arg::Named { key, value } if key == "crate" => {
                        if let Some(s) = args::lit_str(&value, "crate", &mut errors) {
                            match s.parse::<syn::Path>() {
                                Ok(p) => args::once(&mut krate, p, &key, &mut errors),
                                Err(_) => errors.add(s.span(), "`crate` takes a path"),
                            }
                        }
                    }
                    Arg::Named { key, .. } => errors.add(
                        key.span(),
                        format!("unknown option `{key}` of `#[iii::main]`; expected `crate`"),
                    ),
                    Arg::Positional(lit) => errors.add(
                        lit.span(),
                        "`#[iii::main]` takes no positional arguments; configure the worker by returning an `iii::App`",
                    ),
                }
            }
        }
        Err(e) => errors.push(e),
    }
    let sig = &item.sig;
    if sig.asyncness.is_none() {
        errors.add(
            sig.fn_token.span(),
            "`#[iii::main]` requires an `async fn`\nhelp: write `async fn main()`",
        );
    }
    if !sig.inputs.is_empty() {
        errors.add(
            sig.inputs.span(),
            "`#[iii::main]` takes no parameters\nhelp: configure the worker by returning an `iii::App`",
        );
    }
    if !sig.generics.params.is_empty() {
        errors.add(sig.generics.span(), "`#[iii::main]` cannot be generic");
    }
    errors.finish()?;
    Ok(krate.unwrap_or_else(|| syn::parse_quote!(::iii)))
}

fn generate(krate: &syn::Path, item: &syn::ItemFn) -> TokenStream {
    let attrs = &item.attrs;
    let vis = &item.vis;
    let name = &item.sig.ident;
    let block = &item.block;
    let body = match &item.sig.output {
        syn::ReturnType::Default => quote!(async move { #block }),
        syn::ReturnType::Type(_, ty) => {
            quote!(async move { let __iii_app: #ty = #block; __iii_app })
        }
    };
    quote! {
        #(#attrs)*
        #vis fn #name() -> ::std::process::ExitCode {
            #krate::__private::run_main(#body)
        }
    }
}
