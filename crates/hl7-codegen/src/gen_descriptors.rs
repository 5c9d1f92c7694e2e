//! Emits a version's static descriptor tables (`hl7_model::descriptor::VersionDesc`) as Rust,
//! formatted with prettyplease. Lists are sorted by id so the runtime can binary-search them
//! and so a schema edit changes only the lines it touches.

use proc_macro2::TokenStream;
use quote::quote;

use crate::schema::{Card, Component, Field, Item, Max, Usage, VersionSchema};

fn card(c: Card) -> TokenStream {
    let min = c.min;
    let max = match c.max {
        Max::Bounded(m) => quote!(Some(#m)),
        Max::Unbounded => quote!(None),
    };
    quote!(Card { min: #min, max: #max })
}

fn usage(u: Usage) -> TokenStream {
    match u {
        Usage::R => quote!(Usage::R),
        Usage::RE => quote!(Usage::RE),
        Usage::O => quote!(Usage::O),
        Usage::C => quote!(Usage::C),
        Usage::X => quote!(Usage::X),
        Usage::B => quote!(Usage::B),
    }
}

fn opt_str(s: Option<&str>) -> TokenStream {
    match s {
        Some(s) => quote!(Some(#s)),
        None => quote!(None),
    }
}

fn opt_u32(n: Option<u32>) -> TokenStream {
    match n {
        Some(n) => quote!(Some(#n)),
        None => quote!(None),
    }
}

fn field(f: &Field) -> TokenStream {
    element(
        f.seq,
        &f.name,
        &f.datatype,
        f.usage,
        f.card,
        f.len,
        f.table.as_deref(),
    )
}

fn component(c: &Component) -> TokenStream {
    element(
        c.seq,
        &c.name,
        &c.datatype,
        c.usage,
        Card::OPTIONAL,
        c.len,
        c.table.as_deref(),
    )
}

fn element(
    seq: u32,
    name: &str,
    datatype: &str,
    u: Usage,
    c: Card,
    len: Option<u32>,
    table: Option<&str>,
) -> TokenStream {
    let (u, c, len, table) = (usage(u), card(c), opt_u32(len), opt_str(table));
    quote! {
        ElementDesc { seq: #seq, name: #name, datatype: #datatype, usage: #u, card: #c, len: #len, table: #table }
    }
}

fn items(body: &[Item]) -> TokenStream {
    let items = body.iter().map(|i| match i {
        Item::Segment(s) => {
            let (id, c) = (&s.segment, card(s.card));
            quote!(ItemDesc::Segment { id: #id, card: #c })
        }
        Item::Group(g) => {
            let (name, c, choice, inner) = (&g.name, card(g.card), g.choice, items(&g.body));
            quote!(ItemDesc::Group(&GroupDesc { name: #name, card: #c, choice: #choice, items: #inner }))
        }
    });
    quote!(&[#(#items),*])
}

/// The Rust source of `pub static VERSION: VersionDesc` for `schema`.
pub fn version_descriptors(schema: &VersionSchema) -> String {
    let version = schema.version.trim_start_matches('v');

    let mut datatypes: Vec<(&String, &str, &[Component])> = schema
        .datatypes
        .primitives
        .iter()
        .map(|(id, p)| (id, p.name.as_str(), &[][..]))
        .chain(
            schema
                .datatypes
                .composites
                .iter()
                .map(|(id, c)| (id, c.name.as_str(), c.components.as_slice())),
        )
        .collect();
    datatypes.sort_by_key(|(id, ..)| *id);
    let datatypes = datatypes.iter().map(|(id, name, comps)| {
        let comps = comps.iter().map(component);
        quote!(DatatypeDesc { id: #id, name: #name, components: &[#(#comps),*] })
    });

    let mut segments: Vec<_> = schema.segments.iter().collect();
    segments.sort_by_key(|(id, _)| *id);
    let segments = segments.iter().map(|(id, s)| {
        let name = &s.name;
        let fields = s.fields.iter().map(field);
        quote!(SegmentDesc { id: #id, name: #name, fields: &[#(#fields),*] })
    });

    let mut structures: Vec<_> = schema.structures.iter().collect();
    structures.sort_by_key(|(id, _)| *id);
    let structures = structures.iter().map(|(id, s)| {
        let name = &s.name;
        let body = items(&s.body);
        quote!(StructureDesc { id: #id, name: #name, items: #body })
    });

    let mut events: Vec<_> = schema.events.iter().collect();
    events.sort();
    let events = events.iter().map(|(k, v)| quote!((#k, #v)));

    let mut tables: Vec<_> = schema.tables.iter().collect();
    tables.sort_by_key(|(id, _)| *id);
    let tables = tables.iter().map(|(id, t)| {
        let name = opt_str(t.name.as_deref());
        let values = t.values.iter().map(|v| {
            let (code, desc) = (&v.code, opt_str(v.desc.as_deref()));
            quote!((#code, #desc))
        });
        quote!(TableDesc { id: #id, name: #name, values: &[#(#values),*] })
    });

    let doc = format!(" Descriptors of HL7 v{version}, generated from `schemas/v{version}/`.");
    let tokens = quote! {
        use crate::descriptor::*;

        #[doc = #doc]
        pub static VERSION: VersionDesc = VersionDesc {
            version: #version,
            datatypes: &[#(#datatypes),*],
            segments: &[#(#segments),*],
            structures: &[#(#structures),*],
            events: &[#(#events),*],
            tables: &[#(#tables),*],
        };
    };
    let file = syn::parse2(tokens).expect("generated descriptors are valid Rust");
    let mut out =
        String::from("// @generated by hl7-codegen from the YAML schemas; do not edit.\n");
    out.push_str(&prettyplease::unparse(&file));
    out
}
