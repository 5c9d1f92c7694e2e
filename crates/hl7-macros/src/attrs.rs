//! Reading `#[hl7(...)]` attributes, gathering every error before failing.

use syn::spanned::Spanned;
use syn::{Attribute, Error, LitInt, LitStr, Result};

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

/// Container attributes: `#[hl7(segment = "PID", name = "…")]` or `#[hl7(datatype = "XPN", name = "…")]`.
#[derive(Default)]
pub struct Container {
    pub id: Option<LitStr>,
    pub name: Option<LitStr>,
}

/// Field attributes.
#[derive(Default)]
pub struct Member {
    pub tail: bool,
    pub seq: Option<(u32, proc_macro2::Span)>,
    pub datatype: Option<LitStr>,
    pub usage: Option<(String, proc_macro2::Span)>,
    pub card: Option<(u32, Option<u32>, proc_macro2::Span)>,
    pub len: Option<u32>,
    pub table: Option<LitStr>,
    pub name: Option<LitStr>,
    /// Group derive: 1-based position in the body.
    pub item: Option<(u32, proc_macro2::Span)>,
    /// Group derive: the item is this segment.
    pub segment: Option<LitStr>,
    /// Group derive: the item is a group.
    pub group: bool,
}

pub const USAGES: &[&str] = &["R", "RE", "O", "C", "X", "B"];

pub fn container(attrs: &[Attribute], id_key: &str, errors: &mut Errors) -> Container {
    let mut c = Container::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("hl7")) {
        let r = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident(id_key) {
                c.id = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("name") {
                c.name = Some(meta.value()?.parse()?);
            } else {
                return Err(meta.error(format!(
                    "unknown hl7 attribute; expected `{id_key}` or `name`"
                )));
            }
            Ok(())
        });
        if let Err(e) = r {
            errors.push(e);
        }
    }
    c
}

pub fn parse_card(lit: &LitStr) -> Result<(u32, Option<u32>)> {
    let s = lit.value();
    let bad = || {
        Error::new(
            lit.span(),
            "cardinality must be \"MIN..MAX\" with MAX a number or `*`, e.g. \"0..1\"",
        )
    };
    let (min, max) = s.split_once("..").ok_or_else(bad)?;
    let min: u32 = min.parse().map_err(|_| bad())?;
    let max = if max == "*" {
        None
    } else {
        Some(max.parse::<u32>().map_err(|_| bad())?)
    };
    if let Some(m) = max
        && (m == 0 || m < min)
    {
        return Err(Error::new(
            lit.span(),
            format!("cardinality {s}: max must be at least 1 and not below min"),
        ));
    }
    Ok((min, max))
}

pub fn member(attrs: &[Attribute], errors: &mut Errors) -> Member {
    let mut m = Member::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("hl7")) {
        let r = attr.parse_nested_meta(|meta| {
            let key = meta.path.get_ident().map(|i| i.to_string()).unwrap_or_default();
            match key.as_str() {
                "tail" => m.tail = true,
                "group" => m.group = true,
                "segment" => m.segment = Some(meta.value()?.parse()?),
                "item" => {
                    let lit: LitInt = meta.value()?.parse()?;
                    m.item = Some((lit.base10_parse()?, lit.span()));
                }
                "seq" => {
                    let lit: LitInt = meta.value()?.parse()?;
                    m.seq = Some((lit.base10_parse()?, lit.span()));
                }
                "datatype" => m.datatype = Some(meta.value()?.parse()?),
                "name" => m.name = Some(meta.value()?.parse()?),
                "table" => m.table = Some(meta.value()?.parse()?),
                "len" => {
                    let lit: LitInt = meta.value()?.parse()?;
                    m.len = Some(lit.base10_parse()?);
                }
                "usage" => {
                    let lit: LitStr = meta.value()?.parse()?;
                    if !USAGES.contains(&lit.value().as_str()) {
                        return Err(Error::new(lit.span(), "usage must be one of R, RE, O, C, X, B"));
                    }
                    m.usage = Some((lit.value(), lit.span()));
                }
                "card" => {
                    let lit: LitStr = meta.value()?.parse()?;
                    let (min, max) = parse_card(&lit)?;
                    m.card = Some((min, max, lit.span()));
                }
                _ => {
                    return Err(meta.error(
                        "unknown hl7 attribute; expected one of tail, seq, datatype, name, usage, card, len, table, item, segment, group",
                    ));
                }
            }
            Ok(())
        });
        if let Err(e) = r {
            errors.push(e);
        }
    }
    m
}

/// Group derive container: `#[hl7(group = "PATIENT", choice)]` or
/// `#[hl7(structure = "ORU_R01", name = "…")]`.
#[derive(Default)]
pub struct GroupContainer {
    pub group: Option<LitStr>,
    pub structure: Option<LitStr>,
    pub name: Option<LitStr>,
    pub choice: bool,
}

pub fn group_container(attrs: &[Attribute], errors: &mut Errors) -> GroupContainer {
    let mut c = GroupContainer::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("hl7")) {
        let r = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("group") {
                c.group = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("structure") {
                c.structure = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("name") {
                c.name = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("choice") {
                c.choice = true;
            } else {
                return Err(meta.error(
                    "unknown hl7 attribute; expected `group`, `structure`, `name` or `choice`",
                ));
            }
            Ok(())
        });
        if let Err(e) = r {
            errors.push(e);
        }
    }
    c
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

/// Whether a type is syntactically `Vec<…>`.
pub fn is_vec(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Vec"))
}

pub fn span_of<T: Spanned>(t: &T) -> proc_macro2::Span {
    t.span()
}
