//! What the attribute macros share: reading a declaration's members and their positions, and
//! the descriptors built from them.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::punctuated::Punctuated;
use syn::token::Comma;
use syn::{Data, DeriveInput, Error, Field, Fields, Ident, Result};

use crate::attrs::{self, Errors, Kind, Member};

pub(crate) struct Wired<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) ty: &'a syn::Type,
    pub(crate) attr: Member,
}

/// The fields of a declaration: its members in order, and its tail (accepted, then dropped by
/// the expansion).
pub(crate) struct Parts<'a> {
    pub(crate) wired: Vec<Wired<'a>>,
    tail: Option<&'a syn::Field>,
    /// A field's `tail` key was reported as wrong: the field is its tail all the same.
    tail_failed: bool,
}

/// The struct's named fields, or why `kind` does not apply to the item.
pub(crate) fn named_fields(input: &DeriveInput, kind: Kind) -> Result<&Punctuated<Field, Comma>> {
    let ident = &input.ident;
    let (span, what) = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(named) => return Ok(&named.named),
            Fields::Unnamed(fields) => (quote!(#fields), "a tuple struct"),
            Fields::Unit => (quote!(#ident), "a unit struct"),
        },
        Data::Enum(e) => {
            let kw = e.enum_token;
            (quote!(#kw #ident), "an enum")
        }
        Data::Union(u) => {
            let kw = u.union_token;
            (quote!(#kw #ident), "a union")
        }
    };
    Err(Error::new_spanned(
        span,
        format!(
            "#[{}] applies to a struct with named fields, not to {what}",
            kind.name()
        ),
    ))
}

/// Reads the fields' attributes: one `#[hl7(tail)]` field, the others members.
pub(crate) fn parts<'a>(
    fields: &'a Punctuated<Field, Comma>,
    kind: Kind,
    errors: &mut Errors,
) -> Parts<'a> {
    let mut parts = Parts {
        wired: Vec::new(),
        tail: None,
        tail_failed: false,
    };
    for f in fields {
        let ident = f.ident.as_ref().expect("named field");
        let attr = attrs::member(&f.attrs, kind, errors);
        if let Some(span) = attr.tail {
            if let Some(first) = parts.tail {
                let first = first.ident.as_ref().expect("named field");
                errors.push(Error::new(
                    span,
                    format!("only one field may be `#[hl7(tail)]`; `{first}` already is"),
                ));
            } else {
                parts.tail = Some(f);
            }
            if let Some(other) = attr.keys.other_than("tail") {
                errors.push(Error::new(
                    other,
                    "a `#[hl7(tail)]` field takes no other key",
                ));
            }
            continue;
        }
        if attr.keys.failed("tail") {
            parts.tail_failed = true;
            continue;
        }
        parts.wired.push(Wired {
            ident,
            ty: &f.ty,
            attr,
        });
    }
    parts
}

/// Checks that positions (`seq` or `item`) run 1, 2, 3 … in field order.
pub(crate) fn positions(
    wired: &[Wired],
    key: &str,
    pos: impl Fn(&Member) -> Option<(u32, Span)>,
    errors: &mut Errors,
) {
    for (expected, w) in (1u32..).zip(wired) {
        match pos(&w.attr) {
            Some((n, span)) if n != expected => errors.push(Error::new(
                span,
                format!(
                    "`{key} = {n}` is out of order: positions run 1, 2, 3 … in field order, and this field is number {expected}"
                ),
            )),
            Some(_) => {}
            None if w.attr.keys.omitted(key) => errors.push(Error::new_spanned(
                w.ident,
                format!("missing `#[hl7({key} = {expected}, …)]` on this field"),
            )),
            None => {}
        }
    }
}

fn usage(m: &Member, krate: &syn::Path) -> TokenStream {
    let u = m.usage.as_ref().map_or("O", |(u, _)| u.as_str());
    let id = Ident::new(u, proc_macro2::Span::call_site());
    quote!(#krate::descriptor::Usage::#id)
}

pub(crate) fn element_desc(
    w: &Wired,
    card: (u32, Option<u32>),
    krate: &syn::Path,
    composite: TokenStream,
) -> TokenStream {
    let seq = w.attr.seq.map_or(0, |(s, _)| s);
    let name = w
        .attr
        .name
        .as_ref()
        .map_or_else(|| w.ident.to_string(), |n| n.value());
    let datatype = w
        .attr
        .datatype
        .as_ref()
        .map(|d| d.value())
        .unwrap_or_default();
    let usage = usage(&w.attr, krate);
    let (min, max) = card;
    let max = match max {
        Some(m) => quote!(Some(#m)),
        None => quote!(None),
    };
    let len = match w.attr.len {
        Some(l) => quote!(Some(#l)),
        None => quote!(None),
    };
    let table = match &w.attr.table {
        Some(t) => quote!(Some(#t)),
        None => quote!(None),
    };
    quote! {
        #krate::descriptor::ElementDesc {
            seq: #seq, name: #name, datatype: #datatype, usage: #usage,
            card: #krate::descriptor::Card { min: #min, max: #max }, len: #len, table: #table,
            composite: #composite,
        }
    }
}

pub(crate) fn container_name(c: &attrs::Container, ident: &Ident) -> String {
    c.name
        .as_ref()
        .map_or_else(|| ident.to_string(), |n| n.value())
}

/// Reports a segment's id that is missing or not three upper-case letters or digits.
pub(crate) fn segment_id_errors(c: &attrs::Container, ident: &Ident, errors: &mut Errors) {
    match &c.id {
        Some(id) if !valid_segment_id(&id.value()) => errors.push(Error::new(
            id.span(),
            format!(
                "invalid segment id \"{}\": a segment id is three upper-case letters or digits, e.g. \"ZPI\"",
                id.value()
            ),
        )),
        Some(_) => {}
        None if c.keys.omitted("segment") => errors.push(Error::new_spanned(
            ident,
            "missing `#[hl7(segment = \"…\")]`: the segment's three-character id",
        )),
        None => {}
    }
}

/// Whether a segment id is three upper-case letters or digits.
fn valid_segment_id(id: &str) -> bool {
    id.len() == 3
        && id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}
