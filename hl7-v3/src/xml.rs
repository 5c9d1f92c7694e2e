//! The R1 XML ITS: reading an element into a small tree with quick-xml, and writing one.
//!
//! Reading is for untrusted input. A `<!DOCTYPE …>` is refused outright, so no DTD is read and
//! no entity is ever declared; the only references accepted are the five predefined entities
//! (`&lt;` `&gt;` `&amp;` `&apos;` `&quot;`) and character references. Depth, element count
//! and input size are bounded by [`ReadLimits`]. Comments and processing instructions are
//! skipped.
//!
//! Elements of the HL7 v3 namespace (`urn:hl7-org:v3`) or of no namespace are read;
//! `xsi:type` is kept apart; `xmlns` declarations are consumed. Anything else (an attribute or
//! element of another namespace, such as CDA's `sdtc:`) stays in the tree and makes the data
//! type reader fail with [`XmlError::Unexpected`], so nothing is dropped silently.
//!
//! R2 (ISO 21090) differs from R1 in names and shapes (generic `<part type=…>` for names and
//! addresses, `displayName` as an element, `IVL` with `lowClosed`/`highClosed` …); this
//! module reads and writes R1 only.

use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;
use quick_xml::writer::Writer;

/// The namespace of the R1 XML ITS.
pub const HL7_NS: &str = "urn:hl7-org:v3";
/// The XML Schema instance namespace, of `xsi:type`.
pub const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// Bounds on what [`parse`] accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadLimits {
    /// Input size in bytes.
    pub max_bytes: usize,
    /// Element nesting depth.
    pub max_depth: usize,
    /// Number of elements.
    pub max_elements: usize,
}

impl Default for ReadLimits {
    fn default() -> Self {
        ReadLimits {
            max_bytes: 16 * 1024 * 1024,
            max_depth: 64,
            max_elements: 1_000_000,
        }
    }
}

/// Why XML could not be read into, or written from, a data value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum XmlError {
    #[error("malformed XML at byte {position}: {message}")]
    Malformed { position: u64, message: String },
    #[error("a DOCTYPE declaration is refused: no DTD is read and no entity is declared")]
    Doctype,
    #[error(
        "entity reference `&{0};` is refused: only the five predefined entities and character references are accepted"
    )]
    Entity(String),
    #[error("the input is {size} bytes, above the limit of {limit}")]
    TooLarge { size: usize, limit: usize },
    #[error("elements nest deeper than {0}")]
    TooDeep(usize),
    #[error("more than {0} elements")]
    TooManyElements(usize),
    #[error("no element in the input")]
    Empty,
    #[error("character U+{:04X} at byte {position} is not allowed in XML 1.0", u32::from(*char))]
    InvalidChar { position: u64, char: char },
    #[error("<{element}>: character U+{:04X} cannot be written in XML 1.0", u32::from(*char))]
    Unwritable { element: String, char: char },
    #[error("<{element}>: unexpected {what}")]
    Unexpected { element: String, what: String },
    #[error("<{element}>: attribute `{attribute}` has the invalid value {value:?}: {reason}")]
    InvalidValue {
        element: String,
        attribute: String,
        value: String,
        reason: String,
    },
    #[error("<{element}>: `{name}` appears more than once")]
    Repeated { element: String, name: String },
    #[error("<{element}>: required element `{name}` is missing")]
    Missing { element: String, name: String },
    #[error("<{element}>: a value of abstract type {expected} needs an xsi:type")]
    MissingXsiType {
        element: String,
        expected: &'static str,
    },
    #[error("<{element}>: xsi:type `{xsi_type}` is not a type allowed here")]
    UnknownXsiType { element: String, xsi_type: String },
    #[error("<{element}>: unknown nullFlavor `{code}`")]
    UnknownNullFlavor { element: String, code: String },
    #[error("<{element}>: nullFlavor {code} is retired and is not written")]
    RetiredNullFlavor { element: String, code: &'static str },
    #[error("<{element}>: this type does not allow a nullFlavor")]
    NullNotAllowed { element: String },
}

/// An attribute of an element (namespace `None` for unqualified attributes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    pub ns: Option<String>,
    pub name: String,
    pub value: String,
}

/// A child of an element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Element(Element),
    Text(String),
}

/// An element: the form the data type readers consume and the writers fill.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element {
    /// Local name.
    pub name: String,
    /// Namespace; `None` for no namespace. Written elements are in [`HL7_NS`].
    pub ns: Option<String>,
    /// The `xsi:type` value without its prefix.
    pub xsi_type: Option<String>,
    pub attributes: Vec<Attribute>,
    pub children: Vec<Node>,
}

impl Element {
    /// An empty element named `name`.
    pub fn new(name: &str) -> Element {
        Element {
            name: name.to_owned(),
            ns: Some(HL7_NS.to_owned()),
            ..Element::default()
        }
    }

    /// Removes and returns the unqualified attribute `name`.
    pub fn take_attribute(&mut self, name: &str) -> Option<String> {
        let i = self
            .attributes
            .iter()
            .position(|a| a.ns.is_none() && a.name == name)?;
        Some(self.attributes.remove(i).value)
    }

    /// Removes and returns the `xsi:type`.
    pub fn take_xsi_type(&mut self) -> Option<String> {
        self.xsi_type.take()
    }

    fn is_ours(e: &Element) -> bool {
        e.ns.as_deref().is_none_or(|ns| ns == HL7_NS)
    }

    /// Removes and returns the child elements named `name`, in order.
    pub fn take_children(&mut self, name: &str) -> Vec<Element> {
        let mut out = Vec::new();
        let mut keep = Vec::with_capacity(self.children.len());
        for n in std::mem::take(&mut self.children) {
            match n {
                Node::Element(e) if e.name == name && Self::is_ours(&e) => out.push(e),
                other => keep.push(other),
            }
        }
        self.children = keep;
        out
    }

    /// Removes and returns the text children, joined; `None` if there is none.
    pub fn take_text(&mut self) -> Option<String> {
        let mut text: Option<String> = None;
        self.children.retain(|n| match n {
            Node::Text(t) => {
                text.get_or_insert_with(String::new).push_str(t);
                false
            }
            Node::Element(_) => true,
        });
        text
    }

    /// Fails on anything not consumed: attributes, elements, non-blank text.
    pub fn finish(&self) -> Result<(), XmlError> {
        let unexpected = |what: String| XmlError::Unexpected {
            element: self.name.clone(),
            what,
        };
        if let Some(a) = self.attributes.first() {
            let name = match &a.ns {
                Some(ns) => format!("{{{ns}}}{}", a.name),
                None => a.name.clone(),
            };
            return Err(unexpected(format!("attribute `{name}`")));
        }
        if let Some(t) = &self.xsi_type {
            return Err(unexpected(format!("xsi:type `{t}`")));
        }
        for n in &self.children {
            match n {
                Node::Element(e) => return Err(unexpected(format!("element <{}>", e.name))),
                Node::Text(t) if !t.trim().is_empty() => {
                    return Err(unexpected(format!("text {t:?}")));
                }
                Node::Text(_) => {}
            }
        }
        Ok(())
    }
}

fn malformed(reader: &NsReader<&[u8]>, e: impl std::fmt::Display) -> XmlError {
    XmlError::Malformed {
        position: reader.buffer_position(),
        message: e.to_string(),
    }
}

/// Reads the first element of `xml` (an XML declaration, comments and whitespace may precede
/// it) with its content.
pub fn parse(xml: &str, limits: &ReadLimits) -> Result<Element, XmlError> {
    if xml.len() > limits.max_bytes {
        return Err(XmlError::TooLarge {
            size: xml.len(),
            limit: limits.max_bytes,
        });
    }
    // Control characters other than tab, CR and LF cannot stand in an XML 1.0 document,
    // nor be written back: refused here rather than read into text no writer can carry.
    if let Some((i, c)) = xml.char_indices().find(|&(_, c)| !is_xml_char(c)) {
        return Err(XmlError::InvalidChar {
            position: i as u64,
            char: c,
        });
    }
    let mut reader = NsReader::from_reader(xml.as_bytes());
    let mut stack: Vec<Element> = Vec::new();
    let mut elements = 0usize;
    loop {
        let resolved = match reader.read_resolved_event() {
            Ok((ResolveResult::Bound(n), e)) => Ok((Some(String::from(n.as_ref())), e)),
            Ok((ResolveResult::Unbound, e)) => Ok((None, e)),
            Ok((ResolveResult::Unknown(p), _)) => Err(format!("unbound prefix `{p}`")),
            Err(e) => Err(e.to_string()),
        };
        let (ns, event) = resolved.map_err(|e| malformed(&reader, e))?;
        match event {
            Event::DocType(_) => return Err(XmlError::Doctype),
            Event::Start(s) | Event::Empty(s) if stack.len() >= limits.max_depth => {
                let _ = s;
                return Err(XmlError::TooDeep(limits.max_depth));
            }
            Event::Start(s) => {
                elements += 1;
                if elements > limits.max_elements {
                    return Err(XmlError::TooManyElements(limits.max_elements));
                }
                stack.push(start(&reader, &s, ns)?);
            }
            Event::Empty(s) => {
                elements += 1;
                if elements > limits.max_elements {
                    return Err(XmlError::TooManyElements(limits.max_elements));
                }
                let e = start(&reader, &s, ns)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(Node::Element(e)),
                    None => return Ok(e),
                }
            }
            Event::End(_) => {
                let e = stack
                    .pop()
                    .ok_or_else(|| malformed(&reader, "stray end tag"))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(Node::Element(e)),
                    None => return Ok(e),
                }
            }
            Event::Text(t) => push_text(&mut stack, &t.xml10_content()),
            Event::CData(c) => {
                let text = c.into_inner().into_owned();
                push_text(&mut stack, &text);
            }
            Event::GeneralRef(r) => {
                let text = match r.resolve_char_ref().map_err(|e| malformed(&reader, e))? {
                    Some(c) if !is_xml_char(c) => {
                        return Err(XmlError::InvalidChar {
                            position: reader.buffer_position(),
                            char: c,
                        });
                    }
                    Some(c) => c.to_string(),
                    None => {
                        let name = String::from(r.as_ref());
                        match quick_xml::escape::resolve_predefined_entity(&name) {
                            Some(s) => s.to_owned(),
                            None => return Err(XmlError::Entity(name)),
                        }
                    }
                };
                push_text(&mut stack, &text);
            }
            Event::Eof => {
                return Err(if stack.is_empty() {
                    XmlError::Empty
                } else {
                    malformed(&reader, "unexpected end of input")
                });
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
        }
    }
}

fn push_text(stack: &mut [Element], text: &str) {
    if let Some(top) = stack.last_mut() {
        if let Some(Node::Text(t)) = top.children.last_mut() {
            t.push_str(text);
        } else {
            top.children.push(Node::Text(text.to_owned()));
        }
    }
}

fn start(
    reader: &NsReader<&[u8]>,
    s: &BytesStart,
    ns: Option<String>,
) -> Result<Element, XmlError> {
    let name = String::from(s.local_name().as_ref());
    let mut el = Element {
        name,
        ns,
        ..Element::default()
    };
    for a in s.attributes() {
        let a = a.map_err(|e| malformed(reader, e))?;
        let key = a.key.as_ref();
        if key == "xmlns" || key.starts_with("xmlns:") {
            continue;
        }
        let value =
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|e| match e {
                    quick_xml::Error::Escape(
                        quick_xml::escape::EscapeError::UnrecognizedEntity(_, name),
                    ) => XmlError::Entity(name),
                    e => malformed(reader, e),
                })?
                .into_owned();
        if let Some(c) = value.chars().find(|&c| !is_xml_char(c)) {
            return Err(XmlError::InvalidChar {
                position: reader.buffer_position(),
                char: c,
            });
        }
        let (ans, local) = reader.resolver().resolve_attribute(a.key);
        let local = String::from(local.as_ref());
        let ans = match ans {
            ResolveResult::Bound(n) => Some(String::from(n.as_ref())),
            ResolveResult::Unbound => None,
            ResolveResult::Unknown(p) => {
                return Err(malformed(reader, format!("unbound prefix `{p}`")));
            }
        };
        if ans.as_deref() == Some(XSI_NS) && local == "type" {
            // xsi:type="hl7:PQ" and xsi:type="PQ" name the same type.
            let t = value.rsplit(':').next().unwrap_or_default().to_owned();
            el.xsi_type = Some(t);
        } else {
            el.attributes.push(Attribute {
                ns: ans,
                name: local,
                value,
            });
        }
    }
    Ok(el)
}

/// Whether XML 1.0 allows `c` in a document (its production `Char`).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Refuses an element whose text or attribute values hold a character XML 1.0 cannot
/// carry (a control character from a v2 value, say), naming the element.
pub fn check_writable(el: &Element) -> Result<(), XmlError> {
    let bad = |text: &str| text.chars().find(|&c| !is_xml_char(c));
    let refuse = |c: char| XmlError::Unwritable {
        element: el.name.clone(),
        char: c,
    };
    for a in &el.attributes {
        if let Some(c) = bad(&a.value) {
            return Err(refuse(c));
        }
    }
    for n in &el.children {
        match n {
            Node::Element(child) => check_writable(child)?,
            Node::Text(t) => {
                if let Some(c) = bad(t) {
                    return Err(refuse(c));
                }
            }
        }
    }
    Ok(())
}

fn uses_xsi(e: &Element) -> bool {
    e.xsi_type.is_some()
        || e.children.iter().any(|n| match n {
            Node::Element(c) => uses_xsi(c),
            Node::Text(_) => false,
        })
}

/// Writes `el` as XML: the root declares the HL7 namespace as default (and `xsi` when an
/// `xsi:type` is used); no XML declaration, no indentation.
pub fn write(el: &Element) -> String {
    let mut w = Writer::new(Vec::new());
    write_element(&mut w, el, true, uses_xsi(el));
    String::from_utf8(w.into_inner()).expect("written from strings")
}

fn write_element(w: &mut Writer<Vec<u8>>, el: &Element, root: bool, xsi: bool) {
    let mut s = BytesStart::new(el.name.as_str());
    if root {
        s.push_attribute(("xmlns", HL7_NS));
        if xsi {
            s.push_attribute(("xmlns:xsi", XSI_NS));
        }
    }
    if let Some(t) = &el.xsi_type {
        s.push_attribute(("xsi:type", t.as_str()));
    }
    for a in &el.attributes {
        s.push_attribute((a.name.as_str(), a.value.as_str()));
    }
    // Writing to a Vec cannot fail.
    if el.children.is_empty() {
        let _ = w.write_event(Event::Empty(s));
        return;
    }
    let _ = w.write_event(Event::Start(s));
    for n in &el.children {
        match n {
            Node::Element(c) => write_element(w, c, false, false),
            Node::Text(t) => {
                let _ = w.write_event(Event::Text(BytesText::new(t)));
            }
        }
    }
    let _ = w.write_event(Event::End(BytesEnd::new(el.name.as_str())));
}
