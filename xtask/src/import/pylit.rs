//! Reads the module-level literal assignments of hl7apy's definition modules
//! (`MESSAGES = { ... }`, `FIELDS = { ... }`), so that importing needs no Python.
//!
//! Understood: strings (with `u`/`r`/`b` prefixes and escapes), integers, `None`, `True`,
//! `False`, tuples, lists, dicts and subscripted names (`SEGMENTS['PID']`, kept as a
//! reference). Other statements (imports, loops that patch the dicts) are skipped.

use anyhow::{Context, Result, bail};
use indexmap::IndexMap;

#[derive(Debug, Clone, PartialEq)]
pub enum Py {
    Str(String),
    Int(i64),
    None,
    Bool(bool),
    /// A tuple or a list.
    Seq(Vec<Py>),
    Dict(Vec<(Py, Py)>),
    /// `NAME['key']`.
    Ref(String, String),
}

impl Py {
    pub fn str(&self) -> Option<&str> {
        match self {
            Py::Str(s) => Some(s),
            _ => None,
        }
    }
    pub fn int(&self) -> Option<i64> {
        match self {
            Py::Int(i) => Some(*i),
            _ => None,
        }
    }
    pub fn seq(&self) -> Option<&[Py]> {
        match self {
            Py::Seq(v) => Some(v),
            _ => None,
        }
    }
    /// Items of a dict whose keys are strings, in source order.
    pub fn str_dict(&self) -> Result<Vec<(&str, &Py)>> {
        match self {
            Py::Dict(items) => items
                .iter()
                .map(|(k, v)| Ok((k.str().context("dict key is not a string")?, v)))
                .collect(),
            other => bail!("expected a dict, found {other:?}"),
        }
    }
}

/// Top-level `NAME = <literal>` assignments of `src`, in source order.
pub fn assignments(src: &str) -> Result<IndexMap<String, Py>> {
    let mut out = IndexMap::new();
    let bytes = src.as_bytes();
    let mut line_start = 0;
    while line_start < bytes.len() {
        let line_end = src[line_start..]
            .find('\n')
            .map_or(bytes.len(), |i| line_start + i);
        let line = &src[line_start..line_end];
        if let Some((name, rest)) = line.split_once(" = ")
            && !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit())
            && rest.trim_start().starts_with(['{', '(', '['])
        {
            let start = line_start + name.len() + 3;
            let mut p = Parser {
                s: bytes,
                pos: start,
            };
            let value = p
                .value()
                .with_context(|| format!("in the value of {name} (byte {})", p.pos))?;
            out.insert(name.to_owned(), value);
            line_start = p.pos;
            continue;
        }
        line_start = line_end + 1;
    }
    Ok(out)
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while self.pos < self.s.len() {
            match self.s[self.pos] {
                b' ' | b'\t' | b'\r' | b'\n' | b'\\' => self.pos += 1,
                b'#' => {
                    while self.pos < self.s.len() && self.s[self.pos] != b'\n' {
                        self.pos += 1;
                    }
                }
                _ => break,
            }
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.s.get(self.pos).copied()
    }

    fn expect(&mut self, b: u8) -> Result<()> {
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            bail!("expected `{}` at byte {}", b as char, self.pos)
        }
    }

    fn value(&mut self) -> Result<Py> {
        match self.peek() {
            Some(b'(') => self.seq(b')'),
            Some(b'[') => self.seq(b']'),
            Some(b'{') => self.dict(),
            Some(b'\'' | b'"') => self.string().map(Py::Str),
            Some(b'-' | b'0'..=b'9') => self.int(),
            Some(c) if c.is_ascii_alphabetic() || c == b'_' => self.name(),
            other => bail!(
                "unexpected {:?} at byte {}",
                other.map(char::from),
                self.pos
            ),
        }
    }

    fn seq(&mut self, close: u8) -> Result<Py> {
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            if self.peek() == Some(close) {
                self.pos += 1;
                return Ok(Py::Seq(items));
            }
            items.push(self.value()?);
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(c) if c == close => {}
                other => bail!(
                    "expected `,` or `{}`, found {:?} at byte {}",
                    close as char,
                    other.map(char::from),
                    self.pos
                ),
            }
        }
    }

    fn dict(&mut self) -> Result<Py> {
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            if self.peek() == Some(b'}') {
                self.pos += 1;
                return Ok(Py::Dict(items));
            }
            let k = self.value()?;
            self.expect(b':')?;
            let v = self.value()?;
            items.push((k, v));
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {}
                other => bail!(
                    "expected `,` or `}}`, found {:?} at byte {}",
                    other.map(char::from),
                    self.pos
                ),
            }
        }
    }

    fn int(&mut self) -> Result<Py> {
        let start = self.pos;
        if self.s[self.pos] == b'-' {
            self.pos += 1;
        }
        while self.pos < self.s.len() && self.s[self.pos].is_ascii_digit() {
            self.pos += 1;
        }
        let text = std::str::from_utf8(&self.s[start..self.pos])?;
        Ok(Py::Int(
            text.parse()
                .with_context(|| format!("bad integer `{text}`"))?,
        ))
    }

    fn ident(&mut self) -> String {
        let start = self.pos;
        while self.pos < self.s.len()
            && (self.s[self.pos].is_ascii_alphanumeric() || self.s[self.pos] == b'_')
        {
            self.pos += 1;
        }
        String::from_utf8_lossy(&self.s[start..self.pos]).into_owned()
    }

    fn name(&mut self) -> Result<Py> {
        // String prefixes: u'..', r'..', b'..'.
        if matches!(self.s.get(self.pos + 1), Some(b'\'' | b'"'))
            && matches!(self.s[self.pos], b'u' | b'r' | b'b' | b'U' | b'R' | b'B')
        {
            let raw = matches!(self.s[self.pos], b'r' | b'R');
            self.pos += 1;
            return self.string_raw(raw).map(Py::Str);
        }
        let name = self.ident();
        match name.as_str() {
            "None" => return Ok(Py::None),
            "True" => return Ok(Py::Bool(true)),
            "False" => return Ok(Py::Bool(false)),
            _ => {}
        }
        self.expect(b'[')?;
        let key = self.string()?;
        self.expect(b']')?;
        Ok(Py::Ref(name, key))
    }

    fn string(&mut self) -> Result<String> {
        self.string_raw(false)
    }

    fn string_raw(&mut self, raw: bool) -> Result<String> {
        let quote = self.s[self.pos];
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            let Some(&c) = self.s.get(self.pos) else {
                bail!("unterminated string")
            };
            self.pos += 1;
            match c {
                c if c == quote => break,
                b'\\' if !raw => {
                    let Some(&e) = self.s.get(self.pos) else {
                        bail!("unterminated escape")
                    };
                    self.pos += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b't' => out.push(b'\t'),
                        b'r' => out.push(b'\r'),
                        b'\\' | b'\'' | b'"' => out.push(e),
                        b'\n' => {}
                        b'x' => {
                            let hex = std::str::from_utf8(
                                self.s.get(self.pos..self.pos + 2).context("short \\x")?,
                            )?;
                            let ch =
                                char::from_u32(u32::from_str_radix(hex, 16)?).context("bad \\x")?;
                            out.extend(ch.to_string().bytes());
                            self.pos += 2;
                        }
                        b'u' => {
                            let hex = std::str::from_utf8(
                                self.s.get(self.pos..self.pos + 4).context("short \\u")?,
                            )?;
                            let ch =
                                char::from_u32(u32::from_str_radix(hex, 16)?).context("bad \\u")?;
                            out.extend(ch.to_string().bytes());
                            self.pos += 4;
                        }
                        other => {
                            out.push(b'\\');
                            out.push(other);
                        }
                    }
                }
                c => out.push(c),
            }
        }
        Ok(String::from_utf8(out)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_hl7apy_shapes() {
        let src = "from .x import Y\n\nFIELDS = {\n    'ABS_1': ('sequence', DATATYPES_STRUCTS['XCN'], 'XCN', 'DISCHARGE', 'HL70010', -1),\n    # comment\n    'B': ['leaf', None, u'it\\'s', r'a\\b', True],\n}\nfor k, v in iteritems(FIELDS):\n    pass\n";
        let a = assignments(src).unwrap();
        let fields = a["FIELDS"].str_dict().unwrap();
        assert_eq!(fields.len(), 2);
        let abs1 = fields[0].1.seq().unwrap();
        assert_eq!(abs1[1], Py::Ref("DATATYPES_STRUCTS".into(), "XCN".into()));
        assert_eq!(abs1[5], Py::Int(-1));
        let b = fields[1].1.seq().unwrap();
        assert_eq!(b[1], Py::None);
        assert_eq!(b[2], Py::Str("it's".into()));
        assert_eq!(b[3], Py::Str("a\\b".into()));
        assert_eq!(b[4], Py::Bool(true));
    }

    #[test]
    fn rejects_unterminated_input() {
        assert!(assignments("X = ('a', \n").is_err());
    }
}
