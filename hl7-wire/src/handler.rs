//! What a receiver does with a message: [`Handler`]s, chosen by message type and event
//! through a [`Router`] (several per message, as a broker does, each with an optional
//! filter). The receiver acknowledges a message only once every handler it was routed to has
//! returned `Ok`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use hl7_model::ack::{Issue, Received};

use crate::store::{Incoming, Store, StoreError};

/// A boxed future, as [`Handler::handle`] returns.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One received message, as handlers see it.
#[derive(Debug, Clone)]
pub struct Inbound {
    /// The bytes as received (the MLLP frame's content, the HTTP body).
    pub raw: Vec<u8>,
    /// The message, parsed.
    pub message: hl7_model::Message,
    /// Its header fields.
    pub header: Received,
    /// The peer's address.
    pub peer: Option<std::net::SocketAddr>,
}

/// Why a handler did not take a message; the answer follows from it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HandlerError {
    /// The message's content is wrong (AE, with table 0357 `code`: 100–103, 204–206).
    #[error("{message} (error {code})")]
    Content { code: u16, message: String },
    /// The message is not one this handler takes (AR, with `code` 200–203).
    #[error("{message} (reject {code})")]
    Reject { code: u16, message: String },
    /// Storing failed (AR 207: the sender keeps the message and sends it again).
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// Anything else that went wrong (AR 207).
    #[error("{0}")]
    Internal(String),
}

impl HandlerError {
    /// The issue an ACK reports for this error.
    pub fn issue(&self) -> Issue {
        match self {
            HandlerError::Content { code, message } | HandlerError::Reject { code, message } => {
                Issue::new(*code, None, message.clone())
            }
            HandlerError::Store(_) | HandlerError::Internal(_) => {
                Issue::new(207, None, self.to_string())
            }
        }
    }
}

/// Takes received messages. Returning `Ok` means the message is in its care: the receiver
/// acknowledges it after that, and not before.
pub trait Handler: Send + Sync + 'static {
    /// Handles one message.
    fn handle<'a>(&'a self, msg: &'a Inbound) -> BoxFuture<'a, Result<(), HandlerError>>;
}

/// A handler from a blocking closure, run on tokio's blocking pool.
pub fn from_fn<F>(f: F) -> FnHandler<F>
where
    F: Fn(&Inbound) -> Result<(), HandlerError> + Send + Sync + 'static,
{
    FnHandler(Arc::new(f))
}

/// See [`from_fn`].
pub struct FnHandler<F>(Arc<F>);

impl<F> Handler for FnHandler<F>
where
    F: Fn(&Inbound) -> Result<(), HandlerError> + Send + Sync + 'static,
{
    fn handle<'a>(&'a self, msg: &'a Inbound) -> BoxFuture<'a, Result<(), HandlerError>> {
        let f = self.0.clone();
        let msg = msg.clone();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || f(&msg))
                .await
                .map_err(|e| HandlerError::Internal(format!("handler panicked: {e}")))?
        })
    }
}

/// The default handler: keeps each message in a [`Store`] (committed and synced before it
/// returns).
#[derive(Clone)]
pub struct StoreHandler(pub Arc<dyn Store>);

impl Handler for StoreHandler {
    fn handle<'a>(&'a self, msg: &'a Inbound) -> BoxFuture<'a, Result<(), HandlerError>> {
        let store = self.0.clone();
        let incoming = Incoming::new(&msg.raw, Some(&msg.header), msg.peer.map(|p| p.to_string()));
        Box::pin(async move {
            let stored = tokio::task::spawn_blocking(move || store.put(&incoming))
                .await
                .map_err(|e| HandlerError::Internal(format!("store panicked: {e}")))??;
            if let Some(first) = stored.duplicate_of {
                tracing::info!(id = stored.id, duplicate_of = first, "stored a duplicate");
            }
            Ok(())
        })
    }
}

/// A predicate a route applies before its handler: `false` drops the message for that
/// handler (it is still acknowledged).
pub type Filter = Arc<dyn Fn(&Inbound) -> bool + Send + Sync>;

struct Route {
    msg_type: Option<String>,
    event: Option<String>,
    filter: Option<Filter>,
    handler: Arc<dyn Handler>,
}

/// Handlers by message type and event.
///
/// ```
/// use hl7_wire::handler::{from_fn, Router};
/// let router = Router::new()
///     .route("ADT^A01", from_fn(|_| Ok(())))
///     .route("ORU", from_fn(|_| Ok(())));
/// assert_eq!(router.len(), 2);
/// ```
#[derive(Default, Clone)]
pub struct Router {
    routes: Vec<Arc<Route>>,
}

impl Router {
    /// A router with no routes: every message gets AR 200.
    pub fn new() -> Router {
        Router::default()
    }

    /// Sends messages matching `key` to `handler`: `"*"` every message, `"ADT"` every event
    /// of a type, `"ADT^A01"` one event. Routes are tried in order; a message goes to every
    /// route that matches.
    pub fn route(self, key: &str, handler: impl Handler) -> Router {
        self.add(key, None, Arc::new(handler))
    }

    /// [`Router::route`], for the messages `filter` keeps.
    pub fn route_filtered(
        self,
        key: &str,
        filter: impl Fn(&Inbound) -> bool + Send + Sync + 'static,
        handler: impl Handler,
    ) -> Router {
        self.add(key, Some(Arc::new(filter)), Arc::new(handler))
    }

    /// [`Router::route`] with a handler already shared.
    pub fn route_shared(self, key: &str, handler: Arc<dyn Handler>) -> Router {
        self.add(key, None, handler)
    }

    fn add(mut self, key: &str, filter: Option<Filter>, handler: Arc<dyn Handler>) -> Router {
        let (msg_type, event) = match key {
            "*" => (None, None),
            k => match k.split_once('^') {
                Some((t, e)) => (Some(t.to_owned()), Some(e.to_owned())),
                None => (Some(k.to_owned()), None),
            },
        };
        self.routes.push(Arc::new(Route {
            msg_type,
            event,
            filter,
            handler,
        }));
        self
    }

    /// How many routes there are.
    pub fn len(&self) -> usize {
        self.routes.len()
    }

    /// Whether there are no routes.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// The handlers `msg` goes to, after filters; the issue to answer with when no route
    /// takes its type (200) or its event (201).
    pub fn handlers_for(&self, msg: &Inbound) -> Result<Vec<Arc<dyn Handler>>, Issue> {
        let (t, e) = (&msg.header.message_type, &msg.header.trigger_event);
        let type_matches = |r: &Route| r.msg_type.as_ref().is_none_or(|rt| rt == t);
        if !self.routes.iter().any(|r| type_matches(r)) {
            return Err(Issue::in_header(
                200,
                9,
                Some(1),
                format!("no handler for message type `{t}`"),
            ));
        }
        let matching: Vec<&Arc<Route>> = self
            .routes
            .iter()
            .filter(|r| type_matches(r) && r.event.as_ref().is_none_or(|re| re == e))
            .collect();
        if matching.is_empty() {
            return Err(Issue::in_header(
                201,
                9,
                Some(2),
                format!("no handler for event `{e}` of `{t}`"),
            ));
        }
        Ok(matching
            .into_iter()
            .filter(|r| r.filter.as_ref().is_none_or(|f| f(msg)))
            .map(|r| r.handler.clone())
            .collect())
    }
}
