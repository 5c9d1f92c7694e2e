//! What every data value shares: [`Nullable`] (a value, or a null with its flavor), the
//! [`DataType`] trait the generated types implement, and the few extras the standard lets a
//! null carry.

use crate::null_flavor::NullFlavor;
use crate::xml::{self, Element, ReadLimits, XmlError};

/// A v3 data type as the R1 XML ITS carries it. Implemented by the generated types.
pub trait DataType: Sized + Clone + std::fmt::Debug + PartialEq {
    /// What a null of this type may still carry (mostly nothing: [`NoExtras`]).
    type NullExtras: NullExtras;
    /// Whether a nullFlavor is allowed at all (BN forbids it).
    const NULLABLE: bool;
    /// The XSD type name, as `xsi:type` writes it (`PQ`, `IVL_TS`).
    fn xsi_type() -> String;
    /// Consumes this type's attributes, elements and text from `el`.
    fn read_from(el: &mut Element) -> Result<Self, XmlError>;
    /// Adds this type's attributes, elements and text to `el`.
    fn write_to(&self, el: &mut Element) -> Result<(), XmlError>;
}

/// What a null may carry besides its flavor.
pub trait NullExtras: Default + Clone + std::fmt::Debug + PartialEq {
    fn read_from(el: &mut Element) -> Result<Self, XmlError>;
    fn write_to(&self, el: &mut Element) -> Result<(), XmlError>;
}

/// A null carries nothing but its flavor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NoExtras;

impl NullExtras for NoExtras {
    fn read_from(_: &mut Element) -> Result<Self, XmlError> {
        Ok(NoExtras)
    }
    fn write_to(&self, _: &mut Element) -> Result<(), XmlError> {
        Ok(())
    }
}

/// A null CD (CE, CV) keeps its original text and translations: the concept was described
/// or coded elsewhere, but not in the required code system (typically flavor OTH, or UNC in
/// R2).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CodedNullExtras {
    pub original_text: Option<Box<Nullable<crate::datatypes::ED>>>,
    pub translation: Vec<Nullable<crate::datatypes::CD>>,
}

impl NullExtras for CodedNullExtras {
    fn read_from(el: &mut Element) -> Result<Self, XmlError> {
        Ok(CodedNullExtras {
            original_text: crate::its::read_child(el, "originalText")?,
            translation: crate::its::read_child(el, "translation")?,
        })
    }
    fn write_to(&self, el: &mut Element) -> Result<(), XmlError> {
        crate::its::write_child(el, "originalText", &self.original_text)?;
        crate::its::write_child(el, "translation", &self.translation)
    }
}

/// A null TEL keeps its `use`: "the work phone number is unknown".
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TelNullExtras {
    pub use_: Vec<String>,
}

impl NullExtras for TelNullExtras {
    fn read_from(el: &mut Element) -> Result<Self, XmlError> {
        Ok(TelNullExtras {
            use_: crate::its::read_attr(el, "use")?,
        })
    }
    fn write_to(&self, el: &mut Element) -> Result<(), XmlError> {
        crate::its::write_attr(el, "use", &self.use_);
        Ok(())
    }
}

/// A data value: a value of `T`, or a null with its flavor. Never both.
///
/// ```
/// use hl7_v3::{NullFlavor, Nullable, datatypes::II};
/// let id: Nullable<II> = hl7_v3::from_xml(r#"<id nullFlavor="UNK"/>"#).unwrap();
/// assert_eq!(id.null_flavor(), Some(NullFlavor::UNK));
/// let id: Nullable<II> = hl7_v3::from_xml(r#"<id root="2.16.840.1.113883.19" extension="12"/>"#).unwrap();
/// assert_eq!(id.value().unwrap().extension.as_deref(), Some("12"));
/// // A value together with a nullFlavor is refused.
/// assert!(hl7_v3::from_xml::<II>(r#"<id nullFlavor="UNK" root="1.2"/>"#).is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Nullable<T: DataType> {
    Value(T),
    Null {
        flavor: NullFlavor,
        extras: T::NullExtras,
    },
}

impl<T: DataType> Nullable<T> {
    /// A null with nothing but its flavor.
    pub fn null(flavor: NullFlavor) -> Self {
        Nullable::Null {
            flavor,
            extras: T::NullExtras::default(),
        }
    }

    /// The value, if not null.
    pub fn value(&self) -> Option<&T> {
        match self {
            Nullable::Value(v) => Some(v),
            Nullable::Null { .. } => None,
        }
    }

    /// The flavor, if null.
    pub fn null_flavor(&self) -> Option<NullFlavor> {
        match self {
            Nullable::Value(_) => None,
            Nullable::Null { flavor, .. } => Some(*flavor),
        }
    }

    /// Reads `el` completely: a nullFlavor and its extras, or a value.
    pub fn read_element(mut el: Element) -> Result<Self, XmlError> {
        let out = match el.take_attribute("nullFlavor") {
            Some(code) => {
                if !T::NULLABLE {
                    return Err(XmlError::NullNotAllowed { element: el.name });
                }
                let flavor =
                    NullFlavor::from_code(&code).ok_or_else(|| XmlError::UnknownNullFlavor {
                        element: el.name.clone(),
                        code,
                    })?;
                // A null element carries only the ITS's own xsi:type, never a value.
                el.xsi_type = None;
                let extras = T::NullExtras::read_from(&mut el)?;
                Nullable::Null { flavor, extras }
            }
            None => Nullable::Value(T::read_from(&mut el)?),
        };
        el.finish()?;
        Ok(out)
    }

    /// Writes the value as an element named `name`.
    pub fn write_element(&self, name: &str) -> Result<Element, XmlError> {
        let mut el = Element::new(name);
        match self {
            Nullable::Value(v) => v.write_to(&mut el)?,
            Nullable::Null { flavor, extras } => {
                if flavor.is_retired() {
                    return Err(XmlError::RetiredNullFlavor {
                        element: name.to_owned(),
                        code: flavor.code(),
                    });
                }
                el.attributes.push(xml::Attribute {
                    ns: None,
                    name: "nullFlavor".to_owned(),
                    value: flavor.code().to_owned(),
                });
                extras.write_to(&mut el)?;
            }
        }
        Ok(el)
    }
}

impl<T: DataType + Default> Default for Nullable<T> {
    fn default() -> Self {
        Nullable::Value(T::default())
    }
}

/// A part kind of a name or address (`given`, `city` …), implemented by the generated
/// `…Part` enums.
pub trait PartKind: Sized + Copy + std::fmt::Debug + PartialEq {
    /// The R1 element name (`streetAddressLine`).
    fn element_name(self) -> &'static str;
    /// The partType code it stands for (`SAL`).
    fn part_type(self) -> &'static str;
    fn from_element_name(name: &str) -> Option<Self>;
}

/// An item of a name or address: a typed part, or the text between parts.
#[derive(Debug, Clone, PartialEq)]
pub enum Mixed<K: PartKind, P: DataType> {
    Part(K, Nullable<P>),
    Text(String),
}

/// Reads one data value from XML: its root element is the value.
pub fn from_xml<T: DataType>(xml: &str) -> Result<Nullable<T>, XmlError> {
    from_xml_with(xml, &ReadLimits::default())
}

/// [`from_xml`] with explicit limits.
pub fn from_xml_with<T: DataType>(xml: &str, limits: &ReadLimits) -> Result<Nullable<T>, XmlError> {
    Nullable::read_element(xml::parse(xml, limits)?)
}

/// Writes one data value as an element named `name`.
///
/// ```
/// use hl7_v3::{Nullable, datatypes::PQ, to_xml};
/// let pq = PQ { value: Some("5".into()), unit: Some("mg".into()), ..PQ::default() };
/// assert_eq!(to_xml("dose", &Nullable::Value(pq)).unwrap(),
///            r#"<dose xmlns="urn:hl7-org:v3" value="5" unit="mg"/>"#);
/// ```
pub fn to_xml<T: DataType>(name: &str, value: &Nullable<T>) -> Result<String, XmlError> {
    let el = value.write_element(name)?;
    xml::check_writable(&el)?;
    Ok(xml::write(&el))
}
