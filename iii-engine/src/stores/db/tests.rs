//! Unit tests of the SQLite backend: rows survive a reopen, a batch is all or nothing, and
//! each store comes back as it was committed.

use serde_json::json;

use super::*;
use crate::stores::cron::CronStore;
use crate::stores::owner::Store;
use crate::stores::state::StateStore;
use crate::stores::streams::StreamStore;

/// A database file in a fresh directory, removed on drop.
struct File(std::path::PathBuf);

impl File {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("iii-db-{}", iii_protocol::Uuid::new_v4()));
        Self(dir.join("nested").join("store.sqlite3"))
    }
    fn open(&self) -> Db {
        Db::open(&self.0).unwrap_or_else(|e| panic!("{e}"))
    }
}

impl Drop for File {
    fn drop(&mut self) {
        if let Some(dir) = self.0.parent().and_then(std::path::Path::parent) {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

#[tokio::test]
async fn committed_rows_survive_a_reopen_and_uncommitted_ones_do_not() {
    let file = File::new();
    let mut db = file.open();
    assert!(db.is_persistent());
    db.put("t", &["a", "1"], &json!({"x": 1}));
    db.put("t", &["a", "2"], &json!(2));
    db.put("other", &["a"], &json!(3));
    assert!(db.commit().await.is_ok());
    db.delete("t", &["a", "2"]);
    db.put("t", &["a", "1"], &json!("replaced"));
    assert!(db.commit().await.is_ok());
    db.put("t", &["never"], &json!("committed"));
    drop(db);
    let mut db = file.open();
    let rows = db.load("t").unwrap_or_default();
    assert_eq!(
        rows,
        [(vec!["a".to_owned(), "1".to_owned()], json!("replaced"))]
    );
    assert_eq!(db.load("other").map(|r| r.len()).ok(), Some(1));
}

#[tokio::test]
async fn a_second_opener_is_refused_while_the_first_holds_the_file() {
    let file = File::new();
    let _first = file.open();
    let second = Db::open(&file.0);
    assert!(
        matches!(&second, Err(StoreError::Storage(m)) if m.contains("another iii-engine")),
        "{:?}",
        second.err()
    );
}

#[tokio::test]
async fn the_stores_come_back_as_committed() {
    let (state, streams, cron) = (File::new(), File::new(), File::new());
    let mut s = StateStore::open(state.open()).unwrap_or_else(|e| panic!("{e}"));
    s.put("scope", "k", json!(1));
    s.put("scope", "gone", json!(2));
    s.remove("scope", "gone");
    assert!(s.commit().await.is_ok());
    let mut st = StreamStore::open(streams.open()).unwrap_or_else(|e| panic!("{e}"));
    st.put("room", "g", "i", json!({"a": true}));
    assert!(st.commit().await.is_ok());
    let mut c = CronStore::open(cron.open(), 0).unwrap_or_else(|e| panic!("{e}"));
    assert!(c.claim("job", 5_000));
    assert!(c.commit().await.is_ok());
    drop((s, st, c));

    let s = StateStore::open(state.open()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.get("scope", "k"), json!(1));
    assert_eq!(s.list("scope"), [json!(1)]);
    let st = StreamStore::open(streams.open()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(st.get("room", "g", "i"), json!({"a": true}));
    let mut c = CronStore::open(cron.open(), 0).unwrap_or_else(|e| panic!("{e}"));
    assert!(!c.claim("job", 5_000), "the tick fired before the restart");
    assert!(c.claim("job", 6_000));
    let far_later = FORGET_MS * 2;
    drop(c);
    let mut c = CronStore::open(cron.open(), far_later).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        c.claim("job", 5_000),
        "a record past the horizon is forgotten"
    );
}

const FORGET_MS: i64 = crate::stores::cron::FORGET_AFTER_DAYS * 24 * 3600 * 1000;
