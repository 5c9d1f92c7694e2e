//! Primitive values as they travel: absent, present but null (`""`), or text.

use compact_str::CompactString;

use crate::delimiters::{Delimiters, Level};
use crate::element::Element;

/// A primitive value exactly as on the wire. Text keeps its escape sequences (`\F\`, `\X0D\`
/// …), so encoding gives back the bytes that were read; typed views decode from it.
///
/// Text up to 24 bytes (most HL7 values: codes, ids, dates, numbers) is stored inline, so a
/// typed message does not allocate per value; `Value` is 24 bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub enum Value {
    /// Not sent (empty between delimiters, or beyond the last delimiter).
    #[default]
    Absent,
    /// Sent as `""`: the sender says the value is now null.
    Null,
    /// Sent as this text (never empty, never `""`).
    Text(CompactString),
}

impl Value {
    /// The value of wire text `s`.
    pub fn from_wire(s: &str) -> Value {
        match s {
            "" => Value::Absent,
            "\"\"" => Value::Null,
            s => Value::Text(CompactString::new(s)),
        }
    }

    /// The text, when there is some.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(t) => Some(t.as_str()),
            _ => None,
        }
    }

    pub fn is_absent(&self) -> bool {
        matches!(self, Value::Absent)
    }

    /// Appends the wire form.
    pub fn write(&self, out: &mut String) {
        match self {
            Value::Absent => {}
            Value::Null => out.push_str("\"\""),
            Value::Text(t) => out.push_str(t.as_str()),
        }
    }
}

impl Element for Value {
    /// A primitive takes the whole text at any level: separators inside it, if any, are kept
    /// as part of the text so that nothing is lost.
    fn decode(&mut self, text: &str, _level: Level, _d: &Delimiters) {
        *self = Value::from_wire(text);
    }

    fn encode(&self, out: &mut String, _level: Level, _d: &Delimiters) {
        self.write(out);
    }

    fn is_absent(&self) -> bool {
        Value::is_absent(self)
    }

    fn as_value(&self) -> Option<&Value> {
        Some(self)
    }

    fn as_value_mut(&mut self) -> Option<&mut Value> {
        Some(self)
    }
}

macro_rules! primitives {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
        pub struct $name(pub Value);

        impl $name {
            /// The value as on the wire.
            pub fn value(&self) -> &Value {
                &self.0
            }
            /// The wire text, when there is some.
            pub fn as_str(&self) -> Option<&str> {
                self.0.as_str()
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name(Value::from_wire(s))
            }
        }

        impl Element for $name {
            fn decode(&mut self, text: &str, level: Level, d: &Delimiters) {
                self.0.decode(text, level, d)
            }
            fn encode(&self, out: &mut String, level: Level, d: &Delimiters) {
                self.0.encode(out, level, d)
            }
            fn is_absent(&self) -> bool {
                self.0.is_absent()
            }
            fn as_value(&self) -> Option<&Value> {
                Some(&self.0)
            }
            fn as_value_mut(&mut self) -> Option<&mut Value> {
                Some(&mut self.0)
            }
        }
    )*};
}

primitives! {
    /// ST: string data.
    St;
    /// TX: text data.
    Tx;
    /// FT: formatted text data (keeps `\.br\` and other formatting escapes).
    Ft;
    /// ID: a value from an HL7-defined table.
    Id;
    /// IS: a value from a user-defined table.
    Is;
    /// NM: a number.
    Nm;
    /// SI: a sequence id.
    Si;
    /// DT: a date.
    Dt;
    /// TM: a time.
    Tm;
    /// DTM: a date and time.
    Dtm;
    /// A primitive without a dedicated type (TS before it became composite, TN, CM, GTS, WD,
    /// and any a schema defines that the runtime does not know): its text as sent.
    Text;
    /// A field whose datatype another field names at run time (OBX-5): its text as sent,
    /// components and all.
    Varies;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_stay_small_and_short_text_is_inline() {
        // A typed segment holds one `Value` per primitive component: its size is the model's
        // memory footprint.
        assert_eq!(std::mem::size_of::<Value>(), 24);
        assert_eq!(std::mem::size_of::<crate::element::Tail>(), 16);
        let Value::Text(t) = Value::from_wire("20240101120000.0000+0100") else {
            panic!("text expected")
        };
        assert!(!t.is_heap_allocated());
    }

    #[test]
    fn wire_forms_are_kept_apart() {
        assert_eq!(Value::from_wire(""), Value::Absent);
        assert_eq!(Value::from_wire("\"\""), Value::Null);
        assert_eq!(Value::from_wire("\"\"x").as_str(), Some("\"\"x"));
        let mut out = String::new();
        Value::Null.write(&mut out);
        assert_eq!(out, "\"\"");
    }
}
