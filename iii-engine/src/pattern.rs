//! Wildcard patterns, anchored at both ends: `*` matches any run of characters (none too).
//! The real engine's `expose_functions` rules (`match("api::*")`) use them, and so does the
//! URL allow-list of HTTP-invoked functions (`*.example.com`), which also takes `?` for one
//! character, as its glob patterns do.

/// Whether all of `text` matches `pattern`. `*` matches any run of characters; with `single`,
/// `?` matches exactly one; every other character matches itself.
pub(crate) fn matches(pattern: &str, text: &str, single: bool) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0, 0);
    // The last `*` seen, and where in `text` its run ends so far: on a mismatch the run grows
    // by one character and matching resumes after the star. Linear in practice, and never
    // worse than pattern length × text length.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == text[t] || (single && c == '?') => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((star_p, star_t)) => {
                    star = Some((star_p, star_t + 1));
                    p = star_p + 1;
                    t = star_t + 1;
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn stars_match_any_run_and_everything_else_itself() {
        let yes = [
            ("*", ""),
            ("*", "anything"),
            ("api::*", "api::users::list"),
            ("*::public", "x::y::public"),
            ("api::*::read", "api::orders::read"),
            ("*public*", "public"),
            ("a*b*c", "aXbYbZc"),
            ("exact", "exact"),
        ];
        for (pattern, text) in yes {
            assert!(matches(pattern, text, false), "{pattern} ~ {text}");
        }
        let no = [
            ("api::*", "other::x"),
            ("*::public", "api::private"),
            ("exact", "exactly"),
            ("exact", "inexact"),
            ("a*b*c", "aXbYbZ"),
            ("a?c", "abc"),
        ];
        for (pattern, text) in no {
            assert!(!matches(pattern, text, false), "{pattern} !~ {text}");
        }
    }

    #[test]
    fn question_marks_match_one_character_when_asked() {
        assert!(matches("h?st", "host", true));
        assert!(!matches("h?st", "hst", true));
        assert!(matches("*.example.c?m", "api.example.com", true));
        assert!(!matches("*.example.com", "example.com", true));
    }
}
