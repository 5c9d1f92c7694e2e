//! The field readers and writers the generated data types call: one per form a property
//! takes (attribute, element, text, name or address parts), generic over the field's Rust
//! type.

use crate::value::{DataType, Mixed, Nullable, PartKind};
use crate::xml::{Attribute, Element, Node, XmlError};

/// The Rust type of an attribute field.
pub trait AttrField: Sized {
    fn parse(el: &Element, name: &str, raw: Option<String>) -> Result<Self, XmlError>;
    fn format(&self) -> Option<String>;
}

fn invalid(el: &Element, name: &str, value: &str, reason: &str) -> XmlError {
    XmlError::InvalidValue {
        element: el.name.clone(),
        attribute: name.to_owned(),
        value: value.to_owned(),
        reason: reason.to_owned(),
    }
}

impl AttrField for Option<String> {
    fn parse(_: &Element, _: &str, raw: Option<String>) -> Result<Self, XmlError> {
        Ok(raw)
    }
    fn format(&self) -> Option<String> {
        self.clone()
    }
}

impl AttrField for Option<bool> {
    fn parse(el: &Element, name: &str, raw: Option<String>) -> Result<Self, XmlError> {
        match raw.as_deref() {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(v) => Err(invalid(el, name, v, "a boolean is `true` or `false`")),
        }
    }
    fn format(&self) -> Option<String> {
        self.map(|b| b.to_string())
    }
}

impl AttrField for Option<i64> {
    fn parse(el: &Element, name: &str, raw: Option<String>) -> Result<Self, XmlError> {
        raw.map(|v| {
            v.trim()
                .parse::<i64>()
                .map_err(|_| invalid(el, name, &v, "not an integer in the 64-bit range"))
        })
        .transpose()
    }
    fn format(&self) -> Option<String> {
        self.map(|i| i.to_string())
    }
}

/// A set of codes, written space-separated (`use="H WP"`).
impl AttrField for Vec<String> {
    fn parse(_: &Element, _: &str, raw: Option<String>) -> Result<Self, XmlError> {
        Ok(raw
            .map(|v| v.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default())
    }
    fn format(&self) -> Option<String> {
        (!self.is_empty()).then(|| self.join(" "))
    }
}

pub fn read_attr<A: AttrField>(el: &mut Element, name: &str) -> Result<A, XmlError> {
    let raw = el.take_attribute(name);
    A::parse(el, name, raw)
}

pub fn write_attr<A: AttrField>(el: &mut Element, name: &str, value: &A) {
    if let Some(v) = value.format() {
        el.attributes.push(Attribute {
            ns: None,
            name: name.to_owned(),
            value: v,
        });
    }
}

/// Checks an attribute the type fixes (ST's `representation="TXT"`): absent or equal.
pub fn fixed_attr(el: &mut Element, name: &str, fixed: &str) -> Result<(), XmlError> {
    match el.take_attribute(name) {
        Some(v) if v != fixed => Err(invalid(el, name, &v, &format!("fixed to `{fixed}`"))),
        _ => Ok(()),
    }
}

pub fn read_text(el: &mut Element) -> Option<String> {
    el.take_text()
}

pub fn write_text(el: &mut Element, text: &Option<String>) {
    if let Some(t) = text {
        el.children.push(Node::Text(t.clone()));
    }
}

/// The Rust type of an element field.
pub trait ChildField: Sized {
    fn read(el: &mut Element, name: &str) -> Result<Self, XmlError>;
    fn write(&self, el: &mut Element, name: &str) -> Result<(), XmlError>;
}

fn at_most_one(
    el: &Element,
    name: &str,
    mut found: Vec<Element>,
) -> Result<Option<Element>, XmlError> {
    if found.len() > 1 {
        return Err(XmlError::Repeated {
            element: el.name.clone(),
            name: name.to_owned(),
        });
    }
    Ok(found.pop())
}

/// An optional child: boxed, as the generated types hold every 0..1 element.
impl<T: DataType> ChildField for Option<Box<Nullable<T>>> {
    fn read(el: &mut Element, name: &str) -> Result<Self, XmlError> {
        let found = el.take_children(name);
        at_most_one(el, name, found)?
            .map(|c| Nullable::read_element(c).map(Box::new))
            .transpose()
    }
    fn write(&self, el: &mut Element, name: &str) -> Result<(), XmlError> {
        if let Some(v) = self {
            el.children.push(Node::Element(v.write_element(name)?));
        }
        Ok(())
    }
}

impl<T: DataType> ChildField for Vec<Nullable<T>> {
    fn read(el: &mut Element, name: &str) -> Result<Self, XmlError> {
        el.take_children(name)
            .into_iter()
            .map(Nullable::read_element)
            .collect()
    }
    fn write(&self, el: &mut Element, name: &str) -> Result<(), XmlError> {
        for v in self {
            el.children.push(Node::Element(v.write_element(name)?));
        }
        Ok(())
    }
}

impl<T: DataType> ChildField for Nullable<T> {
    fn read(el: &mut Element, name: &str) -> Result<Self, XmlError> {
        let found = el.take_children(name);
        match at_most_one(el, name, found)? {
            Some(c) => Nullable::read_element(c),
            None => Err(XmlError::Missing {
                element: el.name.clone(),
                name: name.to_owned(),
            }),
        }
    }
    fn write(&self, el: &mut Element, name: &str) -> Result<(), XmlError> {
        el.children.push(Node::Element(self.write_element(name)?));
        Ok(())
    }
}

pub fn read_child<C: ChildField>(el: &mut Element, name: &str) -> Result<C, XmlError> {
    C::read(el, name)
}

pub fn write_child<C: ChildField>(el: &mut Element, name: &str, value: &C) -> Result<(), XmlError> {
    value.write(el, name)
}

/// Takes the part elements and the text between them, in order. Blank text between parts
/// is layout, not content, and is not kept. Text interrupted only by an element that is not
/// a part (`validTime`, say) is one run: XML cannot tell two adjacent texts apart, so
/// neither does the value.
pub fn read_parts<K: PartKind, P: DataType>(
    el: &mut Element,
) -> Result<Vec<Mixed<K, P>>, XmlError> {
    let mut out = Vec::new();
    let mut keep = Vec::new();
    for n in std::mem::take(&mut el.children) {
        match n {
            Node::Text(t) => match out.last_mut() {
                Some(Mixed::Text(run)) => run.push_str(&t),
                _ if t.trim().is_empty() => {}
                _ => out.push(Mixed::Text(t)),
            },
            Node::Element(c) => match K::from_element_name(&c.name) {
                Some(k) if c.ns.as_deref().is_none_or(|ns| ns == crate::xml::HL7_NS) => {
                    out.push(Mixed::Part(k, Nullable::read_element(c)?));
                }
                _ => keep.push(Node::Element(c)),
            },
        }
    }
    el.children = keep;
    Ok(out)
}

pub fn write_parts<K: PartKind, P: DataType>(
    el: &mut Element,
    parts: &[Mixed<K, P>],
) -> Result<(), XmlError> {
    for p in parts {
        match p {
            Mixed::Part(k, v) => el
                .children
                .push(Node::Element(v.write_element(k.element_name())?)),
            Mixed::Text(t) => el.children.push(Node::Text(t.clone())),
        }
    }
    Ok(())
}
