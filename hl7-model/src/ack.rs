//! Acknowledgements (ACK/NAK) for received messages, by version, with no network involved.
//!
//! The header of the received message is read straight from its bytes ([`Received::read`]),
//! so that a message which does not parse, cannot be decoded past its header, or names a
//! version this build lacks can still be answered; the message itself is read as
//! `hl7_model::parse` reads bytes, by its MSH-18 character sets. The ACK ([`Ack`]) then:
//! - swaps sending and receiving application and facility (MSH-3..6 echoed verbatim, escapes
//!   and components included), keeps the received delimiters, MSH-11 and MSH-12 (a received
//!   delimiter that is not ASCII is not kept: the answer is then written with `|^~\&`, what
//!   it echoes re-delimited, so that its MSH-18 can be read from its bytes);
//! - is `ACK^<trigger>`, with the `ACK` structure in MSH-9.3 from 2.3.1 on, where MSH-9 has it;
//! - carries MSA-1 (AA/AE/AR, or CA/CE/CR in enhanced mode), MSA-2 = the received MSH-10,
//!   MSA-3 an optional text;
//! - reports each [`Issue`] in ERR as its version defines it: up to 2.4 one ERR whose ERR-1
//!   (error code and location, repeating) holds `segment^sequence^field^code&text&HL70357`;
//!   from 2.5 one ERR per issue with ERR-2 (ERL location), ERR-3 (table 0357 code), ERR-4
//!   (severity) and ERR-8 (the message for a person).
//!
//! [`Checks`] gives the issues of the cases a receiver reports (table 0357: 101 required header
//! field missing, 103 application not recognized, 200/201 unsupported type/event, 202/203
//! unsupported processing id/version, plus the validation findings 100–103), and
//! [`Checks::acknowledge`] turns received bytes into the message and its ACK in one call.
//!
//! ```
//! # #[cfg(feature = "v2_5")] {
//! use hl7_model::ack::{Ack, AckCode, Issue, Received};
//!
//! let sent = b"MSH|^~\\&|ADT|HOSP|LAB|HOSP|20240101120000||ADT^A01^ADT_A01|MSG1|P|2.5\rPID|1\r";
//! let received = Received::read(sent).unwrap();
//! let ack = Ack::new(&received, AckCode::AE)
//!     .control_id("ACK1")
//!     .timestamp("20240101120001")
//!     .issue(Issue::new(207, None, "no handler configured"));
//! assert_eq!(
//!     ack.to_er7(),
//!     "MSH|^~\\&|LAB|HOSP|ADT|HOSP|20240101120001||ACK^A01^ACK|ACK1|P|2.5\r\
//!      MSA|AE|MSG1\r\
//!      ERR|||207^Application internal error^HL70357|E||||no handler configured\r"
//! );
//! # }
//! ```

use std::fmt::Write as _;

use crate::delimiters::Delimiters;
use crate::er7::escape::escape;
use crate::message::{Message, ParseError, ParseOptions};
use crate::validate::{Location, Severity};

/// Why a message cannot be answered: its header could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AckError {
    #[error("no MSH segment in the first line")]
    NoHeader,
    #[error("the MSH delimiters are not usable: {0}")]
    Delimiters(#[from] crate::delimiters::DelimiterError),
    #[error(
        "the MSH segment is neither UTF-8 nor in the character set its MSH-18 declares (from byte {valid_up_to})"
    )]
    HeaderUndecodable { valid_up_to: usize },
}

/// MSA-1: the acknowledgement code (HL7 table 0008).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AckCode {
    /// Application accept.
    AA,
    /// Application error: the message was received but its content has errors.
    AE,
    /// Application reject: the message is not one this receiver handles (type, event,
    /// version, processing id), or it could not be processed for reasons unrelated to its
    /// content.
    AR,
    /// Enhanced mode: commit accept (the message is safely stored).
    CA,
    /// Enhanced mode: commit error.
    CE,
    /// Enhanced mode: commit reject.
    CR,
}

impl AckCode {
    /// The code as written in MSA-1.
    pub fn as_str(self) -> &'static str {
        match self {
            AckCode::AA => "AA",
            AckCode::AE => "AE",
            AckCode::AR => "AR",
            AckCode::CA => "CA",
            AckCode::CE => "CE",
            AckCode::CR => "CR",
        }
    }

    /// Reads an MSA-1 value.
    pub fn parse(s: &str) -> Option<AckCode> {
        Some(match s {
            "AA" => AckCode::AA,
            "AE" => AckCode::AE,
            "AR" => AckCode::AR,
            "CA" => AckCode::CA,
            "CE" => AckCode::CE,
            "CR" => AckCode::CR,
            _ => return None,
        })
    }

    /// Whether the code says the message was accepted (AA, CA).
    pub fn is_accept(self) -> bool {
        matches!(self, AckCode::AA | AckCode::CA)
    }
}

impl std::fmt::Display for AckCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text HL7 table 0357 gives an error code; `None` for codes outside the table.
pub fn error_text(code: u16) -> Option<&'static str> {
    Some(match code {
        0 => "Message accepted",
        100 => "Segment sequence error",
        101 => "Required field missing",
        102 => "Data type error",
        103 => "Table value not found",
        200 => "Unsupported message type",
        201 => "Unsupported event code",
        202 => "Unsupported processing id",
        203 => "Unsupported version id",
        204 => "Unknown key identifier",
        205 => "Duplicate key identifier",
        206 => "Application record locked",
        207 => "Application internal error",
        _ => return None,
    })
}

/// One thing to report in ERR: a table 0357 code, its severity (ERR-4), where (ERR-2, or the
/// location part of ERR-1 before 2.5) and a message for a person (ERR-8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub code: u16,
    pub severity: Severity,
    pub location: Option<Location>,
    pub message: String,
}

impl Issue {
    /// An error of `code` at `location`.
    pub fn new(code: u16, location: Option<Location>, message: impl Into<String>) -> Issue {
        Issue {
            code,
            severity: Severity::Error,
            location,
            message: message.into(),
        }
    }

    /// An error at MSH field `field`, component `component` of its first repetition when
    /// given (`MSH^1^9^1^2`, `MSH^1^11`).
    pub fn in_header(
        code: u16,
        field: u32,
        component: Option<u32>,
        message: impl Into<String>,
    ) -> Issue {
        Issue::new(
            code,
            Some(Location {
                segment: "MSH".to_owned(),
                sequence: 1,
                field: Some(field),
                repetition: component.map(|_| 1),
                component,
                subcomponent: None,
            }),
            message,
        )
    }

    /// Whether this issue makes the answer a reject (AR, or CR in enhanced mode) rather than
    /// an error: the message is of a type, event, processing id or version this receiver
    /// does not handle (200–203), its sending or receiving application is not one it knows
    /// (103 in MSH-3 or MSH-5), or it could not be processed at all (207).
    pub fn rejects(&self) -> bool {
        if self.severity != Severity::Error {
            return false;
        }
        match self.code {
            200..=203 | 207 => true,
            103 => self.location.as_ref().is_some_and(|l| {
                l.segment == "MSH" && l.sequence == 1 && matches!(l.field, Some(3 | 5))
            }),
            _ => false,
        }
    }
}

impl From<crate::validate::Finding> for Issue {
    fn from(f: crate::validate::Finding) -> Issue {
        Issue {
            code: f.code,
            severity: f.severity,
            location: Some(f.location),
            message: f.message,
        }
    }
}

/// When an enhanced-mode acknowledgement is wanted (MSH-15 and MSH-16, HL7 table 0155).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Condition {
    /// `AL`, and an empty field in enhanced mode.
    Always,
    /// `NE`.
    Never,
    /// `ER`: only on error or reject.
    OnError,
    /// `SU`: only on success.
    OnSuccess,
}

impl Condition {
    fn read(field: &str) -> Condition {
        match field {
            "NE" => Condition::Never,
            "ER" => Condition::OnError,
            "SU" => Condition::OnSuccess,
            _ => Condition::Always,
        }
    }

    /// Whether an acknowledgement of `code` is sent under this condition.
    pub fn wants(self, code: AckCode) -> bool {
        match self {
            Condition::Always => true,
            Condition::Never => false,
            Condition::OnError => !code.is_accept(),
            Condition::OnSuccess => code.is_accept(),
        }
    }
}

/// The acknowledgement mode a message asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AckMode {
    /// MSH-15 and MSH-16 both empty: one ACK (AA/AE/AR) after the message is processed.
    Original,
    /// MSH-15 or MSH-16 valued: a commit ACK (CA/CE/CR) once the message is safely stored,
    /// under `accept`; an application ACK later, under `application`, as a message of its
    /// own.
    Enhanced {
        accept: Condition,
        application: Condition,
    },
}

/// The header fields of a received message that its answer needs, read from its MSH line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub delimiters: Delimiters,
    /// MSH-3..MSH-6 as sent (ER7, escapes kept).
    pub sending_application: String,
    pub sending_facility: String,
    pub receiving_application: String,
    pub receiving_facility: String,
    /// MSH-7 as sent.
    pub timestamp: String,
    /// MSH-9.1 and MSH-9.2 (unescaped as sent: codes hold no delimiters).
    pub message_type: String,
    pub trigger_event: String,
    /// MSH-10 as sent (ER7).
    pub control_id: String,
    /// MSH-11 as sent (ER7, the mode component kept).
    pub processing_id: String,
    /// MSH-12.1.
    pub version: String,
    /// MSH-15 and MSH-16.
    pub accept_ack_type: String,
    pub application_ack_type: String,
    /// MSH-18 as sent (ER7): the character sets the answer is written in too.
    pub charset: String,
}

impl Received {
    /// Reads the header of `bytes`, one message (an MLLP frame's content, or text): the first
    /// line must be an MSH segment (a byte order mark, MLLP start byte and blank lines ahead
    /// of it are skipped). Only that line is decoded: as UTF-8, or else in the character set
    /// its MSH-18 declares (a Latin-1 `HÔPITAL` in MSH-4 is read, and answered in Latin-1).
    ///
    /// ```
    /// use hl7_model::ack::{AckMode, Condition, Received};
    /// let r = Received::read(b"MSH|^~\\&|A|F|B|G|20240101||ORU^R01|42|P|2.5.1|||AL|NE\rOBX|\xe9\r").unwrap();
    /// assert_eq!((r.control_id.as_str(), r.trigger_event.as_str()), ("42", "R01"));
    /// assert_eq!(r.mode(), AckMode::Enhanced { accept: Condition::Always, application: Condition::Never });
    /// assert!(Received::read(b"PID|1\r").is_err());
    /// ```
    pub fn read(bytes: &[u8]) -> Result<Received, AckError> {
        let start = bytes
            .iter()
            .position(|b| !matches!(b, 0x0B | b'\r' | b'\n' | b' ' | b'\t'))
            .unwrap_or(bytes.len());
        let mut rest = &bytes[start..];
        if let Some(r) = rest.strip_prefix(b"\xEF\xBB\xBF") {
            rest = r;
        }
        let end = rest
            .iter()
            .position(|b| matches!(b, b'\r' | b'\n' | 0x1C))
            .unwrap_or(rest.len());
        let line = &rest[..end];
        // ISO 2022 escape sequences are 7-bit, so valid UTF-8: only the decoder reads them.
        if let Ok(text) = std::str::from_utf8(line)
            && !text.contains(ESC)
        {
            return Received::from_header_line(text);
        }
        match crate::charset::decode(line, &Default::default()) {
            Ok(decoded) => Received::from_header_line(&decoded.text),
            Err(_) => Err(AckError::HeaderUndecodable {
                valid_up_to: start
                    + line
                        .iter()
                        .position(|&b| b >= 0x80 || b == ESC as u8)
                        .unwrap_or(0),
            }),
        }
    }

    /// [`Received::read`] for a header that cannot be decoded (bytes above 0x7F that MSH-18
    /// does not declare, ISO 2022 escapes it does not allow): each undecodable byte, and each
    /// escape character, becomes U+FFFD, so that the answer still
    /// echoes the control ID (ASCII in every real feed) and names the sender as near as it
    /// can. Only for answering: the message itself is refused.
    pub fn read_lossy(bytes: &[u8]) -> Result<Received, AckError> {
        match Received::read(bytes) {
            Err(AckError::HeaderUndecodable { .. }) => {
                let text = String::from_utf8_lossy(bytes).replace(ESC, "\u{fffd}");
                Received::read(text.as_bytes())
            }
            other => other,
        }
    }

    /// The same header written with delimiters `d`: the fields kept as sent (MSH-3..6, -10,
    /// -11, -18) re-delimited ([`crate::er7::escape::redelimit`]), so they read the same.
    ///
    /// ```
    /// use hl7_model::ack::Received;
    /// use hl7_model::delimiters::Delimiters;
    /// let r = Received::read(b"MSH#$%@!#APP$X#FAC##############UNICODE UTF-8\rPID#1\r").unwrap();
    /// let std = r.with_delimiters(Delimiters::default());
    /// assert_eq!(std.sending_application, "APP^X");
    /// assert_eq!(std.charset, "UNICODE UTF-8");
    /// ```
    pub fn with_delimiters(&self, d: Delimiters) -> Received {
        let re = |s: &str| crate::er7::escape::redelimit(s, &self.delimiters, &d).into_owned();
        Received {
            delimiters: d,
            sending_application: re(&self.sending_application),
            sending_facility: re(&self.sending_facility),
            receiving_application: re(&self.receiving_application),
            receiving_facility: re(&self.receiving_facility),
            timestamp: re(&self.timestamp),
            message_type: self.message_type.clone(),
            trigger_event: self.trigger_event.clone(),
            control_id: re(&self.control_id),
            processing_id: re(&self.processing_id),
            version: self.version.clone(),
            accept_ack_type: re(&self.accept_ack_type),
            application_ack_type: re(&self.application_ack_type),
            charset: re(&self.charset),
        }
    }

    /// The header of a parsed message.
    pub fn of(message: &Message) -> Result<Received, AckError> {
        let line = message
            .get_er7("MSH")
            .ok()
            .flatten()
            .ok_or(AckError::NoHeader)?;
        Received::from_header_line(&line)
    }

    fn from_header_line(line: &str) -> Result<Received, AckError> {
        if !line.starts_with("MSH") {
            return Err(AckError::NoHeader);
        }
        let delimiters = Delimiters::from_header(line)?;
        let f = delimiters.field;
        // After `MSH|`, field i of the split is MSH-(i+2).
        let fields: Vec<&str> = line[3 + f.len_utf8()..].split(f).collect();
        let field = |n: usize| fields.get(n - 2).copied().unwrap_or("").to_owned();
        let msh9 = field(9);
        let component = |value: &str, i: usize| {
            value
                .split(delimiters.component)
                .nth(i)
                .unwrap_or("")
                .to_owned()
        };
        Ok(Received {
            delimiters,
            sending_application: field(3),
            sending_facility: field(4),
            receiving_application: field(5),
            receiving_facility: field(6),
            timestamp: field(7),
            message_type: component(&msh9, 0),
            trigger_event: component(&msh9, 1),
            control_id: field(10),
            processing_id: field(11),
            version: component(&field(12), 0),
            accept_ack_type: field(15),
            application_ack_type: field(16),
            charset: field(18),
        })
    }

    /// The header an answer uses when nothing could be read from the message: standard
    /// delimiters, version `version`, every other field empty (MSA-2 then stays empty).
    pub fn unidentified(version: &str) -> Received {
        Received {
            delimiters: Delimiters::default(),
            sending_application: String::new(),
            sending_facility: String::new(),
            receiving_application: String::new(),
            receiving_facility: String::new(),
            timestamp: String::new(),
            message_type: String::new(),
            trigger_event: String::new(),
            control_id: String::new(),
            processing_id: "P".to_owned(),
            version: version.to_owned(),
            accept_ack_type: String::new(),
            application_ack_type: String::new(),
            charset: String::new(),
        }
    }

    /// The acknowledgement mode MSH-15 and MSH-16 ask for.
    pub fn mode(&self) -> AckMode {
        if self.accept_ack_type.is_empty() && self.application_ack_type.is_empty() {
            AckMode::Original
        } else {
            AckMode::Enhanced {
                accept: Condition::read(&self.accept_ack_type),
                application: Condition::read(&self.application_ack_type),
            }
        }
    }
}

/// `2.5.1` → `[2, 5, 1]`.
fn version_key(s: &str) -> Vec<u32> {
    s.trim()
        .trim_start_matches(['v', 'V'])
        .split('.')
        .map_while(|p| p.parse().ok())
        .collect()
}

/// Whether `version` has ERR-2..ERR-8 (2.5 on) rather than ERR-1 alone. A version that
/// cannot be read is answered as 2.5.
fn has_err_fields(version: &str) -> bool {
    let key = version_key(version);
    key.len() < 2 || key >= vec![2, 5]
}

/// The ISO 2022 escape character, which starts a switch of character set.
const ESC: char = '\u{1b}';

/// Whether MSH-18 `msh18` is valued and names only table 0211 sets this toolkit writes (an
/// empty first repetition is the default, ASCII).
fn writable(msh18: &str, repetition: char) -> bool {
    !msh18.is_empty()
        && msh18.split(repetition).enumerate().all(|(i, code)| {
            (i == 0 && code.is_empty())
                || crate::charset::Charset::by_hl7(code).is_some_and(|c| c.supported())
        })
}

/// Whether MSH-9 has its third component, the message structure (2.3.1 on).
fn has_structure_component(version: &str) -> bool {
    let key = version_key(version);
    key.len() < 2 || key >= vec![2, 3, 1]
}

/// An acknowledgement of one received message; see the [module docs](self).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ack {
    received: Received,
    code: AckCode,
    text: Option<String>,
    issues: Vec<Issue>,
    control_id: Option<String>,
    timestamp: Option<String>,
}

impl Ack {
    /// An acknowledgement of `received` with MSA-1 `code`.
    pub fn new(received: &Received, code: AckCode) -> Ack {
        Ack {
            received: received.clone(),
            code,
            text: None,
            issues: Vec::new(),
            control_id: None,
            timestamp: None,
        }
    }

    /// The original-mode answer to `received` given `issues`: AR when any rejects
    /// ([`Issue::rejects`]), AE when any other is an error, AA otherwise; every issue in ERR.
    pub fn original(received: &Received, issues: Vec<Issue>) -> Ack {
        let code = if issues.iter().any(Issue::rejects) {
            AckCode::AR
        } else if issues.iter().any(|i| i.severity == Severity::Error) {
            AckCode::AE
        } else {
            AckCode::AA
        };
        Ack {
            issues,
            ..Ack::new(received, code)
        }
    }

    /// The enhanced-mode commit acknowledgement given `issues`: CR when any rejects, CE when
    /// any other is an error (the message could not be stored), CA otherwise.
    pub fn commit(received: &Received, issues: Vec<Issue>) -> Ack {
        let code = if issues.iter().any(Issue::rejects) {
            AckCode::CR
        } else if issues.iter().any(|i| i.severity == Severity::Error) {
            AckCode::CE
        } else {
            AckCode::CA
        };
        Ack {
            issues,
            ..Ack::new(received, code)
        }
    }

    /// MSA-1.
    pub fn code(&self) -> AckCode {
        self.code
    }

    /// The issues ERR reports.
    pub fn issues(&self) -> &[Issue] {
        &self.issues
    }

    /// MSA-3, a text for a person (escaped when written).
    pub fn text(mut self, text: impl Into<String>) -> Ack {
        self.text = Some(text.into());
        self
    }

    /// Adds an issue to ERR (MSA-1 is left as it is).
    pub fn issue(mut self, issue: Issue) -> Ack {
        self.issues.push(issue);
        self
    }

    /// The ACK's own MSH-10; by default [`crate::build::next_control_id`].
    pub fn control_id(mut self, id: impl Into<String>) -> Ack {
        self.control_id = Some(id.into());
        self
    }

    /// MSH-7 as written; by default the current UTC time with offset `+0000`.
    pub fn timestamp(mut self, ts: impl Into<String>) -> Ack {
        self.timestamp = Some(ts.into());
        self
    }

    /// MSH-18 of the answer (ER7): the character sets it is written in. By default the
    /// received message's; `""` for none (ASCII), `UNICODE UTF-8` for text no other set
    /// holds.
    pub fn charset(mut self, msh18: impl Into<String>) -> Ack {
        self.received.charset = msh18.into();
        self
    }

    /// The ACK as bytes in the character sets its MSH-18 declares (the received message's),
    /// as it goes on the wire. A character those sets cannot hold is an error
    /// ([`crate::charset::CharsetError::Unrepresentable`]); [`Ack::charset`] with
    /// `UNICODE UTF-8` then writes it.
    ///
    /// ```
    /// # #[cfg(feature = "v2_5")] {
    /// use hl7_model::ack::{AckCode, Ack, Received};
    /// let r = Received::read(b"MSH|^~\\&|A|H\xd4PITAL|B|G|20240101||ADT^A01|42|P|2.5||||||8859/1\r").unwrap();
    /// assert_eq!(r.sending_facility, "HÔPITAL");
    /// let bytes = Ack::new(&r, AckCode::AA).timestamp("20240101").control_id("1").to_bytes().unwrap();
    /// assert!(bytes.starts_with(b"MSH|^~\\&|B|G|A|H\xd4PITAL|"));
    /// # }
    /// ```
    pub fn to_bytes(&self) -> Result<Vec<u8>, crate::charset::CharsetError> {
        crate::charset::encode(&self.to_er7(), &Default::default())
    }

    /// The ACK as it goes on the wire, whatever it holds: [`Ack::to_bytes`] in the received
    /// message's sets; when those cannot hold it, UTF-8 declared `UNICODE UTF-8`; and when
    /// the received delimiters cannot even spell that (a `-` repetition separator), UTF-8
    /// undeclared, which readers take as such.
    pub fn to_wire_bytes(&self) -> Vec<u8> {
        self.to_bytes().unwrap_or_else(|_| {
            let utf8 = self.clone().charset("UNICODE UTF-8");
            utf8.to_bytes()
                .unwrap_or_else(|_| utf8.charset("").to_er7().into_bytes())
        })
    }

    /// The ACK in ER7, each segment ending in `\r`, in the received message's delimiters
    /// (the standard ones when those are not all ASCII, see [`Received::with_delimiters`]).
    /// An ESC character in what it echoes or reports is written `\X1B\`: in bytes, ESC
    /// would begin an ISO 2022 escape sequence.
    pub fn to_er7(&self) -> String {
        let ascii;
        let r = if self.received.delimiters.is_ascii() {
            &self.received
        } else {
            ascii = self.received.with_delimiters(Delimiters::default());
            &ascii
        };
        let out = self.write_er7(r);
        if out.contains('\u{1b}') {
            let e = r.delimiters.escape;
            out.replace('\u{1b}', &format!("{e}X1B{e}"))
        } else {
            out
        }
    }

    fn write_er7(&self, r: &Received) -> String {
        let d = &r.delimiters;
        let (f, c) = (d.field, d.component);
        let mut out = String::with_capacity(256);
        let ts = self
            .timestamp
            .clone()
            .unwrap_or_else(|| format!("{}+0000", crate::build::now()));
        let id = self
            .control_id
            .clone()
            .unwrap_or_else(crate::build::next_control_id);
        let mut msh9 = "ACK".to_owned();
        if !r.trigger_event.is_empty() || has_structure_component(&r.version) {
            write!(msh9, "{c}{}", escape(&r.trigger_event, d)).ok();
        }
        if has_structure_component(&r.version) {
            write!(msh9, "{c}ACK").ok();
        }
        write!(
            out,
            "MSH{f}{}{f}{}{f}{}{f}{}{f}{}{f}{ts}{f}{f}{msh9}{f}{}{f}{}{f}{}",
            d.encoding_characters(),
            r.receiving_application,
            r.receiving_facility,
            r.sending_application,
            r.sending_facility,
            escape(&id, d),
            r.processing_id,
            escape(&r.version, d),
        )
        .ok();
        let commit = matches!(self.code, AckCode::CA | AckCode::CE | AckCode::CR);
        if commit {
            // A commit acknowledgement asks for no acknowledgement of its own.
            write!(out, "{f}{f}{f}NE{f}NE").ok();
        }
        if writable(&r.charset, d.repetition) {
            // The answer is in the sender's character sets, which MSH-18 declares. A value
            // outside table 0211 (a refused message's) is not repeated: the answer is then
            // ASCII, or UTF-8 declared as such (`hl7-wire`).
            let gap = if commit { 2 } else { 6 };
            for _ in 0..gap {
                out.push(f);
            }
            out.push_str(&r.charset);
        }
        out.push('\r');
        write!(out, "MSA{f}{}{f}{}", self.code, r.control_id).ok();
        if let Some(text) = &self.text {
            write!(out, "{f}{}", escape(text, d)).ok();
        }
        out.push('\r');
        if self.issues.is_empty() {
            return out;
        }
        if has_err_fields(&r.version) {
            for issue in &self.issues {
                out.push_str(&err_segment(issue, d));
            }
        } else {
            out.push_str(&err_segment_before_2_5(&self.issues, d));
        }
        out
    }
}

/// The coded error in CWE/CE form: `code^text^HL70357`, at separator `sep`.
fn coded_error(code: u16, sep: char) -> String {
    match error_text(code) {
        Some(text) => format!("{code}{sep}{text}{sep}HL70357"),
        None => format!("{code}{sep}{sep}HL70357"),
    }
}

/// One ERR segment from 2.5: ERR-2 location, ERR-3 code, ERR-4 severity, ERR-8 message.
fn err_segment(issue: &Issue, d: &Delimiters) -> String {
    let (f, c) = (d.field, d.component);
    let location = issue.location.as_ref().map_or(String::new(), |l| {
        let mut s = format!("{}{c}{}", escape(&l.segment, d), l.sequence);
        for part in [l.field, l.repetition, l.component, l.subcomponent]
            .into_iter()
            .map_while(|p| p)
        {
            write!(s, "{c}{part}").ok();
        }
        s
    });
    format!(
        "ERR{f}{f}{location}{f}{}{f}{}{f}{f}{f}{f}{}\r",
        coded_error(issue.code, c),
        issue.severity.code(),
        escape(&issue.message, d)
    )
}

/// The ERR segment up to 2.4: ERR-1 repeating, one repetition per issue, each
/// `segment^sequence^field^code&text&HL70357` (the code a CE in a component, so its parts are
/// subcomponents).
fn err_segment_before_2_5(issues: &[Issue], d: &Delimiters) -> String {
    let (f, c) = (d.field, d.component);
    // Without a subcomponent separator (three encoding characters) the code stands alone.
    let coded = |code: u16| match d.has_subcomponent() {
        true => coded_error(code, d.subcomponent),
        false => code.to_string(),
    };
    let repetitions: Vec<String> = issues
        .iter()
        .map(|i| match &i.location {
            Some(l) => format!(
                "{}{c}{}{c}{}{c}{}",
                escape(&l.segment, d),
                l.sequence,
                l.field.map_or(String::new(), |v| v.to_string()),
                coded(i.code)
            ),
            None => format!("{c}{c}{c}{}", coded(i.code)),
        })
        .collect();
    format!("ERR{f}{}\r", repetitions.join(&d.repetition.to_string()))
}

/// The cases a receiver checks before handing a message on, each reported with its table
/// 0357 code at its header location (`MSH^1^9^1^1` for the message type).
#[derive(Debug, Clone)]
pub struct Checks {
    /// MSH fields that must be valued (101 when empty): by default MSH-9 and MSH-10; IHE
    /// profiles require 3, 4, 5, 6 and 7 too ([`Checks::ihe`]).
    pub required_header_fields: Vec<u32>,
    /// Sending applications (MSH-3.1) accepted; any when `None` (103 otherwise).
    pub sending_applications: Option<Vec<String>>,
    /// Receiving applications (MSH-5.1) this receiver answers for; any when `None` (103).
    pub receiving_applications: Option<Vec<String>>,
    /// MSH-11.1 values accepted (202 otherwise): `P`, `T`, `D` by default.
    pub processing_ids: Vec<String>,
    /// `TYPE` or `TYPE^EVENT` keys handled (200 for an unlisted type, 201 for an unlisted
    /// event of a listed type). `None`: what the message's version defines (its event map),
    /// when that version is compiled in.
    pub message_types: Option<Vec<String>>,
    /// MSH-12.1 values accepted (203 otherwise); `None`: any version the parser reads.
    pub versions: Option<Vec<String>>,
    /// Whether the validation findings (100–103) are reported too. Errors among them make
    /// the answer AE.
    pub validate: bool,
    /// How messages are parsed (limits, versions; 203 for a version this build cannot read).
    pub parse: ParseOptions,
}

impl Default for Checks {
    fn default() -> Self {
        Checks {
            required_header_fields: vec![9, 10],
            sending_applications: None,
            receiving_applications: None,
            processing_ids: ["P", "T", "D"].map(str::to_owned).to_vec(),
            message_types: None,
            versions: None,
            validate: false,
            parse: ParseOptions::default(),
        }
    }
}

/// The result of [`Checks::acknowledge`]: what was read and how to answer it.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The message, when it parsed.
    pub message: Option<Message>,
    /// Its header, when that could be read.
    pub received: Option<Received>,
    /// The issues found.
    pub issues: Vec<Issue>,
}

impl Checked {
    /// Whether the message may be handed on: no issue rejects it and it parsed.
    pub fn accepted(&self) -> bool {
        self.message.is_some() && !self.issues.iter().any(Issue::rejects)
    }

    /// The original-mode answer (see [`Ack::original`]); an unidentifiable message gets an AR
    /// with empty MSA-2 in v2.5.
    pub fn ack(&self) -> Ack {
        match &self.received {
            Some(r) => Ack::original(r, self.issues.clone()),
            None => Ack {
                issues: self.issues.clone(),
                ..Ack::new(&Received::unidentified("2.5"), AckCode::AR)
            },
        }
    }
}

impl Checks {
    /// The header requirements of the IHE profiles (MSH-3..7, 9, 10 required).
    pub fn ihe() -> Checks {
        Checks {
            required_header_fields: vec![3, 4, 5, 6, 7, 9, 10],
            ..Checks::default()
        }
    }

    /// Reads `bytes` (one message) and checks it: its header ([`Checks::header`]), then, when
    /// it parses, its validation findings if asked for.
    ///
    /// ```
    /// # #[cfg(feature = "v2_5")] {
    /// use hl7_model::ack::{AckCode, Checks};
    /// let checked = Checks::default().acknowledge(b"MSH|^~\\&|A||B||20240101||XYZ^Q99|7|P|2.5\r");
    /// let ack = checked.ack();
    /// assert_eq!(ack.code(), AckCode::AR);
    /// assert_eq!(ack.issues()[0].code, 200);
    /// assert_eq!(ack.issues()[0].location.as_ref().unwrap().to_string(), "MSH^1^9^1^1");
    /// # }
    /// ```
    pub fn acknowledge(&self, bytes: &[u8]) -> Checked {
        let received = match Received::read(bytes) {
            Ok(r) => r,
            Err(e @ AckError::HeaderUndecodable { .. }) => {
                // Answered with what can be read, so that MSA-2 still names the message.
                return Checked {
                    message: None,
                    received: Received::read_lossy(bytes).ok().map(|r| Received {
                        charset: String::new(),
                        ..r
                    }),
                    issues: vec![Issue::in_header(207, 18, None, e.to_string())],
                };
            }
            Err(e) => {
                return Checked {
                    message: None,
                    received: None,
                    issues: vec![Issue::new(
                        100,
                        Some(Location {
                            segment: "MSH".to_owned(),
                            sequence: 1,
                            field: None,
                            repetition: None,
                            component: None,
                            subcomponent: None,
                        }),
                        e.to_string(),
                    )],
                };
            }
        };
        let mut issues = self.header(&received);
        // The one path from bytes: decoded by MSH-18/MSH-20, then parsed.
        let parsed = crate::parse_bytes(bytes, &self.parse, &Default::default()).map(|(m, _)| m);
        let message = match parsed {
            Ok(m) => {
                if self.validate {
                    issues.extend(m.validate().into_iter().map(Issue::from));
                }
                Some(m)
            }
            Err(ParseError::UnknownVersion { sent, available }) => {
                if !issues.iter().any(|i| i.code == 203) {
                    issues.push(Issue::in_header(
                        203,
                        12,
                        None,
                        format!("version `{sent}` is not supported (versions: {available})"),
                    ));
                }
                None
            }
            Err(e) => {
                if !issues.iter().any(Issue::rejects) {
                    issues.push(Issue::new(
                        207,
                        None,
                        format!("the message was not read: {e}"),
                    ));
                }
                None
            }
        };
        Checked {
            message,
            received: Some(received),
            issues,
        }
    }

    /// The header cases a receiver reports: required fields (101), unknown sending or
    /// receiving application (103), unsupported type (200), event (201), processing id (202), version (203, when
    /// [`Checks::versions`] lists them).
    pub fn header(&self, r: &Received) -> Vec<Issue> {
        let mut issues = Vec::new();
        for &n in &self.required_header_fields {
            let value = match n {
                3 => &r.sending_application,
                4 => &r.sending_facility,
                5 => &r.receiving_application,
                6 => &r.receiving_facility,
                7 => &r.timestamp,
                9 => &r.message_type,
                10 => &r.control_id,
                11 => &r.processing_id,
                12 => &r.version,
                _ => continue,
            };
            if value.is_empty() {
                let component = matches!(n, 3..=6 | 9).then_some(1);
                issues.push(Issue::in_header(
                    101,
                    n,
                    component,
                    format!("MSH-{n} is required"),
                ));
            }
        }
        let first = |v: &str| {
            v.split(r.delimiters.component)
                .next()
                .unwrap_or("")
                .to_owned()
        };
        if let Some(known) = &self.sending_applications
            && !known.contains(&first(&r.sending_application))
        {
            issues.push(Issue::in_header(
                103,
                3,
                Some(1),
                format!(
                    "sending application `{}` is not recognized",
                    first(&r.sending_application)
                ),
            ));
        }
        if let Some(known) = &self.receiving_applications
            && !known.contains(&first(&r.receiving_application))
        {
            issues.push(Issue::in_header(
                103,
                5,
                Some(1),
                format!(
                    "receiving application `{}` is not recognized",
                    first(&r.receiving_application)
                ),
            ));
        }
        if !r.message_type.is_empty() {
            match self.type_known(r) {
                (false, _) => issues.push(Issue::in_header(
                    200,
                    9,
                    Some(1),
                    format!("message type `{}` is not supported", r.message_type),
                )),
                (true, false) => issues.push(Issue::in_header(
                    201,
                    9,
                    Some(2),
                    format!(
                        "event `{}` of `{}` is not supported",
                        r.trigger_event, r.message_type
                    ),
                )),
                (true, true) => {}
            }
        }
        if let Some(versions) = &self.versions
            && !versions.contains(&r.version)
        {
            issues.push(Issue::in_header(
                203,
                12,
                None,
                format!("version `{}` is not supported", r.version),
            ));
        }
        let processing = first(&r.processing_id);
        if !self.processing_ids.contains(&processing) {
            issues.push(Issue::in_header(
                202,
                11,
                None,
                format!("processing id `{processing}` is not supported"),
            ));
        }
        issues
    }

    /// Whether the message type and its event are handled.
    fn type_known(&self, r: &Received) -> (bool, bool) {
        let (t, e) = (r.message_type.as_str(), r.trigger_event.as_str());
        if let Some(list) = &self.message_types {
            let type_listed = list
                .iter()
                .any(|k| k == t || k.split_once('^').is_some_and(|(kt, _)| kt == t));
            let event_listed =
                list.iter().any(|k| k == t) || list.iter().any(|k| *k == format!("{t}^{e}"));
            return (type_listed, event_listed);
        }
        let Ok((version, _)) = crate::message::resolve_version(&r.version, &self.parse) else {
            // A version this build cannot read: 203 is reported when parsing; the type stands.
            return (true, true);
        };
        let prefix = format!("{t}^");
        let type_known = version.structure(t).is_some()
            || version.events.iter().any(|(k, _)| k.starts_with(&prefix));
        // ACK has no event of its own; any event of a structure-only type is accepted.
        let event_known = version.resolve_structure(t, e, None).is_some()
            || version.structure(&format!("{t}_{e}")).is_some()
            || (version.structure(t).is_some()
                && !version.events.iter().any(|(k, _)| k.starts_with(&prefix)));
        (type_known, event_known)
    }
}
