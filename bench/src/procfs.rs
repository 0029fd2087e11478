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

/// The load averages over 1, 5 and 15 minutes (`/proc/loadavg`), as printed there.
pub fn load_average() -> Option<String> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    let fields: Vec<&str> = text.split_whitespace().take(3).collect();
    (fields.len() == 3).then(|| fields.join(" "))
}

/// CPU time process `pid` has used so far, to the nanosecond: the sum of the run times
/// (`/proc/<pid>/task/<tid>/schedstat`, first field) of its live threads.
///
/// `/proc/<pid>/stat` counts in 10 ms ticks, too coarse for a half-second window at some
/// tens of µs per call. The sum leaves out threads that exited between two samples; the
/// worker runtimes under test keep their threads for the whole run.
///
/// # Errors
/// When the process's task list cannot be read.
pub fn cpu_time(pid: u32) -> Result<Duration, String> {
    let dir = format!("/proc/{pid}/task");
    let tasks = std::fs::read_dir(&dir).map_err(|e| format!("{dir}: {e}"))?;
    let mut total_ns: u64 = 0;
    for task in tasks.flatten() {
        // A thread that exits while the list is read has no schedstat left: skip it.
        let Ok(text) = std::fs::read_to_string(task.path().join("schedstat")) else {
            continue;
        };
        let ns = parse_schedstat(&text)
            .ok_or_else(|| format!("{}/schedstat: unexpected format", task.path().display()))?;
        total_ns = total_ns.saturating_add(ns);
    }
    Ok(Duration::from_nanos(total_ns))
}

/// The time on CPU, in nanoseconds, from a `schedstat` line (`run_ns wait_ns timeslices`).
fn parse_schedstat(text: &str) -> Option<u64> {
    text.split_whitespace().next()?.parse().ok()
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
    fn parses_schedstat_run_time() {
        assert_eq!(parse_schedstat("150432 134473 2\n"), Some(150_432));
        assert_eq!(parse_schedstat(""), None);
        assert_eq!(parse_schedstat("x 1 2"), None);
    }

    #[test]
    fn reads_this_process() {
        let pid = std::process::id();
        assert!(memory(pid).is_ok_and(|m| m.rss_kib > 0 && m.threads >= 1));
        // Spin a little so that the second sample must be later than the first.
        let first = cpu_time(pid).expect("schedstat readable");
        let spin = std::time::Instant::now();
        while spin.elapsed() < Duration::from_millis(5) {
            std::hint::black_box(spin.elapsed());
        }
        let second = cpu_time(pid).expect("schedstat readable");
        assert!(second > first, "{first:?} then {second:?}");
    }
}
