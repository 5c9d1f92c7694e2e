//! Reading `#[hl7(...)]` attributes, gathering every error before failing.
//!
//! A key that is unknown, repeated, or whose value is invalid is reported and the rest of the
//! attribute is still read, so one compile lists every mistake. Checks that depend on a value
//! (a missing `seq` or `datatype`) are skipped when the value could not be read, rather than
//! piling a second error onto the first.

use proc_macro2::Span;
use quote::ToTokens;
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Attribute, Error, LitInt, LitStr, Result, Token};

/// Collects errors so that one expansion reports all of them.
#[derive(Default)]
pub struct Errors(Option<Error>);

impl Errors {
    pub fn push(&mut self, e: Error) {
        match &mut self.0 {
            Some(all) => all.combine(e),
            None => self.0 = Some(e),
        }
    }
    pub fn finish(self) -> Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

/// Which attribute macro is reading the attributes: it decides the keys a field may carry.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Composite,
    Segment,
    Group,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Composite => "composite",
            Kind::Segment => "segment",
            Kind::Group => "group",
        }
    }

    fn member_keys(self) -> &'static [&'static str] {
        match self {
            Kind::Composite => &["tail", "seq", "datatype", "name", "usage", "len", "table"],
            Kind::Segment => &[
                "tail", "seq", "datatype", "name", "usage", "card", "len", "table",
            ],
            Kind::Group => &["tail", "item", "segment", "group", "card"],
        }
    }

    fn container_keys(self) -> &'static [&'static str] {
        match self {
            Kind::Composite => &["datatype", "name"],
            Kind::Segment => &["segment", "name"],
            Kind::Group => &["group", "structure", "name", "choice"],
        }
    }
}

/// "`a`, `b` or `c`".
fn key_list(keys: &[&str]) -> String {
    let quoted: Vec<_> = keys.iter().map(|k| format!("`{k}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => quoted.concat(),
    }
}

/// Container attributes: `#[hl7(segment = "PID", name = "…")]`,
/// `#[hl7(datatype = "XPN", name = "…")]`, `#[hl7(group = "PATIENT", choice)]` or
/// `#[hl7(structure = "ORU_R01", name = "…")]`.
#[derive(Default)]
pub struct Container {
    /// `segment` or `datatype`, by kind.
    pub id: Option<LitStr>,
    pub name: Option<LitStr>,
    pub group: Option<LitStr>,
    pub structure: Option<LitStr>,
    pub choice: bool,
    pub keys: Keys,
}

/// Field attributes.
#[derive(Default)]
pub struct Member {
    /// The `tail` key.
    pub tail: Option<Span>,
    pub seq: Option<(u32, Span)>,
    pub datatype: Option<LitStr>,
    pub usage: Option<(String, Span)>,
    pub card: Option<(u32, Option<u32>, Span)>,
    pub len: Option<u32>,
    pub table: Option<LitStr>,
    pub name: Option<LitStr>,
    /// `#[group]`: 1-based position in the body.
    pub item: Option<(u32, Span)>,
    /// `#[group]`: the item is this segment.
    pub segment: Option<LitStr>,
    /// `#[group]`: the item is a group.
    pub group: Option<Span>,
    pub keys: Keys,
}

pub const USAGES: &[&str] = &["R", "RE", "O", "C", "X", "B"];

/// The keys an item's attributes gave, and those whose value could not be read. A value
/// missing because of an error already reported is not reported a second time as missing.
#[derive(Default)]
pub struct Keys {
    /// Known keys, by the span of the key.
    given: Vec<(String, Span)>,
    failed: Vec<String>,
    /// An attribute could not be read to its end: any key may have been lost.
    all_failed: bool,
}

impl Keys {
    /// Whether a missing value of `key` is the user's omission rather than a consequence of an
    /// error already reported.
    pub fn omitted(&self, key: &str) -> bool {
        !self.all_failed && !self.failed.iter().any(|k| k == key)
    }

    /// Whether `key` was given with a value that could not be read.
    pub fn failed(&self, key: &str) -> bool {
        self.failed.iter().any(|k| k == key)
    }

    /// The first key given other than `key`.
    pub fn other_than(&self, key: &str) -> Option<Span> {
        self.given.iter().find(|(k, _)| k != key).map(|(_, s)| *s)
    }
}

/// Reads every `#[hl7(...)]` of `attrs`, handing each key to `key`, which returns whether it
/// knew the key. Unknown keys and failed values are reported, and reading goes on.
fn each_key(
    attrs: &[Attribute],
    errors: &mut Errors,
    unknown: impl Fn(&str) -> String,
    mut key: impl FnMut(&str, &ParseNestedMeta) -> Result<bool>,
) -> Keys {
    let mut keys = Keys::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("hl7")) {
        let r = attr.parse_nested_meta(|meta| {
            let name = meta
                .path
                .get_ident()
                .map(|i| i.to_string())
                .unwrap_or_default();
            match key(&name, &meta) {
                Ok(true) => keys.given.push((name, meta.path.span())),
                Ok(false) => {
                    let shown = meta
                        .path
                        .segments
                        .iter()
                        .map(|s| s.ident.to_string())
                        .collect::<Vec<_>>()
                        .join("::");
                    errors.push(meta.error(unknown(&shown)));
                    skip_value(&meta)?;
                }
                Err(e) => {
                    keys.failed.push(name);
                    errors.push(e);
                    skip_value(&meta)?;
                }
            }
            Ok(())
        });
        if let Err(e) = r {
            keys.all_failed = true;
            errors.push(e);
        }
    }
    keys
}

/// Steps over the rest of a key that was not taken (`= value`, `(…)`, or what is left of a value
/// that failed), up to the next comma.
fn skip_value(meta: &ParseNestedMeta) -> Result<()> {
    meta.input.step(|cursor| {
        let mut rest = *cursor;
        while let Some((tt, next)) = rest.token_tree() {
            if matches!(&tt, proc_macro2::TokenTree::Punct(p) if p.as_char() == ',') {
                break;
            }
            rest = next;
        }
        Ok(((), rest))
    })
}

/// A key without a value: `tail`, `group`, `choice`.
fn flag(key: &str, meta: &ParseNestedMeta) -> Result<Span> {
    if meta.input.peek(Token![=]) || meta.input.peek(syn::token::Paren) {
        return Err(meta.error(format!("`{key}` takes no value: write `{key}` alone")));
    }
    Ok(meta.path.span())
}

/// Stores a key's value, reporting a key given twice.
fn once<T>(slot: &mut Option<T>, value: T, key: &str, span: Span) -> Result<()> {
    if slot.replace(value).is_some() {
        return Err(Error::new(span, format!("`{key}` is given twice")));
    }
    Ok(())
}

pub fn container(attrs: &[Attribute], kind: Kind, errors: &mut Errors) -> Container {
    let mut c = Container::default();
    let keys = kind.container_keys();
    let unknown = |key: &str| {
        format!(
            "unknown key `{key}` for #[{}]; expected {}",
            kind.name(),
            key_list(keys)
        )
    };
    c.keys = each_key(attrs, errors, unknown, |key, meta| {
        if !keys.contains(&key) {
            return Ok(false);
        }
        let span = meta.path.span();
        match key {
            "segment" | "datatype" => once(&mut c.id, string(meta)?, key, span)?,
            "name" => once(&mut c.name, string(meta)?, key, span)?,
            "group" => once(&mut c.group, string(meta)?, key, span)?,
            "structure" => once(&mut c.structure, string(meta)?, key, span)?,
            "choice" => {
                flag(key, meta)?;
                if std::mem::replace(&mut c.choice, true) {
                    return Err(meta.error("`choice` is given twice"));
                }
            }
            _ => unreachable!("every listed key is handled"),
        }
        Ok(true)
    });
    c
}

pub fn parse_card(lit: &LitStr) -> Result<(u32, Option<u32>)> {
    let s = lit.value();
    let bad = || {
        Error::new(
            lit.span(),
            format!(
                "invalid cardinality \"{s}\": write \"MIN..MAX\" with MAX a number or `*`, e.g. \"0..1\" or \"1..*\""
            ),
        )
    };
    let (min, max) = s.split_once("..").ok_or_else(bad)?;
    let min: u32 = min.parse().map_err(|_| bad())?;
    let max = if max == "*" {
        None
    } else {
        Some(max.parse::<u32>().map_err(|_| bad())?)
    };
    match max {
        Some(0) => Err(Error::new(
            lit.span(),
            format!("cardinality \"{s}\": max must be at least 1"),
        )),
        Some(m) if m < min => Err(Error::new(
            lit.span(),
            format!("cardinality \"{s}\": max {m} is below min {min}"),
        )),
        _ => Ok((min, max)),
    }
}

/// The value of `key = value`, which must be a literal of type `T` (`what` in the error).
fn literal<T: syn::parse::Parse>(meta: &ParseNestedMeta, what: &str) -> Result<T> {
    let expr: syn::Expr = meta.value()?.parse()?;
    syn::parse2(expr.to_token_stream())
        .map_err(|_| Error::new_spanned(&expr, format!("expected {what}")))
}

fn string(meta: &ParseNestedMeta) -> Result<LitStr> {
    literal(meta, "a string literal")
}

fn int(meta: &ParseNestedMeta) -> Result<(u32, Span)> {
    let lit: LitInt = literal(meta, "an integer literal")?;
    Ok((lit.base10_parse()?, lit.span()))
}

pub fn member(attrs: &[Attribute], kind: Kind, errors: &mut Errors) -> Member {
    let mut m = Member::default();
    let keys = kind.member_keys();
    let unknown = |key: &str| {
        format!(
            "unknown key `{key}` for a field of #[{}]; expected {}",
            kind.name(),
            key_list(keys)
        )
    };
    m.keys = each_key(attrs, errors, unknown, |key, meta| {
        let span = meta.path.span();
        if kind == Kind::Composite && key == "card" {
            skip_value(meta)?;
            return Err(meta.error(
                "components do not repeat: drop `card` (`usage = \"R\"` makes a component required)",
            ));
        }
        if !keys.contains(&key) {
            return Ok(false);
        }
        match key {
            "tail" => once(&mut m.tail, flag(key, meta)?, key, span)?,
            "group" => once(&mut m.group, flag(key, meta)?, key, span)?,
            "segment" => once(&mut m.segment, string(meta)?, key, span)?,
            "item" => once(&mut m.item, int(meta)?, key, span)?,
            "seq" => once(&mut m.seq, int(meta)?, key, span)?,
            "len" => once(&mut m.len, int(meta)?.0, key, span)?,
            "datatype" => once(&mut m.datatype, string(meta)?, key, span)?,
            "name" => once(&mut m.name, string(meta)?, key, span)?,
            "table" => once(&mut m.table, string(meta)?, key, span)?,
            "usage" => {
                let lit = string(meta)?;
                if !USAGES.contains(&lit.value().as_str()) {
                    return Err(Error::new(
                        lit.span(),
                        format!(
                            "unknown usage \"{}\"; expected one of R, RE, O, C, X, B",
                            lit.value()
                        ),
                    ));
                }
                once(&mut m.usage, (lit.value(), lit.span()), key, span)?;
            }
            "card" => {
                let lit = string(meta)?;
                let (min, max) = parse_card(&lit)?;
                once(&mut m.card, (min, max, lit.span()), key, span)?;
            }
            _ => unreachable!("every listed key is handled"),
        }
        Ok(true)
    });
    m
}

/// The `T` of `Option<T>` or `Vec<T>` (with which of the two), or the type itself.
pub fn wrapped(ty: &syn::Type) -> (Option<&'static str>, &syn::Type) {
    if let syn::Type::Path(p) = ty
        && let Some(last) = p.path.segments.last()
        && (last.ident == "Option" || last.ident == "Vec")
        && let syn::PathArguments::AngleBracketed(args) = &last.arguments
        && let Some(syn::GenericArgument::Type(inner)) = args.args.first()
    {
        let kind = if last.ident == "Option" {
            "Option"
        } else {
            "Vec"
        };
        return (Some(kind), inner);
    }
    (None, ty)
}

/// Cardinality as written in attributes: `0..1`, `1..*`.
pub fn card_text(min: u32, max: Option<u32>) -> String {
    match max {
        Some(m) => format!("{min}..{m}"),
        None => format!("{min}..*"),
    }
}
