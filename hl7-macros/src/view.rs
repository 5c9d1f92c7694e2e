//! Expansions of the attribute macros: a declaration becomes a `Copy` view type over a
//! message (`hl7_model::typed`), one accessor per member, and its static descriptor.
//!
//! The declaration is read by the rules of [`crate::decl`] (`#[hl7(...)]` keys, positions 1,
//! 2, 3 …, cardinalities); a `#[hl7(tail)]` field is accepted and dropped, since a view keeps
//! nothing beside the message's text. The runtime is named `::hl7_model` unless the attribute
//! says otherwise (`#[segment(crate = ::hl7_runtime)]`).

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Attribute, DeriveInput, Error, ItemStruct, Result};

use crate::attrs::{self, Errors, Kind};
use crate::decl::{
    Parts, Wired, container_name, element_desc, named_fields, parts, positions, segment_id_errors,
};

/// The declaration's doc attributes, to carry onto what is generated from it.
fn docs(attrs: &[Attribute]) -> Vec<&Attribute> {
    attrs.iter().filter(|a| a.path().is_ident("doc")).collect()
}

/// `T` as a view type: `T<'m>` (the last path segment takes the lifetime).
fn with_lifetime(ty: &syn::Type) -> syn::Type {
    with_a_lifetime(ty, syn::parse_quote!('m))
}

/// `T<'lt>`: the last path segment of `ty` takes lifetime `lt`.
fn with_a_lifetime(ty: &syn::Type, lt: syn::Lifetime) -> syn::Type {
    let mut ty = ty.clone();
    if let syn::Type::Path(p) = &mut ty
        && let Some(last) = p.path.segments.last_mut()
    {
        last.arguments = syn::PathArguments::AngleBracketed(syn::parse_quote!(<#lt>));
    }
    ty
}

/// The composite definition member `w`'s view type carries (`None` for a primitive).
fn datatype_of(w: &Wired, krate: &syn::Path) -> TokenStream {
    let stat = with_a_lifetime(attrs::wrapped(w.ty).1, syn::parse_quote!('static));
    quote!(<#stat as #krate::typed::TypedElement<'static>>::DATATYPE)
}

/// The struct's members, read with the rules of `kind`.
fn members<'a>(
    input: &'a DeriveInput,
    kind: Kind,
    position: &str,
    errors: &mut Errors,
) -> Option<Parts<'a>> {
    let fields = match named_fields(input, kind) {
        Ok(f) => f,
        Err(e) => {
            errors.push(e);
            return None;
        }
    };
    let parts = parts(fields, kind, errors);
    let key = |m: &attrs::Member| if position == "seq" { m.seq } else { m.item };
    positions(&parts.wired, position, key, errors);
    if kind != Kind::Group {
        for w in &parts.wired {
            if w.attr.datatype.is_none() && w.attr.keys.omitted("datatype") {
                errors.push(Error::new_spanned(
                    w.ident,
                    "missing `datatype = \"…\"` (the datatype id, e.g. \"ST\") on this field",
                ));
            }
        }
    }
    Some(parts)
}

fn field_docs(input: &DeriveInput, w: &Wired) -> Vec<Attribute> {
    let syn::Data::Struct(s) = &input.data else {
        return Vec::new();
    };
    s.fields
        .iter()
        .find(|f| f.ident.as_ref() == Some(w.ident))
        .map(|f| docs(&f.attrs).into_iter().cloned().collect())
        .unwrap_or_default()
}

fn field_vis<'a>(input: &'a DeriveInput, w: &Wired) -> Option<&'a syn::Visibility> {
    let syn::Data::Struct(s) = &input.data else {
        return None;
    };
    s.fields
        .iter()
        .find(|f| f.ident.as_ref() == Some(w.ident))
        .map(|f| &f.vis)
}

/// Reports a member whose written wrapper contradicts its `card`. A view's accessor takes its
/// shape from the `card` alone, so the member's type may be the bare type whatever the `card`;
/// but a `Vec<…>` on a member that does not repeat, or an `Option<…>` on one that repeats (or,
/// for a group item, that is required), says something the `card` does not.
fn wrapper_errors(w: &Wired, (min, max): (u32, Option<u32>), item: bool, errors: &mut Errors) {
    if !w.attr.keys.omitted("card") {
        return;
    }
    let card = attrs::card_text(min, max);
    let given = w.attr.card.is_some();
    let repeats = max != Some(1);
    let what = if item { "item" } else { "field" };
    let msg = match attrs::wrapped(w.ty).0 {
        Some("Vec") if !repeats => match (item, given) {
            (false, true) => format!(
                "a field of type `Vec<…>` needs a repeating `card` such as \"0..*\"; \"{card}\" allows one occurrence"
            ),
            (false, false) => "a field of type `Vec<…>` needs a repeating `card` such as \"0..*\" (without `card` a field occurs at most once)".to_owned(),
            (true, true) => format!(
                "card \"{card}\" allows one occurrence, so this item is not held in `Vec<…>`"
            ),
            (true, false) => "without `card` an item occurs exactly once (\"1..1\") and is not held in `Vec<…>`; did you mean `card = \"0..*\"`?".to_owned(),
        },
        Some("Option") if repeats => format!(
            "card \"{card}\" repeats, so this {what} is held as `Vec<…>` or as the type itself, not in `Option<…>`"
        ),
        Some("Option") if item && min > 0 => {
            if given {
                format!(
                    "card \"{card}\" is exactly one occurrence, so this item is held as the type itself, not in `Option<…>`"
                )
            } else {
                "without `card` an item occurs exactly once (\"1..1\") and is held as the type itself, not in `Option<…>`; did you mean `card = \"0..1\"`?".to_owned()
            }
        }
        _ => return,
    };
    errors.push(Error::new_spanned(w.ty, msg));
}

/// An accessor: the member's docs, `fn name(&self) -> ret { body }`.
fn accessor(w: &Wired, input: &DeriveInput, ret: TokenStream, body: TokenStream) -> TokenStream {
    let (f, fdoc, fvis) = (w.ident, field_docs(input, w), field_vis(input, w));
    quote! {
        #(#fdoc)*
        #[inline]
        #fvis fn #f(&self) -> #ret {
            #body
        }
    }
}

/// `#[composite]`: a view of a composite value.
pub fn composite(item: ItemStruct, krate: &syn::Path) -> Result<TokenStream> {
    let input = DeriveInput::from(item);
    let mut errors = Errors::default();
    let c = attrs::container(&input.attrs, Kind::Composite, &mut errors);
    if c.id.is_none() && c.keys.omitted("datatype") {
        errors.push(Error::new_spanned(
            &input.ident,
            "missing `#[hl7(datatype = \"…\")]`: the composite's datatype id",
        ));
    }
    let parts = members(&input, Kind::Composite, "seq", &mut errors);
    errors.finish()?;
    let (Some(parts), Some(id)) = (parts, &c.id) else {
        unreachable!("reported above");
    };
    let ident = &input.ident;
    let vis = &input.vis;
    let name = container_name(&c, ident);
    let doc = docs(&input.attrs);
    let mut descs = Vec::new();
    let mut accessors = Vec::new();
    for (i, w) in parts.wired.iter().enumerate() {
        let min = u32::from(w.attr.usage.as_ref().is_some_and(|(u, _)| u == "R"));
        descs.push(element_desc(
            w,
            (min, Some(1)),
            krate,
            datatype_of(w, krate),
        ));
        let ty = with_lifetime(attrs::wrapped(w.ty).1);
        accessors.push(accessor(
            w,
            &input,
            quote!(Option<#ty>),
            quote!(#krate::typed::component(self.0, #i)),
        ));
    }
    Ok(quote! {
        #(#doc)*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #vis struct #ident<'m>(#krate::typed::Piece<'m>);

        impl<'m> #ident<'m> {
            #(#accessors)*

            /// The value as sent, escapes and all.
            pub fn as_str(&self) -> &'m str {
                self.0.as_str()
            }

            /// Whether `""` was sent: the sender says the whole value is now null.
            pub fn is_null(&self) -> bool {
                self.0.wire() == #krate::view::Wire::Null
            }
        }

        impl<'m> #krate::typed::TypedElement<'m> for #ident<'m> {
            const DATATYPE: Option<&'static #krate::descriptor::DatatypeDesc> =
                Some(<#ident<'m> as #krate::typed::TypedComposite<'m>>::DESC);
            fn wrap(piece: #krate::typed::Piece<'m>) -> Self {
                #ident(piece)
            }
            fn piece(&self) -> #krate::typed::Piece<'m> {
                self.0
            }
        }

        impl<'m> #krate::typed::TypedComposite<'m> for #ident<'m> {
            const DESC: &'static #krate::descriptor::DatatypeDesc =
                &#krate::descriptor::DatatypeDesc {
                    id: #id, name: #name, components: &[#(#descs),*],
                };
        }
    })
}

/// `#[segment]`: a view of a segment.
pub fn segment(item: ItemStruct, krate: &syn::Path) -> Result<TokenStream> {
    let input = DeriveInput::from(item);
    let mut errors = Errors::default();
    let c = attrs::container(&input.attrs, Kind::Segment, &mut errors);
    segment_id_errors(&c, &input.ident, &mut errors);
    let parts = members(&input, Kind::Segment, "seq", &mut errors);
    for w in parts.iter().flat_map(|p| &p.wired) {
        let card = w.attr.card.map_or((0, Some(1)), |(min, max, _)| (min, max));
        wrapper_errors(w, card, false, &mut errors);
    }
    errors.finish()?;
    let (Some(parts), Some(id)) = (parts, &c.id) else {
        unreachable!("reported above");
    };
    let ident = &input.ident;
    let vis = &input.vis;
    let name = container_name(&c, ident);
    let doc = docs(&input.attrs);
    let mut descs = Vec::new();
    let mut accessors = Vec::new();
    for w in &parts.wired {
        let (min, max) = w.attr.card.map_or((0, Some(1)), |(min, max, _)| (min, max));
        descs.push(element_desc(w, (min, max), krate, datatype_of(w, krate)));
        let seq = w.attr.seq.map_or(0, |(s, _)| s) as usize;
        let ty = with_lifetime(attrs::wrapped(w.ty).1);
        accessors.push(if max != Some(1) {
            accessor(
                w,
                &input,
                quote!(#krate::typed::Reps<'m, #ty>),
                quote!(#krate::typed::reps(self.0, #seq)),
            )
        } else {
            accessor(
                w,
                &input,
                quote!(Option<#ty>),
                quote!(#krate::typed::field(self.0, #seq)),
            )
        });
    }
    Ok(quote! {
        #(#doc)*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #vis struct #ident<'m>(#krate::view::SegmentView<'m>);

        impl<'m> #ident<'m> {
            #(#accessors)*

            /// The segment as sent, without terminator.
            pub fn as_str(&self) -> &'m str {
                self.0.as_str()
            }
        }

        impl<'m> #krate::typed::TypedSegment<'m> for #ident<'m> {
            const DESC: &'static #krate::descriptor::SegmentDesc =
                &#krate::descriptor::SegmentDesc {
                    id: #id, name: #name, fields: &[#(#descs),*],
                };
            fn wrap(segment: #krate::view::SegmentView<'m>) -> Self {
                #ident(segment)
            }
            fn segment(&self) -> #krate::view::SegmentView<'m> {
                self.0
            }
        }
    })
}

/// `#[group]`: a view of a group occurrence, or with `structure = "…"` of a whole message.
pub fn group(item: ItemStruct, krate: &syn::Path) -> Result<TokenStream> {
    let input = DeriveInput::from(item);
    let mut errors = Errors::default();
    let c = attrs::container(&input.attrs, Kind::Group, &mut errors);
    let name = match (&c.group, &c.structure) {
        (Some(g), None) => Some(g.value()),
        (None, Some(s)) => Some(s.value()),
        (Some(_), Some(s)) => {
            errors.push(Error::new(
                s.span(),
                "a type is a group (`group = \"…\"`) or a structure (`structure = \"…\"`), not both",
            ));
            None
        }
        (None, None) => {
            if c.keys.omitted("group") && c.keys.omitted("structure") {
                errors.push(Error::new_spanned(
                    &input.ident,
                    "missing `#[hl7(group = \"…\")]` or `#[hl7(structure = \"…\")]`",
                ));
            }
            None
        }
    };
    let parts = members(&input, Kind::Group, "item", &mut errors);
    let mut items = Vec::new();
    let mut accessors = Vec::new();
    for (index, w) in parts.iter().flat_map(|p| p.wired.iter().enumerate()) {
        let m = &w.attr;
        let (min, max) = m.card.map_or((1, Some(1)), |(min, max, _)| (min, max));
        wrapper_errors(w, (min, max), true, &mut errors);
        let inner = attrs::wrapped(w.ty).1;
        let ty = with_lifetime(inner);
        let max_t = match max {
            Some(m) => quote!(Some(#m)),
            None => quote!(None),
        };
        let card = quote!(#krate::descriptor::Card { min: #min, max: #max_t });
        let i = index as u16;
        let repeats = max != Some(1);
        match (&m.segment, m.group) {
            (Some(seg), None) => {
                items.push(quote!(#krate::descriptor::ItemDesc::Segment { id: #seg, card: #card }));
                accessors.push(if repeats {
                    accessor(
                        w,
                        &input,
                        quote!(#krate::typed::Items<'m, #krate::typed::Segment<#ty>>),
                        quote!(#krate::typed::segments(self.0, #i)),
                    )
                } else {
                    accessor(
                        w,
                        &input,
                        quote!(Option<#ty>),
                        quote!(#krate::typed::segment(self.0, #i)),
                    )
                });
            }
            (None, Some(_)) => {
                let stat = with_a_lifetime(inner, syn::parse_quote!('static));
                items.push(quote! {
                    #krate::descriptor::ItemDesc::Group {
                        group: <#stat as #krate::typed::TypedGroup<'static>>::DESC,
                        card: #card,
                    }
                });
                accessors.push(if repeats {
                    accessor(
                        w,
                        &input,
                        quote!(#krate::typed::Items<'m, #krate::typed::Group<#ty>>),
                        quote!(#krate::typed::groups(self.0, #i)),
                    )
                } else {
                    accessor(
                        w,
                        &input,
                        quote!(Option<#ty>),
                        quote!(#krate::typed::group(self.0, #i)),
                    )
                });
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
    let Some(name) = name else {
        unreachable!("reported above");
    };
    let ident = &input.ident;
    let vis = &input.vis;
    let doc = docs(&input.attrs);
    let choice = c.choice;
    let structure = c.structure.as_ref().map(|id| {
        let long = c.name.as_ref().map_or_else(|| id.value(), |n| n.value());
        quote! {
            impl<'m> #krate::typed::TypedStructure<'m> for #ident<'m> {
                const STRUCTURE: &'static #krate::descriptor::StructureDesc =
                    &#krate::descriptor::StructureDesc {
                        id: #id,
                        name: #long,
                        items: <#ident<'static> as #krate::typed::TypedGroup<'static>>::DESC.items,
                        body: <#ident<'static> as #krate::typed::TypedGroup<'static>>::DESC,
                    };
            }
        }
    });
    Ok(quote! {
        #(#doc)*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #vis struct #ident<'m>(#krate::typed::GroupRef<'m>);

        impl<'m> #ident<'m> {
            #(#accessors)*

            /// Segments the grammar had no place for, kept here where they arrived.
            pub fn unexpected_segments(&self) -> impl Iterator<Item = #krate::view::SegmentView<'m>> + 'm {
                self.0.unexpected()
            }
        }

        impl<'m> #krate::typed::TypedGroup<'m> for #ident<'m> {
            const DESC: &'static #krate::descriptor::GroupDesc =
                &#krate::descriptor::GroupDesc {
                    name: #name, choice: #choice, items: &[#(#items),*],
                };
            fn wrap(group: #krate::typed::GroupRef<'m>) -> Self {
                #ident(group)
            }
            fn group(&self) -> #krate::typed::GroupRef<'m> {
                self.0
            }
        }

        #structure
    })
}
