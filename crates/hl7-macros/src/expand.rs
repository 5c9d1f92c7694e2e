//! Expansions of the derives.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::{Data, DeriveInput, Error, Fields, Ident, Result};

use crate::attrs::{self, Errors, Member};

struct Wired<'a> {
    ident: &'a Ident,
    ty: &'a syn::Type,
    attr: Member,
}

/// The struct's members in order, checked: positions 1, 2, 3 … in field order, a datatype on
/// each, exactly one `#[hl7(tail)]`.
fn members<'a>(input: &'a DeriveInput, errors: &mut Errors) -> Result<(Vec<Wired<'a>>, &'a Ident)> {
    let Data::Struct(data) = &input.data else {
        return Err(Error::new_spanned(
            &input.ident,
            "hl7 derives apply to structs with named fields",
        ));
    };
    let Fields::Named(named) = &data.fields else {
        return Err(Error::new_spanned(
            &input.ident,
            "hl7 derives apply to structs with named fields",
        ));
    };
    let mut wired = Vec::new();
    let mut tail = None;
    for f in &named.named {
        let ident = f.ident.as_ref().expect("named field");
        let attr = attrs::member(&f.attrs, errors);
        if attr.tail {
            if tail.replace(ident).is_some() {
                errors.push(Error::new_spanned(
                    ident,
                    "only one field may be `#[hl7(tail)]`",
                ));
            }
            continue;
        }
        let expected = wired.len() as u32 + 1;
        match attr.seq {
            None => errors.push(Error::new_spanned(
                ident,
                format!("missing `#[hl7(seq = {expected}, …)]`"),
            )),
            Some((seq, span)) if seq != expected => errors.push(Error::new(
                span,
                format!("positions must be 1, 2, 3 … in field order: expected seq = {expected}"),
            )),
            _ => {}
        }
        if attr.datatype.is_none() {
            errors.push(Error::new_spanned(ident, "missing `datatype = \"…\"`"));
        }
        wired.push(Wired {
            ident,
            ty: &f.ty,
            attr,
        });
    }
    let Some(tail) = tail else {
        return Err(Error::new_spanned(
            &input.ident,
            "add a field `#[hl7(tail)] pub tail: hl7_model::element::Tail` to keep what the definition does not cover",
        ));
    };
    Ok((wired, tail))
}

fn usage(m: &Member) -> TokenStream {
    let u = m.usage.as_ref().map_or("O", |(u, _)| u.as_str());
    let id = Ident::new(u, proc_macro2::Span::call_site());
    quote!(::hl7_model::descriptor::Usage::#id)
}

fn element_desc(w: &Wired, card: (u32, Option<u32>)) -> TokenStream {
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

fn container_name(c: &attrs::Container, ident: &Ident) -> String {
    c.name
        .as_ref()
        .map_or_else(|| ident.to_string(), |n| n.value())
}

pub fn composite(input: &DeriveInput) -> Result<TokenStream> {
    let mut errors = Errors::default();
    let c = attrs::container(&input.attrs, "datatype", &mut errors);
    let (wired, tail) = members(input, &mut errors)?;
    for w in &wired {
        if let Some((_, _, span)) = w.attr.card {
            errors.push(Error::new(span, "components do not repeat: drop `card`"));
        }
    }
    let Some(id) = c.id.clone() else {
        errors.push(Error::new_spanned(
            &input.ident,
            "missing `#[hl7(datatype = \"…\")]`",
        ));
        return Err(errors.finish().unwrap_err());
    };
    errors.finish()?;
    let ident = &input.ident;
    let name = container_name(&c, ident);
    let descs = wired.iter().map(|w| {
        let min = u32::from(w.attr.usage.as_ref().is_some_and(|(u, _)| u == "R"));
        element_desc(w, (min, Some(1)))
    });
    let idx = 0..wired.len();
    let idx2 = 0..wired.len();
    let fields: Vec<_> = wired.iter().map(|w| w.ident).collect();
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
                    match i { #(#idx => Some(&self.#fields),)* _ => None }
                }
                fn component_mut(&mut self, i: usize) -> Option<&mut dyn Element> {
                    match i { #(#idx2 => Some(&mut self.#fields),)* _ => None }
                }
                fn tail(&self) -> &Tail { &self.#tail }
                fn tail_mut(&mut self) -> &mut Tail { &mut self.#tail }
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
            }
        };
    })
}

pub fn segment(input: &DeriveInput) -> Result<TokenStream> {
    let mut errors = Errors::default();
    let c = attrs::container(&input.attrs, "segment", &mut errors);
    let (wired, tail) = members(input, &mut errors)?;
    let mut cards = Vec::new();
    let mut refs = Vec::new();
    let mut muts = Vec::new();
    for w in &wired {
        let (min, max, repeats) = match w.attr.card {
            Some((min, max, _)) => (min, max, max != Some(1)),
            None => (0, Some(1), false),
        };
        let field = w.ident;
        if repeats != attrs::is_vec(w.ty) {
            let msg = if repeats {
                "a repeating field (card max above 1) must have type `Vec<…>`"
            } else {
                "a field of type `Vec<…>` needs a repeating `card`, e.g. \"0..*\""
            };
            errors.push(Error::new(attrs::span_of(w.ty), msg));
        }
        cards.push((min, max));
        let seq = w.attr.seq.map_or(0, |(s, _)| s);
        if repeats {
            refs.push(quote_spanned!(attrs::span_of(w.ty)=> #seq => Some(__e::FieldRef::Repeated(&self.#field))));
            muts.push(quote_spanned!(attrs::span_of(w.ty)=> #seq => Some(__e::FieldMut::Repeated(&mut self.#field))));
        } else {
            refs.push(quote!(#seq => Some(__e::FieldRef::One(&self.#field))));
            muts.push(quote!(#seq => Some(__e::FieldMut::One(&mut self.#field))));
        }
    }
    let id = match &c.id {
        Some(id)
            if id.value().len() == 3
                && id
                    .value()
                    .chars()
                    .all(|ch| ch.is_ascii_uppercase() || ch.is_ascii_digit()) =>
        {
            id.clone()
        }
        Some(id) => {
            errors.push(Error::new(
                id.span(),
                "a segment id is three upper-case letters or digits",
            ));
            id.clone()
        }
        None => {
            errors.push(Error::new_spanned(
                &input.ident,
                "missing `#[hl7(segment = \"…\")]`",
            ));
            return Err(errors.finish().unwrap_err());
        }
    };
    errors.finish()?;
    let ident = &input.ident;
    let name = container_name(&c, ident);
    let descs = wired
        .iter()
        .zip(&cards)
        .map(|(w, card)| element_desc(w, *card));
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
                fn tail(&self) -> &Tail { &self.#tail }
                fn tail_mut(&mut self) -> &mut Tail { &mut self.#tail }
            }
        };
    })
}

pub fn group(input: &DeriveInput) -> Result<TokenStream> {
    let mut errors = Errors::default();
    let c = attrs::group_container(&input.attrs, &mut errors);
    let Data::Struct(data) = &input.data else {
        return Err(Error::new_spanned(
            &input.ident,
            "hl7 derives apply to structs with named fields",
        ));
    };
    let Fields::Named(named) = &data.fields else {
        return Err(Error::new_spanned(
            &input.ident,
            "hl7 derives apply to structs with named fields",
        ));
    };
    let mut items = Vec::new();
    let mut refs = Vec::new();
    let mut muts = Vec::new();
    let mut tail = None;
    for f in &named.named {
        let ident = f.ident.as_ref().expect("named field");
        let m = attrs::member(&f.attrs, &mut errors);
        if m.tail {
            if tail.replace(ident).is_some() {
                errors.push(Error::new_spanned(
                    ident,
                    "only one field may be `#[hl7(tail)]`",
                ));
            }
            continue;
        }
        let index = items.len();
        let expected = index as u32 + 1;
        match m.item {
            None => errors.push(Error::new_spanned(
                ident,
                format!("missing `#[hl7(item = {expected}, …)]`"),
            )),
            Some((n, span)) if n != expected => errors.push(Error::new(
                span,
                format!("items must be 1, 2, 3 … in field order: expected item = {expected}"),
            )),
            _ => {}
        }
        let (min, max) = m.card.map_or((1, Some(1)), |(min, max, _)| (min, max));
        let (wrapper, inner) = attrs::wrapped(&f.ty);
        let want = if max != Some(1) {
            Some("Vec")
        } else if min == 0 {
            Some("Option")
        } else {
            None
        };
        if wrapper != want {
            let msg = match want {
                Some("Vec") => "a repeating item (card max above 1) must have type `Vec<…>`",
                Some(_) => "an optional item (card \"0..1\") must have type `Option<…>`",
                None => {
                    "a required single item (card \"1..1\", the default) is held as the type itself"
                }
            };
            errors.push(Error::new(attrs::span_of(&f.ty), msg));
        }
        let max_t = match max {
            Some(m) => quote!(Some(#m)),
            None => quote!(None),
        };
        let card = quote!(::hl7_model::descriptor::Card { min: #min, max: #max_t });
        match (&m.segment, m.group) {
            (Some(seg), false) => {
                items.push(
                    quote!(::hl7_model::descriptor::ItemDesc::Segment { id: #seg, card: #card }),
                );
                refs.push(quote!(#index => Some(__g::ItemRef::Segment(&self.#ident))));
                muts.push(quote!(#index => Some(__g::ItemMut::Segment(&mut self.#ident))));
            }
            (None, true) => {
                items.push(quote! {
                    ::hl7_model::descriptor::ItemDesc::Group { group: <#inner as __g::GroupType>::DESC, card: #card }
                });
                refs.push(quote!(#index => Some(__g::ItemRef::Group(&self.#ident))));
                muts.push(quote!(#index => Some(__g::ItemMut::Group(&mut self.#ident))));
            }
            _ => errors.push(Error::new_spanned(
                ident,
                "an item is either `segment = \"…\"` or `group`",
            )),
        }
    }
    let Some(tail) = tail else {
        errors.push(Error::new_spanned(
            &input.ident,
            "add a field `#[hl7(tail)] pub tail: hl7_model::group::GroupTail` for occurrence and unexpected segments",
        ));
        return Err(errors.finish().unwrap_err());
    };
    let ident = &input.ident;
    let name = match (&c.group, &c.structure) {
        (Some(g), None) => g.value(),
        (None, Some(s)) => s.value(),
        _ => {
            errors.push(Error::new_spanned(
                ident,
                "give exactly one of `#[hl7(group = \"…\")]` or `#[hl7(structure = \"…\")]`",
            ));
            String::new()
        }
    };
    errors.finish()?;
    let choice = c.choice;
    let structure = c.structure.as_ref().map(|id| {
        let long = c.name.as_ref().map_or_else(|| id.value(), |n| n.value());
        quote! {
            impl __g::StructureType for #ident {
                const STRUCTURE: &'static ::hl7_model::descriptor::StructureDesc = &::hl7_model::descriptor::StructureDesc {
                    id: #id, name: #long, items: <Self as __g::GroupType>::DESC.items,
                };
            }
        }
    });
    Ok(quote! {
        const _: () = {
            use ::hl7_model::group::{self as __g, GroupTail};
            impl __g::GroupType for #ident {
                const DESC: &'static ::hl7_model::descriptor::GroupDesc = &::hl7_model::descriptor::GroupDesc {
                    name: #name, choice: #choice, items: &[#(#items),*],
                };
            }
            #structure
            impl __g::Group for #ident {
                fn desc(&self) -> &'static ::hl7_model::descriptor::GroupDesc {
                    <Self as __g::GroupType>::DESC
                }
                fn item(&self, i: usize) -> Option<__g::ItemRef<'_>> {
                    match i { #(#refs,)* _ => None }
                }
                fn item_mut(&mut self, i: usize) -> Option<__g::ItemMut<'_>> {
                    match i { #(#muts,)* _ => None }
                }
                fn tail(&self) -> &GroupTail { &self.#tail }
                fn tail_mut(&mut self) -> &mut GroupTail { &mut self.#tail }
            }
        };
    })
}
