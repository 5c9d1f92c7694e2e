//! Emits a version's typed models: one struct per composite datatype and per segment, carrying
//! the `hl7-model` derives and their `#[hl7(...)]` attributes, documented from the YAML.
//! Primitives are the runtime's value types (`ST` → `hl7_model::value::St`), shared by every
//! version.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use crate::names::{member_names, type_name};
use crate::schema::{ANY_SEGMENT, Card, Group, Item, Usage, VARIES, VersionSchema};

/// The runtime value type for a primitive datatype id.
fn primitive_type(id: &str) -> &'static str {
    match id {
        "ST" => "St",
        "TX" => "Tx",
        "FT" => "Ft",
        "ID" => "Id",
        "IS" => "Is",
        "NM" => "Nm",
        "SI" => "Si",
        "DT" => "Dt",
        "TM" => "Tm",
        "DTM" => "Dtm",
        _ => "Text",
    }
}

fn usage_str(u: Usage) -> &'static str {
    u.as_str()
}

fn lit(n: u32) -> proc_macro2::Literal {
    proc_macro2::Literal::u32_unsuffixed(n)
}

fn ident(s: &str) -> Ident {
    Ident::new(s, Span::call_site())
}

/// Documentation line of a field or component: `PID-5 Patient Name: XPN, R, 1..*, len 250, table 0200.`
fn member_doc(
    pos: &str,
    name: &str,
    datatype: &str,
    usage: Usage,
    card: Option<Card>,
    len: Option<u32>,
    table: Option<&str>,
) -> String {
    let mut parts = vec![datatype.to_owned(), usage_str(usage).to_owned()];
    if let Some(c) = card {
        parts.push(c.to_string());
    }
    if let Some(l) = len {
        parts.push(format!("len {l}"));
    }
    if let Some(t) = table {
        parts.push(format!("table {t}"));
    }
    format!(" {pos} {name}: {}.", parts.join(", "))
}

/// Composites whose components lead back to themselves would be infinitely large; the schema
/// checker does not forbid them, so they are reported here.
fn recursive_composites(schema: &VersionSchema) -> BTreeSet<String> {
    let comps = &schema.datatypes.composites;
    let mut bad = BTreeSet::new();
    for start in comps.keys() {
        let mut stack: Vec<&str> = comps[start]
            .components
            .iter()
            .map(|c| c.datatype.as_str())
            .collect();
        let mut seen = BTreeSet::new();
        while let Some(dt) = stack.pop() {
            if dt == start {
                bad.insert(start.clone());
                break;
            }
            if seen.insert(dt)
                && let Some(c) = comps.get(dt)
            {
                stack.extend(c.components.iter().map(|c| c.datatype.as_str()));
            }
        }
    }
    bad
}

/// The Rust type of a datatype id, seen from the `segments` or `datatypes` module.
fn type_of(schema: &VersionSchema, datatype: &str, from_datatypes: bool) -> TokenStream {
    if datatype == VARIES {
        return quote!(crate::value::Varies);
    }
    if schema.datatypes.composites.contains_key(datatype) {
        let t = format_ident!("{}", type_name(datatype));
        return if from_datatypes {
            quote!(#t)
        } else {
            quote!(super::datatypes::#t)
        };
    }
    let t = ident(primitive_type(datatype));
    quote!(crate::value::#t)
}

/// The Rust source of the `datatypes` and `segments` modules of a version.
pub fn version_types(schema: &VersionSchema) -> TokenStream {
    let recursive = recursive_composites(schema);
    assert!(
        recursive.is_empty(),
        "{}: composites contain themselves: {recursive:?}",
        schema.version
    );

    let mut composites: BTreeMap<&String, _> = BTreeMap::new();
    for (id, c) in &schema.datatypes.composites {
        let names = member_names(c.components.iter().map(|m| (m.seq, m.name.as_str())));
        let members = c.components.iter().zip(&names).map(|(m, n)| {
            let doc = member_doc(
                &format!("{id}.{}", m.seq),
                &m.name,
                &m.datatype,
                m.usage,
                None,
                m.len,
                m.table.as_deref(),
            );
            let field = ident(n);
            let ty = type_of(schema, &m.datatype, true);
            let (seq, dt, name, usage) = (lit(m.seq), &m.datatype, &m.name, usage_str(m.usage));
            let len = m.len.map(|l| {
                let l = lit(l);
                quote!(, len = #l)
            });
            let table = m.table.as_ref().map(|t| quote!(, table = #t));
            quote! {
                #[doc = #doc]
                #[hl7(seq = #seq, name = #name, datatype = #dt, usage = #usage #len #table)]
                pub #field: #ty,
            }
        });
        let doc = format!(" {id}: {}.", c.name);
        let name = &c.name;
        let t = format_ident!("{}", type_name(id));
        composites.insert(
            id,
            quote! {
                #[doc = #doc]
                #[derive(Debug, Clone, Default, PartialEq, crate::Composite)]
                #[hl7(datatype = #id, name = #name)]
                pub struct #t {
                    #(#members)*
                    /// What was sent beyond this definition.
                    #[hl7(tail)]
                    pub tail: crate::element::Tail,
                }
            },
        );
    }
    let composites = composites.values();

    let mut segments: BTreeMap<&String, _> = BTreeMap::new();
    for (id, s) in &schema.segments {
        let names = member_names(s.fields.iter().map(|f| (f.seq, f.name.as_str())));
        let fields = s.fields.iter().zip(&names).map(|(f, n)| {
            let doc = member_doc(&format!("{id}-{}", f.seq), &f.name, &f.datatype, f.usage, Some(f.card), f.len, f.table.as_deref());
            let field = ident(n);
            let elem = type_of(schema, &f.datatype, false);
            let ty = if f.card.repeats() { quote!(Vec<#elem>) } else { elem };
            let (seq, dt, name, usage, card) =
                (lit(f.seq), &f.datatype, &f.name, usage_str(f.usage), f.card.to_string());
            let len = f.len.map(|l| {
                let l = lit(l);
                quote!(, len = #l)
            });
            let table = f.table.as_ref().map(|t| quote!(, table = #t));
            quote! {
                #[doc = #doc]
                #[hl7(seq = #seq, name = #name, datatype = #dt, usage = #usage, card = #card #len #table)]
                pub #field: #ty,
            }
        });
        let doc = format!(" {id}: {}.", s.name);
        let name = &s.name;
        let t = format_ident!("{}", type_name(id));
        segments.insert(
            id,
            quote! {
                #[doc = #doc]
                #[derive(Debug, Clone, Default, PartialEq, crate::Segment)]
                #[hl7(segment = #id, name = #name)]
                pub struct #t {
                    #(#fields)*
                    /// What was sent beyond this definition.
                    #[hl7(tail)]
                    pub tail: crate::element::Tail,
                }
            },
        );
    }
    let segments = segments.values();

    let mut structures: Vec<_> = schema.structures.iter().collect();
    structures.sort_by_key(|(id, _)| *id);
    let structures = structures.iter().map(|(id, st)| {
        let module = format_ident!("{}", id.to_ascii_lowercase());
        let t = format_ident!("{}", type_name(id));
        let mut groups: BTreeMap<&str, &Group> = BTreeMap::new();
        collect_groups(&st.body, &mut groups);
        let group_types = groups.values().map(|g| {
            let gt = format_ident!("{}", type_name(&g.name));
            let fields = item_fields(schema, &g.body, quote!(super::super), quote!());
            let (name, choice) = (&g.name, g.choice.then(|| quote!(, choice)));
            let doc = format!(" Group {name} of {id}.");
            quote! {
                #[doc = #doc]
                #[derive(Debug, Clone, Default, PartialEq, crate::Group)]
                #[hl7(group = #name #choice)]
                pub struct #gt {
                    #fields
                    /// Whether the group occurred, and segments kept where they arrived.
                    #[hl7(tail)]
                    pub tail: crate::group::GroupTail,
                }
            }
        });
        let fields = item_fields(schema, &st.body, quote!(super), quote!(#module::));
        let doc = format!(" {id}: {}.", st.name);
        let name = &st.name;
        let mod_doc = format!(" Groups of {id}.");
        quote! {
            #[doc = #doc]
            #[derive(Debug, Clone, Default, PartialEq, crate::Group)]
            #[hl7(structure = #id, name = #name)]
            pub struct #t {
                #fields
                /// Segments kept where they arrived outside the grammar.
                #[hl7(tail)]
                pub tail: crate::group::GroupTail,
            }
            #[doc = #mod_doc]
            pub mod #module {
                #(#group_types)*
            }
        }
    });
    quote! {
        /// Composite datatypes of this version; primitives are `crate::value` types.
        pub mod datatypes {
            #(#composites)*
        }
        /// Segments of this version.
        pub mod segments {
            #(#segments)*
        }
        /// Message structures of this version, each with a module holding its groups.
        pub mod structures {
            #(#structures)*
        }
    }
}

fn collect_groups<'a>(body: &'a [Item], out: &mut BTreeMap<&'a str, &'a Group>) {
    for item in body {
        if let Item::Group(g) = item {
            out.entry(g.name.as_str()).or_insert(g);
            collect_groups(&g.body, out);
        }
    }
}

/// The fields of a structure or group body; `up` leads from the body's module to the version
/// module, `groups` from it to the structure's group types. Required single items are held as the type, optional ones as `Option`, repeating
/// ones as `Vec`.
fn item_fields(
    schema: &VersionSchema,
    body: &[Item],
    up: TokenStream,
    groups: TokenStream,
) -> TokenStream {
    let names = member_names(body.iter().enumerate().map(|(i, item)| {
        let label = match item {
            Item::Segment(s) if s.segment == ANY_SEGMENT => "Any segment",
            Item::Segment(s) => s.segment.as_str(),
            Item::Group(g) => g.name.as_str(),
        };
        (i as u32 + 1, label)
    }));
    let fields = body.iter().zip(&names).enumerate().map(|(i, (item, n))| {
        let field = ident(n);
        let index = lit(i as u32 + 1);
        let c = item.card();
        let card = c.to_string();
        let (inner, attr, doc) = match item {
            Item::Segment(s) if s.segment == ANY_SEGMENT => (
                quote!(crate::element::AnySegment),
                quote!(segment = "*"),
                format!(" Any segment ({card})."),
            ),
            Item::Segment(s) => {
                let t = format_ident!("{}", type_name(&s.segment));
                let seg = &s.segment;
                let name = schema.segments.get(seg).map_or("", |x| x.name.as_str());
                (
                    quote!(#up::segments::#t),
                    quote!(segment = #seg),
                    format!(" {seg} ({card}): {name}."),
                )
            }
            Item::Group(g) => {
                let t = format_ident!("{}", type_name(&g.name));
                (
                    quote!(#groups #t),
                    quote!(group),
                    format!(" Group {} ({card}).", g.name),
                )
            }
        };
        let ty = if c.repeats() {
            quote!(Vec<#inner>)
        } else if c.min == 0 {
            quote!(Option<#inner>)
        } else {
            inner
        };
        quote! {
            #[doc = #doc]
            #[hl7(item = #index, #attr, card = #card)]
            pub #field: #ty,
        }
    });
    quote!(#(#fields)*)
}
