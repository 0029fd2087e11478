//! Cron bookkeeping: the last tick each cron job (by trigger id, which a reconnecting worker
//! replays) has fired, recorded before the tick fires (table `cron`). A tick is fired at most
//! once, even across an engine restart or a clock set back: a job never fires a tick at or
//! before the one recorded. Ticks missed while the engine was down are skipped, as the real
//! engine does.
//!
//! Records of jobs that have not ticked for [`FORGET_AFTER_DAYS`] are dropped at start, and at
//! most [`CAPACITY`] are kept (the stalest go first).

use std::collections::HashMap;

use serde_json::{Value, json};

use super::db::{Db, StoreError};
use super::owner::Store;

/// Records kept at most.
pub(crate) const CAPACITY: usize = 10_000;
/// Records of jobs that did not tick for this long are dropped at start.
pub(crate) const FORGET_AFTER_DAYS: i64 = 30;

const TABLE: &str = "cron";

/// The last tick (Unix milliseconds) of each job.
#[derive(Default)]
pub(crate) struct CronStore {
    last: HashMap<String, i64>,
    db: Db,
}

impl Store for CronStore {
    async fn commit(&mut self) -> Result<(), StoreError> {
        let committed = self.db.commit().await;
        if committed.is_err() {
            self.last = load(&mut self.db).unwrap_or_default();
        }
        committed
    }
}

fn load(db: &mut Db) -> Result<HashMap<String, i64>, StoreError> {
    let rows = db.load(TABLE)?;
    Ok(rows
        .into_iter()
        .filter_map(|(key, value)| {
            let job = key.into_iter().next()?;
            Some((job, value.get("tick_ms").and_then(Value::as_i64)?))
        })
        .collect())
}

impl CronStore {
    /// The bookkeeping kept in `db`, without records older than [`FORGET_AFTER_DAYS`] (as of
    /// `now_ms`). Blocking.
    pub(crate) fn open(mut db: Db, now_ms: i64) -> Result<Self, StoreError> {
        let mut last = load(&mut db)?;
        let horizon = now_ms - FORGET_AFTER_DAYS * 24 * 3600 * 1000;
        last.retain(|job, tick| {
            let keep = *tick >= horizon;
            if !keep {
                db.delete(TABLE, &[job]);
            }
            keep
        });
        Ok(Self { last, db })
    }

    /// Records that `job` fires its tick at `tick_ms`; `false` (and nothing recorded) when it
    /// has fired that tick or a later one already.
    pub(crate) fn claim(&mut self, job: &str, tick_ms: i64) -> bool {
        if self.last.get(job).is_some_and(|last| *last >= tick_ms) {
            return false;
        }
        if self.last.len() >= CAPACITY
            && !self.last.contains_key(job)
            && let Some(stalest) = self
                .last
                .iter()
                .min_by_key(|(_, tick)| **tick)
                .map(|(job, _)| job.clone())
        {
            self.last.remove(&stalest);
            self.db.delete(TABLE, &[&stalest]);
        }
        self.last.insert(job.to_owned(), tick_ms);
        self.db.put(TABLE, &[job], &json!({ "tick_ms": tick_ms }));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tick_is_claimed_once_and_never_an_earlier_one() {
        let mut store = CronStore::default();
        assert!(store.claim("job", 1_000));
        assert!(!store.claim("job", 1_000), "the same tick twice");
        assert!(!store.claim("job", 500), "a clock set back");
        assert!(store.claim("job", 2_000));
        assert!(store.claim("other", 1_000), "jobs are apart");
    }

    #[test]
    fn the_stalest_record_goes_past_capacity() {
        let mut store = CronStore::default();
        for n in 0..CAPACITY {
            assert!(store.claim(&format!("job{n}"), 10_000 + n as i64));
        }
        assert!(store.claim("new", 1));
        assert_eq!(store.last.len(), CAPACITY);
        assert!(!store.last.contains_key("job0"));
    }
}
