//! Compile-time check of cron expressions with the semantics of the `cron` crate (0.15) the
//! engine parses them with: `sec min hour day-of-month month day-of-week [year]`, or
//! `@yearly`, `@monthly`, `@weekly`, `@daily`, `@hourly`. Lists (`1,2`), ranges (`1-5`), steps
//! (`*/5`, `10-20/2`, `3/15`), names (`JAN`, `MON-FRI`) and `?` (day fields only) are accepted;
//! days of the week run 1–7 with 1 = Sunday.

/// The shorthands the engine accepts.
const SHORTHANDS: &[&str] = &["@yearly", "@monthly", "@weekly", "@daily", "@hourly"];

struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    names: fn(&str) -> Option<u32>,
    any: bool,
}

const FIELDS: [Field; 7] = [
    Field {
        name: "second",
        min: 0,
        max: 59,
        names: no_names,
        any: false,
    },
    Field {
        name: "minute",
        min: 0,
        max: 59,
        names: no_names,
        any: false,
    },
    Field {
        name: "hour",
        min: 0,
        max: 23,
        names: no_names,
        any: false,
    },
    Field {
        name: "day-of-month",
        min: 1,
        max: 31,
        names: no_names,
        any: true,
    },
    Field {
        name: "month",
        min: 1,
        max: 12,
        names: month,
        any: false,
    },
    Field {
        name: "day-of-week",
        min: 1,
        max: 7,
        names: weekday,
        any: true,
    },
    Field {
        name: "year",
        min: 1970,
        max: 2100,
        names: no_names,
        any: false,
    },
];

fn no_names(_: &str) -> Option<u32> {
    None
}

fn month(name: &str) -> Option<u32> {
    Some(match name.to_lowercase().as_str() {
        "jan" | "january" => 1,
        "feb" | "february" => 2,
        "mar" | "march" => 3,
        "apr" | "april" => 4,
        "may" => 5,
        "jun" | "june" => 6,
        "jul" | "july" => 7,
        "aug" | "august" => 8,
        "sep" | "september" => 9,
        "oct" | "october" => 10,
        "nov" | "november" => 11,
        "dec" | "december" => 12,
        _ => return None,
    })
}

fn weekday(name: &str) -> Option<u32> {
    Some(match name.to_lowercase().as_str() {
        "sun" | "sunday" => 1,
        "mon" | "monday" => 2,
        "tue" | "tues" | "tuesday" => 3,
        "wed" | "wednesday" => 4,
        "thu" | "thurs" | "thursday" => 5,
        "fri" | "friday" => 6,
        "sat" | "saturday" => 7,
        _ => return None,
    })
}

/// Checks `expression`; the error says what is wrong and how to fix it.
pub(crate) fn check(expression: &str) -> Result<(), String> {
    let trimmed = expression.trim();
    if trimmed.starts_with('@') {
        if SHORTHANDS.contains(&trimmed) {
            return Ok(());
        }
        return Err(format!(
            "unknown cron shorthand `{trimmed}`\nhelp: the engine accepts {}",
            SHORTHANDS.join(", ")
        ));
    }
    let fields: Vec<&str> = trimmed.split_whitespace().collect();
    match fields.len() {
        0 => {
            return Err(
                "the cron expression is empty\nhelp: e.g. `\"0 */5 * * * *\"` (every five minutes)"
                    .into(),
            );
        }
        5 => {
            return Err(format!(
                "`{trimmed}` has 5 fields, but the engine's cron needs seconds first: \
                 `sec min hour day-of-month month day-of-week [year]`\n\
                 help: add the seconds: `\"0 {trimmed}\"`"
            ));
        }
        6 | 7 => {}
        n => {
            return Err(format!(
                "`{trimmed}` has {n} fields; the engine's cron takes 6 or 7: \
                 `sec min hour day-of-month month day-of-week [year]`\n\
                 help: e.g. `\"0 */5 * * * *\"` (every five minutes)"
            ));
        }
    }
    for (text, field) in fields.iter().zip(FIELDS.iter()) {
        for item in text.split(',') {
            check_item(item, field).map_err(|e| {
                let mut message = format!("invalid {} field `{text}`: {e}", field.name);
                if field.name == "day-of-week" {
                    message.push_str(
                        "\nhelp: days of the week are 1-7 with 1 = Sunday (as in the engine's `cron` crate), or names: `SUN`, `MON-FRI`",
                    );
                }
                message
            })?;
        }
    }
    Ok(())
}

fn check_item(item: &str, field: &Field) -> Result<(), String> {
    if item.is_empty() {
        return Err("empty list entry".into());
    }
    let Some((start, step)) = item.split_once('/') else {
        return check_specifier(item, field, true);
    };
    let step: u32 = step
        .parse()
        .map_err(|_| format!("the step `{step}` is not a number"))?;
    if step == 0 {
        return Err("the step cannot be zero".into());
    }
    if step > field.max {
        return Err(format!("the step must be between 1 and {}", field.max));
    }
    // The engine does not accept a name as the start of a step (`WED/2`), only ranges.
    check_specifier(start, field, false)
}

fn check_specifier(spec: &str, field: &Field, named_point: bool) -> Result<(), String> {
    if spec == "*" {
        return Ok(());
    }
    if spec == "?" {
        return if field.any {
            Ok(())
        } else {
            Err("`?` is only allowed in the day-of-month and day-of-week fields".into())
        };
    }
    if let Some((a_text, b_text)) = spec.split_once('-') {
        let (a, b) = (ordinal(a_text, field)?, ordinal(b_text, field)?);
        let is_name = |t: &str| t.chars().all(|c| c.is_ascii_alphabetic());
        // The engine's parser takes a range of two numbers or of two names, never one of each.
        if is_name(a_text) != is_name(b_text) {
            return Err(format!(
                "the range `{spec}` mixes a number and a name; write both ends as numbers or both as names"
            ));
        }
        return if a <= b {
            Ok(())
        } else {
            Err(format!("the range `{spec}` runs backwards"))
        };
    }
    if spec.chars().all(|c| c.is_ascii_alphabetic()) && !named_point {
        return Err(format!(
            "a step cannot start at a name (`{spec}`); use a range such as `MON-FRI/2`"
        ));
    }
    ordinal(spec, field).map(drop)
}

fn ordinal(text: &str, field: &Field) -> Result<u32, String> {
    if !text.is_empty() && text.chars().all(|c| c.is_ascii_digit()) {
        let n: u32 = text.parse().map_err(|_| format!("`{text}` is too large"))?;
        if n < field.min || n > field.max {
            return Err(format!("`{n}` is out of range {}-{}", field.min, field.max));
        }
        return Ok(n);
    }
    if !text.is_empty() && text.chars().all(|c| c.is_ascii_alphabetic()) {
        return (field.names)(text).ok_or_else(|| match field.name {
            "month" | "day-of-week" => format!("`{text}` is not a {} name", field.name),
            _ => format!("the {} field does not take names (`{text}`)", field.name),
        });
    }
    Err(format!("`{text}` is not a number, a name, `*` or a range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_the_engine_accepts() {
        for ok in [
            "0 */5 * * * *",
            "0 0 9-17 * * MON-FRI",
            "0 0 9-17 * * 2-6 *",
            "*/10 * * * * ?",
            "0 0 12 ? JAN,Jul SUN",
            "0 30 8 1 * * 2030",
            "3/15 0 0 1-31/2 * *",
            "0 0 0 * * Mon-Thurs/2",
            "@daily",
            " @hourly ",
            "0 0 0 * * 7",
        ] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn rejects_what_the_engine_rejects() {
        for (bad, needle) in [
            ("*/5 * * * *", "seconds first"),
            ("0 0 * * * 0", "out of range 1-7"),
            ("60 * * * * *", "out of range 0-59"),
            ("0 0 0 ? * * ", ""),
            ("? * * * * *", "`?` is only allowed"),
            ("0 0 0 * FOO *", "not a month name"),
            ("0 0 MON * * *", "does not take names"),
            ("0 */0 * * * *", "zero"),
            ("0 0 0 * * WED/2", "cannot start at a name"),
            ("0 0 5-1 * * *", "backwards"),
            ("@annually", "shorthand"),
            ("", "empty"),
            ("0 0 0 * * * 1969", "out of range 1970-2100"),
            ("0 0 0 * * * * *", "8 fields"),
            ("0 0 0,, * * *", "empty list entry"),
            ("0 0 0 * JAN-12 *", "mixes a number and a name"),
            ("0 0 0 * 1-DEC *", "mixes a number and a name"),
            ("0 0 0 * * FRI-7", "mixes a number and a name"),
            ("0 0 0 * * 2-FRI", "mixes a number and a name"),
            ("0 0 0 * * 1-MON/7", "mixes a number and a name"),
        ] {
            if needle.is_empty() {
                assert_eq!(check(bad), Ok(()), "{bad}");
                continue;
            }
            let e = check(bad).expect_err(bad);
            assert!(e.contains(needle), "{bad}: {e}");
        }
    }
}
