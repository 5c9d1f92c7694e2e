//! Where received messages are kept before they are acknowledged: the [`Store`] trait and its
//! embedded default, [`SqliteStore`].
//!
//! The contract a receiver relies on: when [`Store::put`] returns `Ok`, the message is on
//! disk (committed and synced) and survives the process being killed at any instant after.
//! A message sent again (same sending application and MSH-10, as a sender does when an ACK is
//! lost) is stored again, never dropped, and marked with the id of the first copy
//! ([`Stored::duplicate_of`]), so that duplicates are detectable rather than silent.
//!
//! The trait is blocking and `Send + Sync`: the receiver calls it on tokio's blocking pool, so
//! a store backed by a server (PostgreSQL, a log such as Kafka: several receivers behind one
//! address writing to one store) fits behind it as well as the embedded SQLite file.
//!
//! ```
//! use hl7_wire::store::{Incoming, SqliteStore, State, Store};
//!
//! let dir = std::env::temp_dir().join(format!("hl7-store-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let store = SqliteStore::open(dir.join("messages.db")).unwrap();
//! let msg = Incoming::read(b"MSH|^~\\&|LAB||HIS||20240101||ORU^R01|42|P|2.5\r", None);
//! let first = store.put(&msg).unwrap();
//! let again = store.put(&msg).unwrap();
//! assert_eq!(again.duplicate_of, Some(first.id));
//! let listed = store.list(0, 10).unwrap();
//! assert_eq!(listed.len(), 2);
//! assert_eq!((listed[0].control_id.as_str(), listed[0].message_type.as_str()), ("42", "ORU^R01"));
//! assert_eq!(listed[0].state, State::Received);
//! # drop(store); std::fs::remove_dir_all(&dir).unwrap();
//! ```

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::mpsc;
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OptionalExtension, params};

/// Why a store could not do what was asked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("committing the batch this message was in: {0}")]
    Commit(String),
    #[error("the store's writer has stopped")]
    Closed,
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("unknown state `{0}` in the store")]
    BadState(String),
}

/// A message to keep: its bytes as received and what identifies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming {
    pub raw: Vec<u8>,
    /// MSH-10 as sent.
    pub control_id: String,
    /// MSH-3 as sent: duplicates are detected per sender.
    pub sender: String,
    /// `TYPE^EVENT` from MSH-9.
    pub message_type: String,
    /// The peer's address, when the message came over a network.
    pub peer: Option<String>,
}

impl Incoming {
    /// A message to keep, identified from its header (fields empty when it has none).
    pub fn read(raw: &[u8], peer: Option<String>) -> Incoming {
        let r = hl7_model::ack::Received::read(raw).ok();
        Incoming::new(raw, r.as_ref(), peer)
    }

    /// A message to keep, with the header already read.
    pub fn new(
        raw: &[u8],
        header: Option<&hl7_model::ack::Received>,
        peer: Option<String>,
    ) -> Incoming {
        let (control_id, sender, message_type) = match header {
            Some(r) => (
                r.control_id.clone(),
                r.sending_application.clone(),
                if r.trigger_event.is_empty() {
                    r.message_type.clone()
                } else {
                    format!("{}^{}", r.message_type, r.trigger_event)
                },
            ),
            None => Default::default(),
        };
        Incoming {
            raw: raw.to_vec(),
            control_id,
            sender,
            message_type,
            peer,
        }
    }
}

/// What [`Store::put`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stored {
    /// The record's id, increasing in the order messages were stored.
    pub id: i64,
    /// The first record with the same sender and control id, when this one repeats it.
    pub duplicate_of: Option<i64>,
}

/// Where a stored message is in its processing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Stored and acknowledged; not yet processed further.
    Received,
    /// Processed by what reads the store.
    Processed,
    /// Processing failed.
    Failed,
}

impl State {
    /// The state's name as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Received => "received",
            State::Processed => "processed",
            State::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Result<State, StoreError> {
        Ok(match s {
            "received" => State::Received,
            "processed" => State::Processed,
            "failed" => State::Failed,
            other => return Err(StoreError::BadState(other.to_owned())),
        })
    }
}

/// One stored message, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub id: i64,
    /// When it was stored, in milliseconds since 1970-01-01 UTC.
    pub received_at_ms: i64,
    pub control_id: String,
    pub sender: String,
    pub message_type: String,
    pub peer: Option<String>,
    pub state: State,
    pub duplicate_of: Option<i64>,
    /// Its size in bytes.
    pub len: usize,
}

/// A durable store of received messages; see the [module docs](self).
pub trait Store: Send + Sync {
    /// Keeps `msg`; returns once it is committed and synced.
    fn put(&self, msg: &Incoming) -> Result<Stored, StoreError>;
    /// Records that message `id` moved to `state`.
    fn set_state(&self, id: i64, state: State) -> Result<(), StoreError>;
    /// Up to `limit` records with an id above `after`, in id order.
    fn list(&self, after: i64, limit: usize) -> Result<Vec<Record>, StoreError>;
    /// The bytes of message `id`, as received.
    fn raw(&self, id: i64) -> Result<Option<Vec<u8>>, StoreError>;
}

/// The embedded default: one SQLite file (WAL journal, `synchronous=FULL`, so each commit is
/// synced). Writes go through one writer thread that commits what has queued up in one
/// transaction: concurrent receivers share each sync (group commit) and each caller still
/// returns only once its message is durable.
pub struct SqliteStore {
    writer: Mutex<Option<mpsc::Sender<Job>>>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    reader: Mutex<Connection>,
    path: PathBuf,
}

struct Job {
    msg: Incoming,
    reply: mpsc::SyncSender<Result<Stored, String>>,
}

/// Most messages committed in one transaction.
const MAX_BATCH: usize = 512;

impl SqliteStore {
    /// Opens (or creates) the store at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore, StoreError> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let writer = open_connection(&path)?;
        writer.execute_batch(
            "CREATE TABLE IF NOT EXISTS messages (
                id INTEGER PRIMARY KEY,
                received_at INTEGER NOT NULL,
                control_id TEXT NOT NULL,
                sender TEXT NOT NULL,
                message_type TEXT NOT NULL,
                peer TEXT,
                state TEXT NOT NULL,
                duplicate_of INTEGER,
                raw BLOB NOT NULL
            );
            CREATE INDEX IF NOT EXISTS messages_by_control_id ON messages (sender, control_id);",
        )?;
        let reader = open_connection(&path)?;
        let (tx, rx) = mpsc::channel::<Job>();
        let thread = std::thread::Builder::new()
            .name("hl7-store-writer".into())
            .spawn(move || write_loop(writer, rx))
            .map_err(|source| StoreError::Io {
                path: path.clone(),
                source,
            })?;
        Ok(SqliteStore {
            writer: Mutex::new(Some(tx)),
            thread: Mutex::new(Some(thread)),
            reader: Mutex::new(reader),
            path,
        })
    }

    /// The file the store is in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn reader(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves the connection usable: SQLite rolls back.
        self.reader.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        // Closing the channel ends the writer once it has committed what is queued.
        self.writer.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(t) = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = t.join();
        }
    }
}

fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    let c = Connection::open(path)?;
    c.busy_timeout(std::time::Duration::from_secs(10))?;
    c.pragma_update(None, "journal_mode", "WAL")?;
    c.pragma_update(None, "synchronous", "FULL")?;
    Ok(c)
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn write_loop(mut conn: Connection, rx: mpsc::Receiver<Job>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        match write_batch(&mut conn, &batch) {
            Ok(stored) => {
                for (job, s) in batch.iter().zip(stored) {
                    let _ = job.reply.send(Ok(s));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, messages = batch.len(), "store commit failed");
                for job in &batch {
                    let _ = job.reply.send(Err(e.to_string()));
                }
            }
        }
    }
}

fn write_batch(conn: &mut Connection, batch: &[Job]) -> Result<Vec<Stored>, rusqlite::Error> {
    let tx = conn.transaction()?;
    let mut out = Vec::with_capacity(batch.len());
    {
        let mut first = tx
            .prepare_cached("SELECT min(id) FROM messages WHERE sender = ?1 AND control_id = ?2")?;
        let mut insert = tx.prepare_cached(
            "INSERT INTO messages (received_at, control_id, sender, message_type, peer, state, duplicate_of, raw)
             VALUES (?1, ?2, ?3, ?4, ?5, 'received', ?6, ?7)",
        )?;
        for job in batch {
            let m = &job.msg;
            // An empty control id identifies nothing: such messages are never duplicates.
            let duplicate_of: Option<i64> = if m.control_id.is_empty() {
                None
            } else {
                first.query_row(params![m.sender, m.control_id], |r| r.get(0))?
            };
            insert.execute(params![
                now_ms(),
                m.control_id,
                m.sender,
                m.message_type,
                m.peer,
                duplicate_of,
                m.raw
            ])?;
            out.push(Stored {
                id: tx.last_insert_rowid(),
                duplicate_of,
            });
        }
    }
    tx.commit()?;
    Ok(out)
}

impl Store for SqliteStore {
    fn put(&self, msg: &Incoming) -> Result<Stored, StoreError> {
        let (reply, answer) = mpsc::sync_channel(1);
        let sender = self
            .writer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or(StoreError::Closed)?;
        sender
            .send(Job {
                msg: msg.clone(),
                reply,
            })
            .map_err(|_| StoreError::Closed)?;
        match answer.recv() {
            Ok(Ok(stored)) => Ok(stored),
            Ok(Err(e)) => Err(StoreError::Commit(e)),
            Err(_) => Err(StoreError::Closed),
        }
    }

    fn set_state(&self, id: i64, state: State) -> Result<(), StoreError> {
        self.reader().execute(
            "UPDATE messages SET state = ?1 WHERE id = ?2",
            params![state.as_str(), id],
        )?;
        Ok(())
    }

    fn list(&self, after: i64, limit: usize) -> Result<Vec<Record>, StoreError> {
        let conn = self.reader();
        let mut q = conn.prepare_cached(
            "SELECT id, received_at, control_id, sender, message_type, peer, state, duplicate_of, length(raw)
             FROM messages WHERE id > ?1 ORDER BY id LIMIT ?2",
        )?;
        let rows = q.query_map(params![after, limit as i64], |r| {
            Ok((
                Record {
                    id: r.get(0)?,
                    received_at_ms: r.get(1)?,
                    control_id: r.get(2)?,
                    sender: r.get(3)?,
                    message_type: r.get(4)?,
                    peer: r.get(5)?,
                    state: State::Received,
                    duplicate_of: r.get(7)?,
                    len: r.get::<_, i64>(8)? as usize,
                },
                r.get::<_, String>(6)?,
            ))
        })?;
        rows.map(|row| {
            let (mut rec, state) = row?;
            rec.state = State::parse(&state)?;
            Ok(rec)
        })
        .collect()
    }

    fn raw(&self, id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .reader()
            .query_row("SELECT raw FROM messages WHERE id = ?1", [id], |r| r.get(0))
            .optional()?)
    }
}
