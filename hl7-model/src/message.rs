//! Reading one ER7 message: delimiters from MSH-1/MSH-2, the version from MSH-12, the structure
//! from MSH-9, then the grammar places the segments in groups ([`crate::grammar`]). The
//! message is held as its segments' text and its group tree ([`Message`]).

use crate::delimiters::Delimiters;
use crate::descriptor::VersionDesc;
use crate::parsing::segment_lines;
pub use crate::parsing::{ParseError, ParseOptions, tokenize};

/// The header fields parsing needs, read from the MSH line with its own delimiters.
struct Header<'a> {
    delimiters: Delimiters,
    msg_type: &'a str,
    event: &'a str,
    structure: Option<&'a str>,
    version: &'a str,
}

/// The header fields of tokenized message `m`: MSH-9's components (their first
/// subcomponents) and MSH-12.1.
fn header<'a>(m: &crate::er7::Tokenized<'a>) -> Header<'a> {
    let msh = m.header();
    let msh9 = msh.field(9);
    let part = |i: usize| {
        msh9.and_then(|f| f.component(i))
            .and_then(|c| c.subcomponent(1))
            .unwrap_or("")
    };
    Header {
        delimiters: *m.delimiters(),
        msg_type: part(1),
        event: part(2),
        structure: Some(part(3)).filter(|s| !s.is_empty()),
        version: msh
            .field(12)
            .and_then(|f| f.component(1))
            .map_or("", |c| c.as_str()),
    }
}

/// `2.5.1` → `[2, 5, 1]`; reads the leading numeric parts (`2.3.z` → `[2, 3]`).
fn version_key(s: &str) -> Vec<u32> {
    s.trim()
        .trim_start_matches(['v', 'V'])
        .split('.')
        .map_while(|p| p.parse().ok())
        .collect()
}

/// The version a message of MSH-12 `sent` is read as, among those `opts` allows (every one
/// compiled in, by default), and whether that is a fallback.
pub fn resolve_version(
    sent: &str,
    opts: &ParseOptions,
) -> Result<(&'static VersionDesc, bool), ParseError> {
    let versions = opts.versions.unwrap_or(crate::VERSIONS);
    let unknown = || ParseError::UnknownVersion {
        sent: sent.to_owned(),
        available: versions
            .iter()
            .map(|v| v.version)
            .collect::<Vec<_>>()
            .join(", "),
    };
    let mut key = version_key(sent);
    let mut fallback = false;
    if key.len() < 2 {
        key = version_key(&opts.default_version);
        fallback = true;
    }
    if let Some(v) = versions.iter().find(|v| version_key(v.version) == key) {
        return Ok((v, fallback));
    }
    if !opts.fall_back_to_lower_version {
        return Err(unknown());
    }
    versions
        .iter()
        .rev()
        .find(|v| version_key(v.version) <= key)
        .map(|v| (*v, true))
        .ok_or_else(unknown)
}

/// Parses one message with the default [`ParseOptions`].
///
/// ```
/// # #[cfg(feature = "v2_5")] {
/// let text = "MSH|^~\\&|LAB|HOSP|||20240101120000||ORU^R01|42|P|2.5\rPID|1||123^^^H||Doe^John\rOBR|1\rOBX|1|NM|GLU||5.4|mmol/L\rZXT|site data\r";
/// let m = hl7_model::message::parse(text).unwrap();
/// let oru: hl7_model::v2_5::OruR01 = m.typed().unwrap();
/// let obx = oru.patient_result().first().unwrap().order_observation().first().unwrap()
///     .observation().first().unwrap().obx().unwrap();
/// assert_eq!(obx.observation_value().first().unwrap().as_str(), "5.4");
/// assert_eq!(m.to_er7(), text); // the Z-segment is kept where it was
/// # }
/// ```
pub fn parse(text: &str) -> Result<Message, ParseError> {
    Message::parse(text, &ParseOptions::default())
}

/// Parses one message within the limits and fallbacks of `opts`.
pub fn parse_with(text: &str, opts: &ParseOptions) -> Result<Message, ParseError> {
    Message::parse(text, opts)
}

/// The version and structure a message of header `h` (MSH-12 resolved to `version`) is read
/// as, with a note on how the structure was chosen when MSH-9 did not name it: the generic
/// structure for a type no compiled version defines, when `opts` allows it.
fn choose_structure(
    version: &'static VersionDesc,
    h: &Header<'_>,
    opts: &ParseOptions,
) -> Result<
    (
        &'static VersionDesc,
        &'static crate::descriptor::StructureDesc,
        Option<String>,
    ),
    ParseError,
> {
    match resolve_structure_with_fallbacks(version, h, opts.versions.unwrap_or(crate::VERSIONS)) {
        Some(found) => Ok(found),
        None if opts.generic_for_unknown_types => Ok((
            version,
            &crate::grammar::GENERIC,
            Some(format!(
                "no structure for MSH-9 `{}^{}` in any compiled version: read as a generic message",
                h.msg_type, h.event
            )),
        )),
        None => Err(ParseError::UnknownStructure {
            msg_type: h.msg_type.to_owned(),
            event: h.event.to_owned(),
            structure: h.structure.map(str::to_owned),
            version: version.version,
        }),
    }
}

/// The structure of a message (docs/conformance.md §3.2: MSH-9.3, else the event map, else the
/// type alone), with fallbacks for real feeds, each reported: a structure named `TYPE_EVENT`
/// that the map omits is used (`ORF^R04` → `ORF_R04`); an event the map does not know, of a
/// message type it does, is read with that type's first structure in the map (`ORU^R03` →
/// `ORU_R01`); a structure the version lacks is taken from the nearest lower compiled version
/// that has it (`ORM^O01` in 2.7, which withdrew ORM, is read with 2.6's `ORM_O01`).
fn resolve_structure_with_fallbacks(
    version: &'static VersionDesc,
    h: &Header<'_>,
    versions: &'static [&'static VersionDesc],
) -> Option<(
    &'static VersionDesc,
    &'static crate::descriptor::StructureDesc,
    Option<String>,
)> {
    if let Some(s) = version.resolve_structure(h.msg_type, h.event, h.structure) {
        return Some((version, s, None));
    }
    // A structure named after the type and event (`ORF_R04`) that the event map omits.
    if let Some(s) = version.structure(&format!("{}_{}", h.msg_type, h.event)) {
        return Some((
            version,
            s,
            Some(format!(
                "`{}^{}` is not in the v{} event map: read as {}",
                h.msg_type, h.event, version.version, s.id
            )),
        ));
    }
    let by_type = |v: &'static VersionDesc| {
        let prefix = format!("{}^", h.msg_type);
        let i = v.events.partition_point(|(k, _)| *k < prefix.as_str());
        v.events
            .get(i)
            .filter(|(k, _)| !h.msg_type.is_empty() && k.starts_with(&prefix))
            .and_then(|(k, s)| Some((v.structure(s)?, *k)))
    };
    if let Some((s, key)) = by_type(version) {
        return Some((
            version,
            s,
            Some(format!(
                "event unknown to v{}: read as {key} ({})",
                version.version, s.id
            )),
        ));
    }
    let key = version_key(version.version);
    for lower in versions
        .iter()
        .rev()
        .filter(|v| version_key(v.version) < key)
    {
        if let Some(s) = lower.resolve_structure(h.msg_type, h.event, h.structure) {
            return Some((
                lower,
                s,
                Some(format!("structure {} taken from v{}", s.id, lower.version)),
            ));
        }
    }
    None
}

/// A message as read: its segments' text and group tree ([`crate::tree::Lean`], nothing
/// decoded), the version and structure it was read as, how they were chosen, and what the
/// tokenizer noticed. It costs about what was sent; typed access is through the views each
/// version generates (`v2_5::OruR01` …), and paths, validation and JSON work on it directly.
///
/// ```
/// # #[cfg(feature = "v2_5")] {
/// let text = "MSH|^~\\&|LAB||||20240101||ORU^R01|1|P|2.5\rPID|1||7||Doe^John\rOBR|1\rOBX|1|NM|GLU||5.4\r";
/// let mut m = hl7_model::Message::parse(text, &Default::default()).unwrap();
/// assert_eq!(m.structure().id, "ORU_R01");
/// assert_eq!(m.get("PID-5-2").unwrap().as_deref(), Some("John"));
///
/// // Typed: the views of v2.5's ORU_R01.
/// let oru: hl7_model::v2_5::OruR01 = m.typed().unwrap();
/// let result = oru.patient_result().first().unwrap();
/// let obx = result.order_observation().first().unwrap().observation().first().unwrap().obx().unwrap();
/// assert_eq!(obx.observation_value().first().unwrap().as_str(), "5.4");
///
/// m.set("PID-5-1", "Roe").unwrap();
/// assert!(m.to_er7().contains("PID|1||7||Roe^John\r"));
/// assert!(m.validate().iter().all(|f| f.code != 100));
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    lean: crate::tree::Lean,
    version: &'static VersionDesc,
    structure: &'static crate::descriptor::StructureDesc,
    /// Fallbacks and tokenizer findings, which most messages have none of: boxed, so that
    /// a message without them does not carry their room.
    notes: Option<Box<Notes>>,
}

/// What reading a message noted besides its content.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Notes {
    version_fallback: Option<String>,
    structure_fallback: Option<String>,
    findings: Vec<crate::er7::Finding>,
}

impl Notes {
    /// The notes, unless there are none.
    fn boxed(self) -> Option<Box<Notes>> {
        (self != Notes::default()).then(|| Box::new(self))
    }
}

impl Message {
    /// Reads one message: the version from MSH-12 ([`resolve_version`]), the structure from
    /// MSH-9 (docs/conformance.md §3.2, with the fallbacks of real feeds, each reported in
    /// [`Message::structure_fallback`]). A type no compiled version defines is read with the
    /// generic structure ([`crate::grammar::GENERIC`]) unless `opts` says otherwise.
    pub fn parse(text: &str, opts: &ParseOptions) -> Result<Message, ParseError> {
        Message::read(text, opts, |version, h| choose_structure(version, h, opts))
    }

    /// Tokenizes `text`, resolves its version from MSH-12, and places its segments in the
    /// structure `choose` gives for that version and header (with the version read as, and
    /// a note when the structure was a fallback).
    fn read(
        text: &str,
        opts: &ParseOptions,
        choose: impl FnOnce(
            &'static VersionDesc,
            &Header<'_>,
        ) -> Result<
            (
                &'static VersionDesc,
                &'static crate::descriptor::StructureDesc,
                Option<String>,
            ),
            ParseError,
        >,
    ) -> Result<Message, ParseError> {
        let tokens = tokenize(text, opts)?;
        let h = header(&tokens);
        let (version, fallback) = resolve_version(h.version, opts)?;
        let (read_as, structure, structure_fallback) = choose(version, &h)?;
        let lean =
            crate::tree::Lean::from_lines(structure.body, &segment_lines(&tokens), h.delimiters)
                .with_version(read_as);
        Ok(Message {
            lean,
            version: read_as,
            structure,
            notes: Notes {
                version_fallback: (fallback || !std::ptr::eq(read_as, version))
                    .then(|| h.version.to_owned()),
                structure_fallback,
                findings: tokens.findings().to_vec(),
            }
            .boxed(),
        })
    }

    /// Reads one message as the structure `T`, whatever MSH-9 says: a site's own structure
    /// (declared with `#[hl7_model::group]`), or a message whose MSH-9 is known to be wrong.
    /// MSH-12 gives the version its segments are validated against, resolved as
    /// [`Message::parse`] does.
    ///
    /// ```
    /// # #[cfg(feature = "v2_5")] {
    /// use hl7_model::v2_5::OruR01;
    /// // MSH-9 says ORU^R03, which v2.5's event map does not list.
    /// let text = "MSH|^~\\&|LAB||||20240101||ORU^R03|1|P|2.5\rPID|1||7\rOBR|1\rOBX|1|NM|GLU||5.4\r";
    /// let m = hl7_model::Message::parse_as::<OruR01>(text, &Default::default()).unwrap();
    /// assert_eq!(m.structure().id, "ORU_R01");
    /// assert!(m.structure_fallback().is_none());
    /// assert!(m.typed::<OruR01>().is_some());
    /// # }
    /// ```
    pub fn parse_as<'a, T: crate::typed::TypedStructure<'a>>(
        text: &str,
        opts: &ParseOptions,
    ) -> Result<Message, ParseError> {
        Message::read(text, opts, |version, _| Ok((version, T::STRUCTURE, None)))
    }

    /// An empty message of `structure` in `version`, to be filled by paths (see
    /// [`crate::build::MessageBuilder`] for one with its header).
    pub fn new(
        version: &'static VersionDesc,
        structure: &'static crate::descriptor::StructureDesc,
        delimiters: Delimiters,
    ) -> Message {
        Message {
            lean: crate::tree::Lean::from_lines(structure.body, &[], delimiters)
                .with_version(version),
            version,
            structure,
            notes: None,
        }
    }

    /// The segments' text and the group tree.
    pub fn lean(&self) -> &crate::tree::Lean {
        &self.lean
    }

    /// The version the message was read as.
    pub fn version(&self) -> &'static VersionDesc {
        self.version
    }

    /// The structure the message was read as.
    pub fn structure(&self) -> &'static crate::descriptor::StructureDesc {
        self.structure
    }

    /// MSH-12 as sent, when the message was read as another (lower or default) version.
    pub fn version_fallback(&self) -> Option<&str> {
        self.notes.as_ref()?.version_fallback.as_deref()
    }

    /// How the structure was chosen when MSH-9 did not name one of the version's structures.
    pub fn structure_fallback(&self) -> Option<&str> {
        self.notes.as_ref()?.structure_fallback.as_deref()
    }

    /// What the tokenizer read past (a byte order mark, noise lines, MLLP framing …).
    pub fn findings(&self) -> &[crate::er7::Finding] {
        self.notes.as_ref().map_or(&[], |n| &n.findings)
    }

    /// The message as the typed view `T` of its structure, when it was read as that
    /// structure of that version.
    pub fn typed<'m, T: crate::typed::TypedStructure<'m>>(&'m self) -> Option<T> {
        T::of(&self.lean)
    }

    /// The value at a terser-style `path` (`PID-5-1`, `OBX(1)-5`), escapes decoded; see
    /// [`crate::path`] for the syntax and rules.
    pub fn get(&self, path: &str) -> Result<Option<String>, crate::path::PathError> {
        crate::path::TerserPath::parse(path)?.get(&self.lean)
    }

    /// The wire text of what `path` names (a whole field, a segment, a group).
    pub fn get_er7(&self, path: &str) -> Result<Option<String>, crate::path::PathError> {
        crate::path::TerserPath::parse(path)?.get_er7(&self.lean)
    }

    /// Writes `value` (plain text, escaped as needed) at `path`, creating what is missing.
    pub fn set(&mut self, path: &str, value: &str) -> Result<(), crate::path::PathError> {
        crate::path::TerserPath::parse(path)?.set(&mut self.lean, value)
    }

    /// Writes ER7 text (`Doe^John`) at `path`, creating what is missing.
    pub fn set_er7(&mut self, path: &str, wire: &str) -> Result<(), crate::path::PathError> {
        crate::path::TerserPath::parse(path)?.set_er7(&mut self.lean, wire)
    }

    /// Every finding of validation ([`crate::validate`]) against the version the message was
    /// read as.
    pub fn validate(&self) -> Vec<crate::validate::Finding> {
        crate::validate::validate(&self.lean, self.version)
    }

    /// The message in ER7, segments ended by `\r`.
    pub fn to_er7(&self) -> String {
        self.lean.to_er7()
    }

    /// The message in the bytes of the character set its MSH-18 declares (ISO 2022 escapes
    /// for the alternates MSH-18 lists after the first). A character the set cannot hold is
    /// an error ([`crate::charset::CharsetError::Unrepresentable`]), never a `?`.
    ///
    /// ```
    /// # #[cfg(feature = "v2_5")] {
    /// let bytes: &[u8] = b"MSH|^~\\&|A||||||ADT^A04|1|P|2.5||||||8859/1\rPID|1||7||M\xfcller\r";
    /// let mut m = hl7_model::parse(bytes).unwrap();
    /// assert_eq!(m.to_bytes().unwrap(), bytes);
    /// m.set("PID-5-1", "Łukasz").unwrap();
    /// assert!(m.to_bytes().is_err()); // Ł is not in ISO 8859-1
    /// # }
    /// ```
    pub fn to_bytes(&self) -> Result<Vec<u8>, crate::charset::CharsetError> {
        self.to_bytes_with(&Default::default())
    }

    /// [`Message::to_bytes`] with a byte order mark and byte order for UTF-16 and UTF-32
    /// ([`crate::charset::EncodeOptions::like`] writes them back as they were read).
    pub fn to_bytes_with(
        &self,
        opts: &crate::charset::EncodeOptions,
    ) -> Result<Vec<u8>, crate::charset::CharsetError> {
        crate::charset::encode(&self.to_er7(), opts)
    }

    /// The group tree, one node per line: the structure, then its segments and groups,
    /// nested.
    pub fn tree_lines(&self) -> Vec<String> {
        self.lean.tree_lines()
    }

    /// Bytes the message holds on the heap.
    pub fn heap_bytes(&self) -> usize {
        self.lean.heap_bytes()
            + self.notes.as_ref().map_or(0, |n| {
                size_of::<Notes>()
                    + n.version_fallback.as_ref().map_or(0, String::capacity)
                    + n.structure_fallback.as_ref().map_or(0, String::capacity)
                    + n.findings.capacity() * size_of::<crate::er7::Finding>()
            })
    }
}

/// The message in the product's JSON form (`hl7_model::json`):
/// `{"version": "2.5", "structure": "ORU_R01", "message": {...}}`, with `varies` fields (OBX-5)
/// named by the datatypes of the version the message was read as.
#[cfg(feature = "serde")]
impl serde::Serialize for Message {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        crate::json::MessageJson::new(&self.lean, self.version, self.structure).serialize(s)
    }
}

/// Parses every message of `text`: one message, several one after another, or a batch
/// (FHS/BHS … BTS/FTS, whose envelope segments are not part of any message). A text of more
/// than [`ParseOptions::max_batch_segments`] segments is refused before any message is read.
pub fn parse_all(text: &str, opts: &ParseOptions) -> Result<Vec<Message>, ParseError> {
    let batch = crate::er7::Batch::parse_bounded(text, opts.max_batch_segments)?;
    batch
        .messages()
        .map(|m| Message::parse(m.as_str(), opts))
        .collect()
}
