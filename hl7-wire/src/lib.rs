//! HL7 v2 on the wire: MLLP framing ([`mllp`], sans-IO), a durable store of received
//! messages ([`store`], SQLite by default), and tokio receivers ([`receiver`], routing to
//! [`handler`]s) and senders ([`sender`]), over TCP or TLS ([`tls`]), and HL7 over HTTP(S)
//! ([`http`]).
//!
//! The guarantee this crate is built around: a receiver acknowledges a message only after its
//! handlers succeeded, and the default handler returns only once the message is committed and
//! synced, so a receiver killed at any instant never loses a message it acknowledged. A sender
//! keeps one message in flight per connection and takes as its ACK only the one whose MSA-2
//! is the message's MSH-10. ACKs themselves are built by [`hl7_model::ack`].
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use std::sync::Arc;
//! use hl7_wire::{handler::{Router, StoreHandler}, receiver::{self, Receiver}, store::SqliteStore};
//!
//! let store = Arc::new(SqliteStore::open("messages.db").expect("store"));
//! let router = Router::new().route("*", StoreHandler(store));
//! let receiver = Receiver::bind("127.0.0.1:2575", router, receiver::Options::default()).await?;
//! receiver.run().await
//! # }
//! ```

#![forbid(unsafe_code)]

pub mod handler;
pub mod http;
pub mod mllp;
pub mod receiver;
pub mod sender;
pub mod store;
pub mod tls;
