//! Writing `#[iii::main]`: the user's body becomes a function of its own, run by the runtime's
//! `run_main` from a synchronous `main`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::spanned::Spanned;

/// The `main` that runs `item`'s body; `krate` is the runtime's path.
pub(crate) fn expand(krate: &syn::Path, item: &syn::ItemFn) -> TokenStream {
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
