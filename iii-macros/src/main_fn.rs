//! `#[iii::main]`: turns `async fn main()` into a `main` that runs the worker.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::spanned::Spanned;

use crate::args::{self, Errors, Spec};

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
            // Keep a function of the same name (`main` most often), so that rustc adds neither
            // a confusing "no main" error nor "cannot find function" at its callers.
            let name = &item_fn.sig.ident;
            quote! { #e fn #name() {} }
        }
    }
}

const MAIN: Spec = Spec {
    attr: "main",
    keys: &["crate"],
    positional: None,
    example: "#[iii::main]",
};

fn model(args: TokenStream, item: &syn::ItemFn) -> syn::Result<syn::Path> {
    let mut errors = Errors::default();
    let opts = args::named(args, &MAIN, &mut errors);
    let krate = args::krate(opts.get("crate"), &mut errors);
    let sig = &item.sig;
    if sig.asyncness.is_none() {
        errors.add(
            sig.fn_token.span(),
            "`#[iii::main]` requires an `async fn`\nhelp: write `async fn main()`; the worker runs on a tokio runtime that `#[iii::main]` starts",
        );
    }
    if !sig.inputs.is_empty() {
        errors.add(
            sig.inputs.span(),
            "`#[iii::main]` takes no parameters\nhelp: configure the worker by returning an `iii::App`",
        );
    }
    if !sig.generics.params.is_empty() {
        errors.add(
            sig.generics.span(),
            "`#[iii::main]` cannot be generic\nhelp: remove the generic parameters",
        );
    }
    errors.finish()?;
    Ok(krate)
}

fn generate(krate: &syn::Path, item: &syn::ItemFn) -> TokenStream {
    let attrs = &item.attrs;
    let vis = &item.vis;
    let name = &item.sig.ident;
    let block = &item.block;
    // The user's block becomes the body of a function of its own, so that `return` and `?`
    // leave that function, with the declared return type, as they would have left `main`.
    let body = match &item.sig.output {
        syn::ReturnType::Default => quote! {{
            async fn __iii_main_body() #block
            __iii_main_body()
        }},
        syn::ReturnType::Type(_, ty) => {
            // Converting here, spanned at the return type, reports a wrong type there, once.
            let convert = quote::quote_spanned! {ty.span()=>
                <#ty as #krate::__private::IntoApp>::into_app
            };
            quote! {{
                async fn __iii_main_body() -> #ty #block
                async move { #convert(__iii_main_body().await) }
            }}
        }
    };
    quote! {
        #(#attrs)*
        #vis fn #name() -> ::std::process::ExitCode {
            #krate::__private::run_main(#body)
        }
    }
}
