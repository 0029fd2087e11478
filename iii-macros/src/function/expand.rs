//! Generating the handler adapter and the `inventory` registration.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::ItemFn;
use syn::spanned::Spanned;

use super::model::{Model, Output, Param};
use crate::trigger::TriggerAttr;

pub(crate) fn expand(model: &Model, item: &ItemFn) -> TokenStream {
    let krate = &model.krate;
    let private = quote!(#krate::__private);
    let name = &model.name;
    let id = &model.id;

    // The input is decoded before the context is taken: decoding records the caller's id.
    let mut extract = Vec::new();
    let mut call_args = Vec::new();
    for param in &model.params {
        match param {
            Param::Input(ty) => {
                let assert = quote_spanned! {ty.span()=>
                    #private::assert_input::<#ty>();
                };
                extract.push(quote! {
                    #assert
                    let __iii_input: #ty = __iii_inv.input::<#ty>()?;
                });
                call_args.push(quote!(__iii_input));
            }
            Param::Context => call_args.push(quote!(__iii_ctx)),
        }
    }
    if model.params.iter().any(|p| matches!(p, Param::Context)) {
        extract.push(quote!(let __iii_ctx = __iii_inv.take_context();));
    }

    let reply = match &model.output {
        Output::Unit => quote!(#private::json_reply(&__iii_out)),
        Output::Plain(ty) => {
            let assert = quote_spanned! {ty.span()=> #private::assert_output::<#ty>(); };
            quote!({ #assert #private::json_reply(&__iii_out) })
        }
        Output::Result { ok } => {
            let assert = ok.as_ref().map(|ty| {
                quote_spanned! {ty.span()=> #private::assert_output::<#ty>(); }
            });
            quote!({
                #assert
                match __iii_out {
                    ::core::result::Result::Ok(v) => #private::json_reply(&v),
                    ::core::result::Result::Err(e) => ::core::result::Result::Err(
                        (&&&#private::ErrorWrap(&e)).iii_kind().convert(e),
                    ),
                }
            })
        }
    };
    let body = if model.is_async {
        quote! {
            #(#extract)*
            let __iii_out = #name(#(#call_args),*).await;
            #reply
        }
    } else {
        quote! {
            #(#extract)*
            #private::run_blocking(move || {
                let __iii_out = #name(#(#call_args),*);
                #reply
            }).await
        }
    };

    let schema = |ty: Option<&syn::Type>| match ty {
        Some(ty) => quote! {{
            fn __iii_schema() -> ::core::option::Option<#private::serde_json::Value> {
                (&#private::SchemaProbe::<#ty>::new()).schema()
            }
            __iii_schema
        }},
        None => quote! {{
            fn __iii_schema() -> ::core::option::Option<#private::serde_json::Value> {
                ::core::option::Option::None
            }
            __iii_schema
        }},
    };
    let request_format = schema(model.input_type());
    let response_format = schema(match &model.output {
        Output::Unit => None,
        Output::Plain(ty) => Some(ty),
        Output::Result { ok } => ok.as_ref(),
    });
    let description = match &model.description {
        Some(d) => quote!(::core::option::Option::Some(#d)),
        None => quote!(::core::option::Option::None),
    };
    let triggers = model.triggers.iter().map(|t| match t {
        TriggerAttr::Http { method, path, .. } => quote! {
            #private::TriggerSpec::Http { method: #method, path: #path }
        },
    });
    let line = quote_spanned!(name.span()=> ::core::line!());

    quote! {
        #item

        const _: () = {
            #[allow(unused_imports)]
            use #private::{BoxKind as _, HasSchema as _, IiiKind as _, NoSchema as _, StdKind as _};

            fn __iii_handler(mut __iii_inv: #private::Invocation) -> #private::HandlerFuture {
                #private::boxed(async move { #body })
            }

            #private::inventory::submit! {
                #private::FunctionRegistration {
                    id: #id,
                    description: #description,
                    handler: __iii_handler,
                    request_format: #request_format,
                    response_format: #response_format,
                    triggers: &[#(#triggers),*],
                    file: ::core::file!(),
                    line: #line,
                }
            }
        };
    }
}
