//! `${VAR}` and `${VAR:default}` in the text of a config file, replaced before it is parsed
//! (so that `port: ${PORT:3111}` is a number), as the real engine does.
//!
//! A name is letters, digits and `_` (not starting with a digit); the default runs to the
//! first `}` and may be empty. Full-line comments are left alone, so that a commented-out
//! entry never needs its variables. Anything else that starts with `$` is kept as written.

use super::ConfigFileError;

/// The text with every reference replaced, looking variables up with `var`.
///
/// # Errors
/// [`ConfigFileError::Unset`] for a variable that is not set and has no default.
pub(super) fn substitute(
    text: &str,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<String, ConfigFileError> {
    let mut out = String::with_capacity(text.len());
    for (n, line) in text.split_inclusive('\n').enumerate() {
        if line.trim_start().starts_with('#') {
            out.push_str(line);
            continue;
        }
        let mut rest = line;
        while let Some(at) = rest.find("${") {
            out.push_str(&rest[..at]);
            let after = &rest[at + 2..];
            match reference(after) {
                Some((name, default, len)) => {
                    let value = var(name)
                        .or_else(|| default.map(str::to_owned))
                        .ok_or_else(|| ConfigFileError::Unset {
                            line: n + 1,
                            name: name.to_owned(),
                        })?;
                    out.push_str(&value);
                    rest = &after[len..];
                }
                None => {
                    out.push_str("${");
                    rest = after;
                }
            }
        }
        out.push_str(rest);
    }
    Ok(out)
}

/// Reads `NAME}` or `NAME:default}` at the start of `s`: the name, the default and the
/// length taken (closing brace included).
fn reference(s: &str) -> Option<(&str, Option<&str>, usize)> {
    let close = s.find('}')?;
    let inner = &s[..close];
    let (name, default) = match inner.split_once(':') {
        Some((name, default)) => (name, Some(default)),
        None => (inner, None),
    };
    let valid = name
        .chars()
        .enumerate()
        .all(|(i, c)| c == '_' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit()));
    (valid && !name.is_empty()).then_some((name, default, close + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        (name == "SET").then(|| "from-env".to_owned())
    }

    #[test]
    fn set_default_and_missing() {
        let text = "a: ${SET}\nb: ${UNSET:3112}\nc: ${SET:ignored}\nd: ${UNSET:}\n";
        assert_eq!(
            substitute(text, &env).ok().as_deref(),
            Some("a: from-env\nb: 3112\nc: from-env\nd: \n")
        );
        let missing = substitute("x: 1\nport: ${NOPE}\n", &env);
        assert!(
            matches!(&missing, Err(ConfigFileError::Unset { line: 2, name }) if name == "NOPE"),
            "{missing:?}"
        );
    }

    #[test]
    fn comments_and_non_references_are_kept() {
        let text = "# port: ${NOPE}\n  # ${NOPE}\nx: $5 ${ not} ${1A} ${OPEN\n";
        assert_eq!(substitute(text, &env).ok().as_deref(), Some(text));
    }
}
