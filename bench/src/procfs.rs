//! Reading a process's memory and CPU time from `/proc` (Linux only).

use std::time::Duration;

/// Memory figures from `/proc/<pid>/status`, in KiB.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Memory {
    /// Resident set size now (`VmRSS`).
    pub rss_kib: u64,
    /// Peak resident set size so far (`VmHWM`).
    pub hwm_kib: u64,
    /// Number of threads (`Threads`).
    pub threads: u64,
}

/// Reads [`Memory`] of process `pid`.
///
/// # Errors
/// When `/proc/<pid>/status` cannot be read or lacks a field.
pub fn memory(pid: u32) -> Result<Memory, String> {
    let path = format!("/proc/{pid}/status");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    parse_status(&text).ok_or_else(|| format!("{path}: VmRSS, VmHWM or Threads missing"))
}

fn parse_status(text: &str) -> Option<Memory> {
    let field = |name: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
            .and_then(|rest| rest.split_whitespace().next()?.parse::<u64>().ok())
    };
    Some(Memory {
        rss_kib: field("VmRSS")?,
        hwm_kib: field("VmHWM")?,
        threads: field("Threads")?,
    })
}

/// Clock ticks per second of `/proc/<pid>/stat` times. `USER_HZ` is 100 on every Linux
/// architecture this runs on, and reading it properly would need `sysconf` (unsafe FFI).
const TICKS_PER_SECOND: u64 = 100;

/// CPU time (user + system) process `pid` has used so far, with 10 ms resolution.
///
/// # Errors
/// When `/proc/<pid>/stat` cannot be read or parsed.
pub fn cpu_time(pid: u32) -> Result<Duration, String> {
    let path = format!("/proc/{pid}/stat");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    parse_stat_ticks(&text)
        .map(|ticks| Duration::from_millis(ticks * 1000 / TICKS_PER_SECOND))
        .ok_or_else(|| format!("{path}: unexpected format"))
}

fn parse_stat_ticks(text: &str) -> Option<u64> {
    // The command name (field 2) is parenthesised and may contain spaces and parentheses:
    // the fields after the last ')' start with field 3 (state); utime and stime are 14 and 15.
    let rest = &text[text.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_status_fields() {
        let text = "Name:\tx\nVmHWM:\t  10240 kB\nVmRSS:\t   8192 kB\nThreads:\t3\n";
        assert_eq!(
            parse_status(text),
            Some(Memory {
                rss_kib: 8192,
                hwm_kib: 10240,
                threads: 3
            })
        );
    }

    #[test]
    fn parses_stat_times_after_a_tricky_name() {
        let text = "42 (a) b) S 1 42 42 0 -1 4194560 100 0 0 0 7 5 0 0 20 0 1 0 1 0 0";
        assert_eq!(parse_stat_ticks(text), Some(12));
    }

    #[test]
    fn reads_this_process() {
        let pid = std::process::id();
        assert!(memory(pid).is_ok_and(|m| m.rss_kib > 0 && m.threads >= 1));
        assert!(cpu_time(pid).is_ok());
    }
}
