//! The SQLite backend of [`Db`](super::Db): one database file per store, one table of rows
//! `(tbl, k, v)`, written a batch per transaction.
//!
//! The database runs in WAL mode with `synchronous = FULL`, so a committed batch survives a
//! crash of the process and of the machine. It is opened in exclusive locking mode and the
//! lock is taken at once, so a second engine pointed at the same file fails at start instead of
//! interleaving its writes. Commits run on tokio's blocking pool (the connection moves there
//! and back), never on a runtime thread.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, params};

use super::{Op, StoreError};

/// The layout version this engine writes (`PRAGMA user_version`).
const VERSION: i64 = 1;

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS kv (
    tbl TEXT NOT NULL,
    k TEXT NOT NULL,
    v TEXT NOT NULL,
    PRIMARY KEY (tbl, k)
) WITHOUT ROWID;";

pub(super) struct Sqlite {
    /// `None` only while a commit has it on the blocking pool (or after that task died).
    conn: Option<Connection>,
    path: PathBuf,
}

fn failed(path: &Path, e: impl std::fmt::Display) -> StoreError {
    StoreError::Storage(format!("{}: {e}", path.display()))
}

impl Sqlite {
    pub(super) fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| failed(dir, e))?;
        }
        let conn = Connection::open(path).map_err(|e| failed(path, e))?;
        let setup = || -> rusqlite::Result<i64> {
            // No waiting for a lock: another engine holding the file is an error at start.
            conn.busy_timeout(Duration::ZERO)?;
            conn.pragma_update_and_check(None, "locking_mode", "EXCLUSIVE", |r| {
                r.get::<_, String>(0)
            })?;
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0))?;
            conn.pragma_update(None, "synchronous", "FULL")?;
            conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        };
        let version = setup().map_err(|e| failed(path, locked(e)))?;
        if version > VERSION {
            return Err(failed(
                path,
                format!(
                    "written by a newer iii-engine (layout {version}, this one reads {VERSION})"
                ),
            ));
        }
        // Taking the write lock now (and keeping it: exclusive mode) is what makes a second
        // engine on the same file fail here.
        conn.execute_batch(&format!(
            "BEGIN EXCLUSIVE; {SCHEMA} PRAGMA user_version = {VERSION}; COMMIT;"
        ))
        .map_err(|e| failed(path, locked(e)))?;
        Ok(Self {
            conn: Some(conn),
            path: path.to_owned(),
        })
    }

    fn conn(&mut self) -> Result<&mut Connection, StoreError> {
        let path = &self.path;
        self.conn
            .as_mut()
            .ok_or_else(|| failed(path, "the connection was lost by an earlier failure"))
    }

    pub(super) fn load(&mut self, table: &str) -> Result<Vec<(String, String)>, StoreError> {
        let path = self.path.clone();
        let conn = self.conn()?;
        let mut stmt = conn
            .prepare("SELECT k, v FROM kv WHERE tbl = ?1 ORDER BY k")
            .map_err(|e| failed(&path, e))?;
        let rows = stmt
            .query_map([table], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| failed(&path, e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| failed(&path, e))
    }

    pub(super) async fn commit(&mut self, ops: Vec<Op>) -> Result<(), StoreError> {
        let path = self.path.clone();
        let mut conn = self
            .conn
            .take()
            .ok_or_else(|| failed(&path, "the connection was lost by an earlier failure"))?;
        let done = tokio::task::spawn_blocking(move || {
            let result = write(&mut conn, &ops);
            (conn, result)
        })
        .await;
        match done {
            Ok((conn, result)) => {
                self.conn = Some(conn);
                result.map_err(|e| failed(&path, e))
            }
            Err(e) => Err(failed(&path, format!("the commit task died: {e}"))),
        }
    }
}

/// Writes `ops` in one transaction (rolled back when any of them fails).
fn write(conn: &mut Connection, ops: &[Op]) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    {
        let mut put = tx.prepare(
            "INSERT INTO kv (tbl, k, v) VALUES (?1, ?2, ?3)
             ON CONFLICT (tbl, k) DO UPDATE SET v = excluded.v",
        )?;
        let mut delete = tx.prepare("DELETE FROM kv WHERE tbl = ?1 AND k = ?2")?;
        for op in ops {
            match op {
                Op::Put { table, key, value } => put.execute(params![table, key, value])?,
                Op::Delete { table, key } => delete.execute(params![table, key])?,
            };
        }
    }
    tx.commit()
}

/// Names the likely cause of a busy database.
fn locked(e: rusqlite::Error) -> String {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
            format!("{e} (is another iii-engine using this data directory?)")
        }
        _ => e.to_string(),
    }
}
