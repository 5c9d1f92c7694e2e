//! Expansions of the derives.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::token::Comma;
use syn::{Data, DeriveInput, Error, Field, Fields, Ident, Result};

use crate::attrs::{self, Derive, Errors, Member};

pub(crate) struct Wired<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) ty: &'a syn::Type,
    pub(crate) attr: Member,
}

/// The fields of a struct the derives apply to: its members in order, and its tail.
pub(crate) struct Parts<'a> {
    pub(crate) wired: Vec<Wired<'a>>,
    tail: Option<&'a syn::Field>,
    /// A field's `tail` key was reported as wrong: the field is its tail all the same.
    tail_failed: bool,
}

/// The struct's named fields, or why `derive` does not apply to the item.
pub(crate) fn named_fields(
    input: &DeriveInput,
    derive: Derive,
) -> Result<&Punctuated<Field, Comma>> {
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
            "#[derive({})] applies to a struct with named fields, not to {what}",
            derive.name()
        ),
    ))
}

/// Reads the fields' attributes: one `#[hl7(tail)]` field, the others members.
pub(crate) fn parts<'a>(
    fields: &'a Punctuated<Field, Comma>,
    derive: Derive,
    errors: &mut Errors,
) -> Parts<'a> {
    let mut parts = Parts {
        wired: Vec::new(),
        tail: None,
        tail_failed: false,
    };
    for f in fields {
        let ident = f.ident.as_ref().expect("named field");
        let attr = attrs::member(&f.attrs, derive, errors);
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

/// Reports a struct without a tail field.
fn need_tail(input: &DeriveInput, parts: &Parts, ty: &str, why: &str, errors: &mut Errors) {
    if parts.tail.is_none() && !parts.tail_failed {
        errors.push(Error::new_spanned(
            &input.ident,
            format!("missing tail: add a field `#[hl7(tail)] pub tail: {ty}` {why}"),
        ));
    }
}

/// The struct's members checked for the composite and segment derives: positions 1, 2, 3 …
/// in field order, a datatype on each, exactly one `#[hl7(tail)]`.
fn members<'a>(input: &'a DeriveInput, derive: Derive, errors: &mut Errors) -> Option<Parts<'a>> {
    let fields = match named_fields(input, derive) {
        Ok(f) => f,
        Err(e) => {
            errors.push(e);
            return None;
        }
    };
    let parts = parts(fields, derive, errors);
    positions(&parts.wired, "seq", |m| m.seq, errors);
    for w in &parts.wired {
        if w.attr.datatype.is_none() && w.attr.keys.omitted("datatype") {
            errors.push(Error::new_spanned(
                w.ident,
                "missing `datatype = \"…\"` (the datatype id, e.g. \"ST\") on this field",
            ));
        }
    }
    need_tail(
        input,
        &parts,
        "hl7_model::element::Tail",
        "to keep what the definition does not cover",
        errors,
    );
    Some(parts)
}

/// `&self.field` (or `&mut self.field`), spanned at the field's type so that a type that does
/// not fit is reported there.
fn access(ident: &Ident, ty: &syn::Type, mutable: bool) -> TokenStream {
    let m = mutable.then(|| quote!(mut));
    quote_spanned!(ty.span()=> &#m self.#ident)
}

/// The tail accessors.
fn tail_methods(tail: &Field, ty: TokenStream) -> TokenStream {
    let ident = tail.ident.as_ref().expect("named field");
    let get = access(ident, &tail.ty, false);
    let get_mut = access(ident, &tail.ty, true);
    quote! {
        fn tail(&self) -> &#ty { #get }
        fn tail_mut(&mut self) -> &mut #ty { #get_mut }
    }
}

fn usage(m: &Member) -> TokenStream {
    let u = m.usage.as_ref().map_or("O", |(u, _)| u.as_str());
    let id = Ident::new(u, proc_macro2::Span::call_site());
    quote!(::hl7_model::descriptor::Usage::#id)
}

pub(crate) fn element_desc(w: &Wired, card: (u32, Option<u32>)) -> TokenStream {
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
    let usage = usage(&w.attr);
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
        ::hl7_model::descriptor::ElementDesc {
            seq: #seq, name: #name, datatype: #datatype, usage: #usage,
            card: ::hl7_model::descriptor::Card { min: #min, max: #max }, len: #len, table: #table,
        }
    }
}

pub(crate) fn container_name(c: &attrs::Container, ident: &Ident) -> String {
    c.name
        .as_ref()
        .map_or_else(|| ident.to_string(), |n| n.value())
}

pub fn composite(input: &DeriveInput) -> Result<TokenStream> {
    let mut errors = Errors::default();
    let c = attrs::container(&input.attrs, Derive::Composite, &mut errors);
    if c.id.is_none() && c.keys.omitted("datatype") {
        errors.push(Error::new_spanned(
            &input.ident,
            "missing `#[hl7(datatype = \"…\")]`: the composite's datatype id",
        ));
    }
    let parts = members(input, Derive::Composite, &mut errors);
    errors.finish()?;
    let (
        Some(Parts {
            wired,
            tail: Some(tail),
            ..
        }),
        Some(id),
    ) = (parts, &c.id)
    else {
        unreachable!("reported above");
    };
    let ident = &input.ident;
    let name = container_name(&c, ident);
    let descs = wired.iter().map(|w| {
        let min = u32::from(w.attr.usage.as_ref().is_some_and(|(u, _)| u == "R"));
        element_desc(w, (min, Some(1)))
    });
    let idx = 0..wired.len();
    let idx2 = 0..wired.len();
    let refs = wired.iter().map(|w| access(w.ident, w.ty, false));
    let muts = wired.iter().map(|w| access(w.ident, w.ty, true));
    let tail = tail_methods(tail, quote!(Tail));
    let (impl_g, ty_g, where_g) = input.generics.split_for_impl();
    Ok(quote! {
        const _: () = {
            use ::hl7_model::delimiters::{Delimiters, Level};
            use ::hl7_model::element::{self as __e, Element, Tail};
            impl #impl_g __e::CompositeType for #ident #ty_g #where_g {
                const DESC: &'static ::hl7_model::descriptor::DatatypeDesc = &::hl7_model::descriptor::DatatypeDesc {
                    id: #id, name: #name, components: &[#(#descs),*],
                };
            }
            impl #impl_g __e::Composite for #ident #ty_g #where_g {
                fn desc(&self) -> &'static ::hl7_model::descriptor::DatatypeDesc {
                    <Self as __e::CompositeType>::DESC
                }
                fn component(&self, i: usize) -> Option<&dyn Element> {
                    match i { #(#idx => Some(#refs),)* _ => None }
                }
                fn component_mut(&mut self, i: usize) -> Option<&mut dyn Element> {
                    match i { #(#idx2 => Some(#muts),)* _ => None }
                }
                #tail
            }
            impl #impl_g Element for #ident #ty_g #where_g {
                fn decode(&mut self, text: &str, level: Level, d: &Delimiters) {
                    __e::decode_composite(self, text, level, d)
                }
                fn encode(&self, out: &mut String, level: Level, d: &Delimiters) {
                    __e::encode_composite(self, out, level, d)
                }
                fn is_absent(&self) -> bool {
                    __e::composite_is_absent(self)
                }
                fn as_composite(&self) -> Option<&dyn __e::Composite> {
                    Some(self)
                }
                fn as_composite_mut(&mut self) -> Option<&mut dyn __e::Composite> {
                    Some(self)
                }
            }
        };
    })
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

pub fn segment(input: &DeriveInput) -> Result<TokenStream> {
    let mut errors = Errors::default();
    let c = attrs::container(&input.attrs, Derive::Segment, &mut errors);
    segment_id_errors(&c, &input.ident, &mut errors);
    let parts = members(input, Derive::Segment, &mut errors);
    let mut descs = Vec::new();
    let mut refs = Vec::new();
    let mut muts = Vec::new();
    for w in parts.iter().flat_map(|p| &p.wired) {
        let (min, max) = w.attr.card.map_or((0, Some(1)), |(min, max, _)| (min, max));
        let repeats = max != Some(1);
        if repeats != attrs::is_vec(w.ty) && w.attr.keys.omitted("card") {
            let card = attrs::card_text(min, max);
            let msg = if repeats {
                format!("card \"{card}\" repeats, so this field must have type `Vec<…>`")
            } else if w.attr.card.is_some() {
                format!(
                    "a field of type `Vec<…>` needs a repeating `card` such as \"0..*\"; \"{card}\" allows one occurrence"
                )
            } else {
                "a field of type `Vec<…>` needs a repeating `card` such as \"0..*\" (without `card` a field occurs at most once)".to_owned()
            };
            errors.push(Error::new_spanned(w.ty, msg));
        }
        descs.push(element_desc(w, (min, max)));
        let seq = w.attr.seq.map_or(0, |(s, _)| s);
        let (r, m) = (access(w.ident, w.ty, false), access(w.ident, w.ty, true));
        if repeats {
            refs.push(quote!(#seq => Some(__e::FieldRef::Repeated(#r))));
            muts.push(quote!(#seq => Some(__e::FieldMut::Repeated(#m))));
        } else {
            refs.push(quote!(#seq => Some(__e::FieldRef::One(#r))));
            muts.push(quote!(#seq => Some(__e::FieldMut::One(#m))));
        }
    }
    errors.finish()?;
    let (
        Some(Parts {
            tail: Some(tail), ..
        }),
        Some(id),
    ) = (parts, &c.id)
    else {
        unreachable!("reported above");
    };
    let ident = &input.ident;
    let name = container_name(&c, ident);
    let tail = tail_methods(tail, quote!(Tail));
    let (impl_g, ty_g, where_g) = input.generics.split_for_impl();
    Ok(quote! {
        const _: () = {
            use ::hl7_model::element::{self as __e, Tail};
            impl #impl_g __e::SegmentType for #ident #ty_g #where_g {
                const DESC: &'static ::hl7_model::descriptor::SegmentDesc = &::hl7_model::descriptor::SegmentDesc {
                    id: #id, name: #name, fields: &[#(#descs),*],
                };
            }
            impl #impl_g __e::Segment for #ident #ty_g #where_g {
                fn desc(&self) -> &'static ::hl7_model::descriptor::SegmentDesc {
                    <Self as __e::SegmentType>::DESC
                }
                fn field(&self, seq: u32) -> Option<__e::FieldRef<'_>> {
                    match seq { #(#refs,)* _ => None }
                }
                fn field_mut(&mut self, seq: u32) -> Option<__e::FieldMut<'_>> {
                    match seq { #(#muts,)* _ => None }
                }
                #tail
            }
        };
    })
}

pub fn group(input: &DeriveInput) -> Result<TokenStream> {
    let mut errors = Errors::default();
    let c = attrs::container(&input.attrs, Derive::Group, &mut errors);
    let ident = &input.ident;
    let name = match (&c.group, &c.structure) {
        (Some(g), None) => Some(g.value()),
        (None, Some(s)) => Some(s.value()),
        (Some(_), Some(s)) => {
            errors.push(Error::new(
                s.span(),
                "give `group = \"…\"` for a group or `structure = \"…\"` for a message structure, not both",
            ));
            None
        }
        (None, None) => {
            if c.keys.omitted("group") && c.keys.omitted("structure") {
                errors.push(Error::new_spanned(
                    ident,
                    "missing `#[hl7(group = \"…\")]` (a group) or `#[hl7(structure = \"…\")]` (a message structure)",
                ));
            }
            None
        }
    };
    let fields = match named_fields(input, Derive::Group) {
        Ok(fields) => fields,
        Err(e) => return Err(errors.fail(e)),
    };
    let parts = parts(fields, Derive::Group, &mut errors);
    positions(&parts.wired, "item", |m| m.item, &mut errors);
    need_tail(
        input,
        &parts,
        "hl7_model::group::GroupTail",
        "for whether the group occurred and for unexpected segments",
        &mut errors,
    );
    let mut items = Vec::new();
    let mut refs = Vec::new();
    let mut muts = Vec::new();
    for (index, w) in parts.wired.iter().enumerate() {
        let m = &w.attr;
        let (min, max) = m.card.map_or((1, Some(1)), |(min, max, _)| (min, max));
        let (wrapper, inner) = attrs::wrapped(w.ty);
        let want = if max != Some(1) {
            Some("Vec")
        } else if min == 0 {
            Some("Option")
        } else {
            None
        };
        if wrapper != want && m.keys.omitted("card") {
            let card = attrs::card_text(min, max);
            let msg = match (want, wrapper) {
                (Some("Vec"), _) => {
                    format!("card \"{card}\" repeats, so this item must have type `Vec<…>`")
                }
                (Some(_), _) => {
                    format!("card \"{card}\" is optional, so this item must have type `Option<…>`")
                }
                (None, found) => {
                    let found = found.unwrap_or_default();
                    let hint = if found == "Vec" { "0..*" } else { "0..1" };
                    if m.card.is_some() {
                        format!(
                            "card \"{card}\" is exactly one occurrence, so this item is held as the type itself, not in `{found}<…>`"
                        )
                    } else {
                        format!(
                            "without `card` an item occurs exactly once (\"1..1\") and is held as the type itself, not in `{found}<…>`; did you mean `card = \"{hint}\"`?"
                        )
                    }
                }
            };
            errors.push(Error::new_spanned(w.ty, msg));
        }
        let max_t = match max {
            Some(m) => quote!(Some(#m)),
            None => quote!(None),
        };
        let card = quote!(::hl7_model::descriptor::Card { min: #min, max: #max_t });
        let (r, mu) = (access(w.ident, w.ty, false), access(w.ident, w.ty, true));
        match (&m.segment, m.group) {
            (Some(seg), None) => {
                items.push(
                    quote!(::hl7_model::descriptor::ItemDesc::Segment { id: #seg, card: #card }),
                );
                refs.push(quote!(#index => Some(__g::ItemRef::Segment(#r))));
                muts.push(quote!(#index => Some(__g::ItemMut::Segment(#mu))));
            }
            (None, Some(_)) => {
                let desc = quote_spanned!(inner.span()=> <#inner as __g::GroupType>::DESC);
                items.push(quote! {
                    ::hl7_model::descriptor::ItemDesc::Group { group: #desc, card: #card }
                });
                refs.push(quote!(#index => Some(__g::ItemRef::Group(#r))));
                muts.push(quote!(#index => Some(__g::ItemMut::Group(#mu))));
            }
            (Some(_), Some(group)) => errors.push(Error::new(
                group,
                "an item is a segment (`segment = \"…\"`) or a group (`group`), not both",
            )),
            (None, None) => {
                if m.keys.omitted("segment") && m.keys.omitted("group") {
                    errors.push(Error::new_spanned(
                        w.ident,
                        "missing `segment = \"…\"` (the item is a segment) or `group` (the item is a group) on this field",
                    ));
                }
            }
        }
    }
    errors.finish()?;
    let (Some(name), Some(tail)) = (name, parts.tail) else {
        unreachable!("reported above");
    };
    let choice = c.choice;
    let tail = tail_methods(tail, quote!(GroupTail));
    let (impl_g, ty_g, where_g) = input.generics.split_for_impl();
    let structure = c.structure.as_ref().map(|id| {
        let long = c.name.as_ref().map_or_else(|| id.value(), |n| n.value());
        quote! {
            impl #impl_g __g::StructureType for #ident #ty_g #where_g {
                const STRUCTURE: &'static ::hl7_model::descriptor::StructureDesc = &::hl7_model::descriptor::StructureDesc {
                    id: #id, name: #long, items: <Self as __g::GroupType>::DESC.items,
                    body: <Self as __g::GroupType>::DESC,
                };
            }
            impl #impl_g #ident #ty_g #where_g {
                /// Parses one ER7 message into this structure, whatever its MSH-9 says
                /// (`hl7_model::parsing::parse_into`, default limits).
                pub fn parse(text: &str) -> ::core::result::Result<Self, ::hl7_model::parsing::ParseError> {
                    let mut message = <Self as ::core::default::Default>::default();
                    ::hl7_model::parsing::parse_into(text, &mut message, &::core::default::Default::default())?;
                    ::core::result::Result::Ok(message)
                }
                /// The message in ER7, segments ended by `\r`, with the delimiters its MSH
                /// declares.
                pub fn to_er7(&self) -> ::std::string::String {
                    ::hl7_model::parsing::to_er7(self)
                }
            }
        }
    });
    Ok(quote! {
        const _: () = {
            use ::hl7_model::group::{self as __g, GroupTail};
            impl #impl_g __g::GroupType for #ident #ty_g #where_g {
                const DESC: &'static ::hl7_model::descriptor::GroupDesc = &::hl7_model::descriptor::GroupDesc {
                    name: #name, choice: #choice, items: &[#(#items),*],
                };
            }
            #structure
            impl #impl_g __g::Group for #ident #ty_g #where_g {
                fn desc(&self) -> &'static ::hl7_model::descriptor::GroupDesc {
                    <Self as __g::GroupType>::DESC
                }
                fn item(&self, i: usize) -> Option<__g::ItemRef<'_>> {
                    match i { #(#refs,)* _ => None }
                }
                fn item_mut(&mut self, i: usize) -> Option<__g::ItemMut<'_>> {
                    match i { #(#muts,)* _ => None }
                }
                #tail
            }
        };
    })
}
