//! `#[iii::main]` parsed and validated without the compiler.

use quote::ToTokens;

use super::{parse, validate};
use crate::errors::{Errors, messages};

/// The runtime's path, or the first line of every message.
fn check(args: &str, item: &str) -> Result<String, Vec<String>> {
    let mut errors = Errors::default();
    let args = args.parse().map_err(|e| vec![format!("{e}")])?;
    let item = item.parse().map_err(|e| vec![format!("{e}")])?;
    let main = parse::parse(args, item, &mut errors)
        .map_err(|e| vec![e.to_string().lines().next().unwrap_or("").to_owned()])?;
    validate::validate(&main.item.sig, &mut errors);
    let messages: Vec<String> = messages(errors.finish())
        .iter()
        .map(|m| m.lines().next().unwrap_or("").to_owned())
        .collect();
    if messages.is_empty() {
        Ok(main.krate.to_token_stream().to_string().replace(' ', ""))
    } else {
        Err(messages)
    }
}

#[test]
fn accepts_async_main_and_a_crate_path() {
    assert_eq!(check("", "async fn main() {}"), Ok("::iii".to_owned()));
    assert_eq!(
        check(r#"crate = "rt""#, "async fn serve() -> rt::App { todo!() }"),
        Ok("rt".to_owned())
    );
}

#[test]
fn reports_every_problem() {
    assert_eq!(
        check(r#"flavor = "current_thread""#, "fn main<T>(a: u8) {}"),
        Err(vec![
            "unknown option `flavor` of `#[iii::main]`".to_owned(),
            "`#[iii::main]` requires an `async fn`".to_owned(),
            "`#[iii::main]` takes no parameters".to_owned(),
            "`#[iii::main]` cannot be generic".to_owned(),
        ])
    );
    assert_eq!(
        check("", "struct S;"),
        Err(vec!["`#[iii::main]` goes on `async fn main()`".to_owned()])
    );
}
