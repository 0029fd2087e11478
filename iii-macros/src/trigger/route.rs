//! Compile-time checks of HTTP routes and methods, matching what the engine accepts.

/// Methods the engine routes.
pub(crate) const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];

/// Checks a route such as `users/:id` and returns its `:param` names.
pub(crate) fn check_route(path: &str) -> Result<Vec<String>, String> {
    if path == "/" {
        // The root route.
        return Ok(Vec::new());
    }
    let trimmed = path.strip_prefix('/').unwrap_or(path);
    if trimmed.is_empty() {
        return Err(
            "the route is empty; give a path such as `\"add\"`, `\"users/:id\"` or `\"/\"` (the root)".into(),
        );
    }
    if let Some(c) = path
        .chars()
        .find(|c| c.is_whitespace() || matches!(c, '?' | '#' | '{' | '}' | '*' | '\\'))
    {
        return Err(format!(
            "the route contains `{c}`; routes are plain segments and `:name` parameters, without query strings, braces or wildcards"
        ));
    }
    let mut params = Vec::new();
    for (i, segment) in trimmed.split('/').enumerate() {
        let last = i == trimmed.split('/').count() - 1;
        if segment.is_empty() && !last {
            return Err("the route has an empty segment (`//`)".into());
        }
        if let Some(name) = segment.strip_prefix(':') {
            let valid = name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                return Err(format!(
                    "`{segment}` is not a valid parameter; write `:name` with a Rust-identifier name"
                ));
            }
            if params.iter().any(|p| p == name) {
                return Err(format!("the parameter `:{name}` appears twice"));
            }
            params.push(name.to_owned());
        } else if segment.contains(':') {
            return Err(format!(
                "`{segment}`: a parameter must be a whole segment starting with `:`"
            ));
        }
    }
    Ok(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        assert_eq!(check_route("add"), Ok(vec![]));
        assert_eq!(check_route("/"), Ok(vec![]));
        assert_eq!(check_route("/users/:id"), Ok(vec!["id".to_owned()]));
        assert_eq!(
            check_route("a/:x/b/:y/"),
            Ok(vec!["x".to_owned(), "y".to_owned()])
        );
        for bad in [
            "", "//", "a//b", "a/:1x", "a/b:c", "a?b=1", "a/{id}", "a/:x/:x", "a b",
        ] {
            assert!(check_route(bad).is_err(), "{bad}");
        }
    }
}
