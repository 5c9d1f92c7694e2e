//! MLLP framing, sans-IO: bytes in, frames out, no socket involved.
//!
//! A frame is `0x0B`, the message, `0x1C 0x0D`. Framing works on bytes only: the three
//! framing bytes cannot occur inside a message in any character set HL7 allows (they are C0
//! controls, and no multi-byte encoding HL7 names uses them as trail bytes), so the decoder
//! never needs to know the charset.
//!
//! The [`Decoder`] takes whatever each read returned ([`Decoder::feed`]) and gives back
//! events ([`Decoder::next_event`]): a frame, once its end byte has arrived, whatever the
//! reads' boundaries; and, in tolerant mode, what it skipped. Strict mode refuses what tolerant
//! mode reports:
//! - bytes outside a frame (garbage, or a CR LF between frames) — [`Event::Garbage`];
//! - a frame end `0x1C` not followed by `0x0D` — [`Event::MissingEndCr`];
//! - a start byte inside a frame: the partial frame is dropped as garbage and a new one
//!   starts (a sender that restarted mid-frame).
//!
//! A frame longer than [`Options::max_frame`] is refused in both modes as soon as it grows
//! past the limit ([`FrameError::Oversized`]); its remaining bytes are skipped up to its end
//! byte, so memory stays bounded. After any error the decoder carries on at the next frame.
//!
//! ```
//! use hl7_wire::mllp::{encode, Decoder, Event, Options};
//!
//! let wire = encode(b"MSH|^~\\&|A\r").unwrap();
//! let mut d = Decoder::new(Options::default());
//! d.feed(&wire[..4]); // a frame split across reads
//! assert_eq!(d.next_event().unwrap(), None);
//! d.feed(&wire[4..]);
//! assert_eq!(d.next_event().unwrap(), Some(Event::Frame(b"MSH|^~\\&|A\r".to_vec())));
//! assert_eq!(d.next_event().unwrap(), None);
//! ```

/// Start of block.
pub const START: u8 = 0x0B;
/// End of block.
pub const END: u8 = 0x1C;
/// The carriage return that follows the end of block.
pub const CR: u8 = 0x0D;

/// How a [`Decoder`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Longest message accepted, in bytes (framing bytes not counted).
    pub max_frame: usize,
    /// Whether garbage between frames, a missing CR after the end byte and a restarted frame
    /// are reported as events rather than refused as errors.
    pub tolerant: bool,
}

impl Default for Options {
    /// 16 MiB frames (the parser's default message limit), tolerant.
    fn default() -> Self {
        Options {
            max_frame: 16 * 1024 * 1024,
            tolerant: true,
        }
    }
}

/// What the decoder found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// One message, the bytes between the framing bytes, as received.
    Frame(Vec<u8>),
    /// Tolerant mode: this many bytes outside any frame were skipped (or a partial frame cut
    /// short by a new start byte).
    Garbage(usize),
    /// Tolerant mode: the frame before had no CR after its end byte.
    MissingEndCr,
}

/// What strict mode refuses, and the size limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    #[error("a frame is longer than the limit of {limit} bytes")]
    Oversized { limit: usize },
    #[error("{len} byte(s) outside any frame")]
    Garbage { len: usize },
    #[error("a frame end (0x1C) not followed by a CR")]
    MissingEndCr,
    #[error("a start byte inside a frame: {dropped} byte(s) of the frame dropped")]
    Restarted { dropped: usize },
    #[error("the stream ended inside a frame ({len} byte(s) of it received)")]
    Truncated { len: usize },
}

/// A message holds an MLLP framing byte and cannot be framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the message holds framing byte {byte:#04x} at {at}")]
pub struct EncodeError {
    pub byte: u8,
    pub at: usize,
}

/// The message framed: `0x0B`, `message`, `0x1C 0x0D`.
pub fn encode(message: &[u8]) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::with_capacity(message.len() + 3);
    encode_into(message, &mut out)?;
    Ok(out)
}

/// [`encode`], appending to `out` (nothing is appended on error).
pub fn encode_into(message: &[u8], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    if let Some(at) = memchr::memchr2(START, END, message) {
        return Err(EncodeError {
            byte: message[at],
            at,
        });
    }
    out.reserve(message.len() + 3);
    out.push(START);
    out.extend_from_slice(message);
    out.extend_from_slice(&[END, CR]);
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between frames.
    Outside,
    /// Inside a frame that started at `buf[start]`; `buf[start..scanned]` holds no END or
    /// START.
    Inside { start: usize, scanned: usize },
    /// Skipping the rest of an oversized frame, up to its end byte or a new start byte.
    Discarding,
    /// Right after an END byte: a CR is expected.
    AfterEnd,
}

/// The streaming MLLP decoder; see the [module docs](self).
#[derive(Debug, Clone)]
pub struct Decoder {
    opts: Options,
    buf: Vec<u8>,
    /// Bytes of `buf` already consumed.
    pos: usize,
    state: State,
    /// The first segment of the last oversized frame, when it fitted in [`HEAD_LIMIT`].
    oversized_head: Option<Vec<u8>>,
}

/// The most of an oversized frame kept to identify it: its MSH segment, when that ends
/// (CR or LF) within this many bytes.
pub const HEAD_LIMIT: usize = 4096;

impl Decoder {
    /// A decoder reading with `opts`.
    pub fn new(opts: Options) -> Decoder {
        Decoder {
            opts,
            buf: Vec::new(),
            pos: 0,
            state: State::Outside,
            oversized_head: None,
        }
    }

    /// The first segment (up to and including its CR) of the frame the last
    /// [`FrameError::Oversized`] refused, when it ends within [`HEAD_LIMIT`] bytes: enough
    /// to read its MSH and answer it with a reject. Taken once.
    ///
    /// ```
    /// use hl7_wire::mllp::{encode, Decoder, FrameError, Options};
    ///
    /// let big = format!("MSH|^~\\&|A||B||20240101||ADT^A01|42|P|2.5\rNTE|1||{}\r", "x".repeat(100));
    /// let mut d = Decoder::new(Options { max_frame: 64, ..Options::default() });
    /// d.feed(&encode(big.as_bytes()).unwrap());
    /// assert_eq!(d.next_event(), Err(FrameError::Oversized { limit: 64 }));
    /// assert!(d.take_oversized_head().unwrap().starts_with(b"MSH|^~\\&|A||B|"));
    /// assert_eq!(d.take_oversized_head(), None);
    /// ```
    pub fn take_oversized_head(&mut self) -> Option<Vec<u8>> {
        self.oversized_head.take()
    }

    /// Keeps the first segment of the oversized frame starting at `buf[start]`.
    fn keep_head(&mut self, start: usize, end: usize) {
        let window = &self.buf[start..end.min(start + HEAD_LIMIT)];
        self.oversized_head = memchr::memchr2(b'\r', b'\n', window).map(|i| window[..=i].to_vec());
    }

    /// The options this decoder reads with.
    pub fn options(&self) -> Options {
        self.opts
    }

    /// Appends bytes as read from the connection.
    pub fn feed(&mut self, data: &[u8]) {
        self.compact();
        self.buf.extend_from_slice(data);
    }

    /// Whether the decoder is inside a frame (a connection closed now would cut it).
    pub fn in_frame(&self) -> bool {
        matches!(self.state, State::Inside { .. })
    }

    /// Bytes held: the part of a frame received so far, and what was fed but not yet read.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Drops consumed bytes so the buffer holds at most one partial frame.
    fn compact(&mut self) {
        if self.pos == 0 {
            return;
        }
        self.buf.drain(..self.pos);
        if let State::Inside { start, scanned } = &mut self.state {
            *start -= self.pos;
            *scanned -= self.pos;
        }
        self.pos = 0;
    }

    /// The next event from the bytes fed so far; `Ok(None)` when more bytes are needed.
    pub fn next_event(&mut self) -> Result<Option<Event>, FrameError> {
        loop {
            let len = self.buf.len();
            match self.state {
                State::AfterEnd => {
                    if self.pos == len {
                        return Ok(None);
                    }
                    self.state = State::Outside;
                    if self.buf[self.pos] == CR {
                        self.pos += 1;
                        continue;
                    }
                    return self.refuse(FrameError::MissingEndCr, Event::MissingEndCr);
                }
                State::Outside => {
                    if self.pos == len {
                        return Ok(None);
                    }
                    let rest = &self.buf[self.pos..];
                    match memchr::memchr(START, rest) {
                        Some(0) => {
                            self.pos += 1;
                            self.state = State::Inside {
                                start: self.pos,
                                scanned: self.pos,
                            };
                        }
                        found => {
                            let skipped = found.unwrap_or(rest.len());
                            self.pos += skipped;
                            return self.refuse(
                                FrameError::Garbage { len: skipped },
                                Event::Garbage(skipped),
                            );
                        }
                    }
                }
                State::Inside { start, scanned } => {
                    match memchr::memchr2(END, START, &self.buf[scanned..]) {
                        Some(i) if self.buf[scanned + i] == END => {
                            let end = scanned + i;
                            if end - start > self.opts.max_frame {
                                self.keep_head(start, end);
                                self.pos = end + 1;
                                self.state = State::AfterEnd;
                                return Err(FrameError::Oversized {
                                    limit: self.opts.max_frame,
                                });
                            }
                            let frame = self.buf[start..end].to_vec();
                            self.pos = end + 1;
                            self.state = State::AfterEnd;
                            return Ok(Some(Event::Frame(frame)));
                        }
                        Some(i) => {
                            // A start byte inside the frame: what came before it is dropped.
                            let at = scanned + i;
                            let dropped = at - start + 1;
                            if at - start > self.opts.max_frame {
                                // Reported as oversized, as it is when the start byte comes
                                // in a later read.
                                self.keep_head(start, at);
                                self.pos = at;
                                self.state = State::Discarding;
                                return Err(FrameError::Oversized {
                                    limit: self.opts.max_frame,
                                });
                            }
                            self.pos = at + 1;
                            self.state = State::Inside {
                                start: self.pos,
                                scanned: self.pos,
                            };
                            return self.refuse(
                                FrameError::Restarted { dropped },
                                Event::Garbage(dropped),
                            );
                        }
                        None => {
                            if len - start > self.opts.max_frame {
                                self.keep_head(start, len);
                                self.pos = len;
                                self.state = State::Discarding;
                                return Err(FrameError::Oversized {
                                    limit: self.opts.max_frame,
                                });
                            }
                            self.state = State::Inside {
                                start,
                                scanned: len,
                            };
                            return Ok(None);
                        }
                    }
                }
                State::Discarding => match memchr::memchr2(END, START, &self.buf[self.pos..]) {
                    Some(i) if self.buf[self.pos + i] == END => {
                        self.pos += i + 1;
                        self.state = State::AfterEnd;
                    }
                    Some(i) => {
                        // The oversized frame was cut short by a new one.
                        self.pos += i + 1;
                        self.state = State::Inside {
                            start: self.pos,
                            scanned: self.pos,
                        };
                    }
                    None => {
                        self.pos = len;
                        return Ok(None);
                    }
                },
            }
        }
    }

    /// Tolerant mode reports `event`; strict mode refuses with `error`.
    fn refuse(&self, error: FrameError, event: Event) -> Result<Option<Event>, FrameError> {
        if self.opts.tolerant {
            Ok(Some(event))
        } else {
            Err(error)
        }
    }

    /// The end of the stream: an error when it cut a frame short, and in strict mode when the
    /// last frame had no CR after its end byte; tolerant mode reports the latter as an event.
    /// The decoder is empty afterwards.
    pub fn finish(&mut self) -> Result<Option<Event>, FrameError> {
        let state = std::mem::replace(&mut self.state, State::Outside);
        let held = self.buf.len();
        self.buf.clear();
        self.pos = 0;
        match state {
            State::Inside { start, .. } => Err(FrameError::Truncated { len: held - start }),
            // The frame was refused as oversized already.
            State::Discarding | State::Outside => Ok(None),
            State::AfterEnd => self.refuse(FrameError::MissingEndCr, Event::MissingEndCr),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(opts: Options, input: &[u8]) -> Vec<Result<Event, FrameError>> {
        let mut d = Decoder::new(opts);
        d.feed(input);
        let mut out = Vec::new();
        loop {
            match d.next_event() {
                Ok(Some(e)) => out.push(Ok(e)),
                Ok(None) => break,
                Err(e) => out.push(Err(e)),
            }
        }
        match d.finish() {
            Ok(Some(e)) => out.push(Ok(e)),
            Ok(None) => {}
            Err(e) => out.push(Err(e)),
        }
        out
    }

    const STRICT: Options = Options {
        max_frame: 64,
        tolerant: false,
    };
    const TOLERANT: Options = Options {
        max_frame: 64,
        tolerant: true,
    };

    #[test]
    fn strict_refuses_what_tolerant_reports() {
        let input = b"xx\x0bA\x1c\r\r\n\x0bB\x1c\x0bC\x1c";
        assert_eq!(
            events(TOLERANT, input),
            [
                Ok(Event::Garbage(2)),
                Ok(Event::Frame(b"A".to_vec())),
                Ok(Event::Garbage(2)),
                Ok(Event::Frame(b"B".to_vec())),
                Ok(Event::MissingEndCr),
                Ok(Event::Frame(b"C".to_vec())),
                Ok(Event::MissingEndCr),
            ]
        );
        assert_eq!(
            events(STRICT, input),
            [
                Err(FrameError::Garbage { len: 2 }),
                Ok(Event::Frame(b"A".to_vec())),
                Err(FrameError::Garbage { len: 2 }),
                Ok(Event::Frame(b"B".to_vec())),
                Err(FrameError::MissingEndCr),
                Ok(Event::Frame(b"C".to_vec())),
                Err(FrameError::MissingEndCr),
            ]
        );
    }

    #[test]
    fn oversized_frames_are_refused_and_skipped() {
        let mut input = vec![START];
        input.extend(std::iter::repeat_n(b'x', 100));
        input.extend_from_slice(&[END, CR, START, b'o', b'k', END, CR]);
        assert_eq!(
            events(STRICT, &input),
            [
                Err(FrameError::Oversized { limit: 64 }),
                Ok(Event::Frame(b"ok".to_vec()))
            ]
        );
        // Exactly at the limit is accepted.
        let mut at_limit = vec![START];
        at_limit.extend(std::iter::repeat_n(b'x', 64));
        at_limit.extend_from_slice(&[END, CR]);
        assert!(matches!(&events(STRICT, &at_limit)[..], [Ok(Event::Frame(f))] if f.len() == 64));
    }

    #[test]
    fn memory_stays_bounded_while_an_oversized_frame_streams_in() {
        let mut d = Decoder::new(STRICT);
        d.feed(&[START]);
        let mut refused = 0;
        for _ in 0..1000 {
            d.feed(&[b'x'; 100]);
            loop {
                match d.next_event() {
                    Ok(None) => break,
                    r => refused += usize::from(r.is_err()),
                }
            }
            assert!(d.buffered() <= 200, "{}", d.buffered());
        }
        assert_eq!(refused, 1);
    }

    #[test]
    fn restarted_and_truncated_frames() {
        assert_eq!(
            events(TOLERANT, b"\x0bhalf\x0bwhole\x1c\r\x0bcut"),
            [
                Ok(Event::Garbage(5)),
                Ok(Event::Frame(b"whole".to_vec())),
                Err(FrameError::Truncated { len: 3 }),
            ]
        );
        assert_eq!(
            events(STRICT, b"\x0bhalf\x0bwhole\x1c\r"),
            [
                Err(FrameError::Restarted { dropped: 5 }),
                Ok(Event::Frame(b"whole".to_vec())),
            ]
        );
    }

    #[test]
    fn encoding_refuses_framing_bytes() {
        assert_eq!(encode(b"A\x1cB"), Err(EncodeError { byte: END, at: 1 }));
        assert_eq!(encode(b"AB").unwrap(), b"\x0bAB\x1c\r");
    }
}
