//! Emits a version's static descriptor tables (`hl7_model::descriptor::VersionDesc`) as Rust,
//! formatted with prettyplease. Lists are sorted by id so the runtime can binary-search them
//! and so a schema edit changes only the lines it touches.

use proc_macro2::TokenStream;
use quote::quote;

use quote::format_ident;

use crate::gen_types::Runtime;
use crate::names::type_name;
use crate::schema::VersionSchema;

fn opt_str(s: Option<&str>) -> TokenStream {
    match s {
        Some(s) => quote!(Some(#s)),
        None => quote!(None),
    }
}

/// The Rust source of a version module: its typed models (see [`crate::gen_types`]) and
/// `pub static VERSION: VersionDesc`, whose composite, segment and structure entries are the
/// views' own descriptors.
pub fn version_module(schema: &VersionSchema) -> String {
    version_module_for(schema, Runtime::MODEL)
}

/// [`version_module`] naming the runtime as `rt` does.
pub fn version_module_for(schema: &VersionSchema, rt: Runtime) -> String {
    let types = crate::gen_types::version_types(schema, rt);
    let krate = quote::format_ident!("{}", rt.0);
    let version = schema.version.trim_start_matches('v');

    let mut datatypes: Vec<(&String, &str)> = schema
        .datatypes
        .primitives
        .iter()
        .map(|(id, p)| (id, p.name.as_str()))
        .chain(
            schema
                .datatypes
                .composites
                .iter()
                .map(|(id, c)| (id, c.name.as_str())),
        )
        .collect();
    datatypes.sort_by_key(|(id, ..)| *id);
    let datatypes = datatypes.iter().map(|(id, name)| {
        if schema.datatypes.composites.contains_key(*id) {
            let t = format_ident!("{}", type_name(id));
            return quote!(*<datatypes::#t<'static> as ::#krate::typed::TypedComposite<'static>>::DESC);
        }
        quote!(DatatypeDesc { id: #id, name: #name, components: &[] })
    });

    let mut segments: Vec<_> = schema.segments.keys().collect();
    segments.sort();
    let segments = segments.iter().map(|id| {
        let t = format_ident!("{}", type_name(id));
        quote!(*<segments::#t<'static> as ::#krate::typed::TypedSegment<'static>>::DESC)
    });

    let mut structures: Vec<_> = schema.structures.keys().collect();
    structures.sort();
    let structures = structures.iter().map(|id| {
        let t = format_ident!("{}", type_name(id));
        quote!(*<structures::#t<'static> as ::#krate::typed::TypedStructure<'static>>::STRUCTURE)
    });

    // Every view type, by its path in the version module, with its size: what a test holds
    // to the limit a message's handles must stay under.
    let mut view_types: Vec<(String, TokenStream)> = Vec::new();
    for id in schema.datatypes.composites.keys() {
        let t = format_ident!("{}", type_name(id));
        view_types.push((format!("datatypes::{}", t), quote!(datatypes::#t)));
    }
    for id in schema.segments.keys() {
        let t = format_ident!("{}", type_name(id));
        view_types.push((format!("segments::{}", t), quote!(segments::#t)));
    }
    for (id, st) in &schema.structures {
        let t = format_ident!("{}", type_name(id));
        view_types.push((format!("structures::{}", t), quote!(structures::#t)));
        let module = format_ident!("{}", id.to_ascii_lowercase());
        let mut groups = std::collections::BTreeMap::new();
        crate::gen_types::collect_groups(&st.body, &mut groups);
        for g in groups.values() {
            let gt = format_ident!("{}", type_name(&g.name));
            view_types.push((
                format!("structures::{module}::{gt}"),
                quote!(structures::#module::#gt),
            ));
        }
    }
    view_types.sort_by(|a, b| a.0.cmp(&b.0));
    let view_sizes = view_types
        .iter()
        .map(|(name, path)| quote!((#name, ::core::mem::size_of::<#path<'static>>())));

    let mut events: Vec<_> = schema.events.iter().collect();
    events.sort();
    let events = events.iter().map(|(k, v)| quote!((#k, #v)));

    let mut tables: Vec<_> = schema.tables.iter().collect();
    tables.sort_by_key(|(id, _)| *id);
    let tables = tables.iter().map(|(id, t)| {
        let name = opt_str(t.name.as_deref());
        // Sorted by code, so that the runtime looks codes up by binary search.
        let mut sorted: Vec<_> = t.values.iter().collect();
        sorted.sort_by(|a, b| a.code.cmp(&b.code));
        let values = sorted.into_iter().map(|v| {
            let (code, desc) = (&v.code, opt_str(v.desc.as_deref()));
            quote!((#code, #desc))
        });
        quote!(TableDesc { id: #id, name: #name, values: &[#(#values),*] })
    });

    let doc = format!(" Descriptors of HL7 v{version}, generated from `schemas/v{version}/`.");
    let tokens = quote! {
        use ::#krate::descriptor::{DatatypeDesc, TableDesc, VersionDesc};

        #types

        #[doc = #doc]
        pub static VERSION: VersionDesc = VersionDesc {
            version: #version,
            datatypes: &[#(#datatypes),*],
            segments: &[#(#segments),*],
            structures: &[#(#structures),*],
            events: &[#(#events),*],
            tables: &[#(#tables),*],
        };

        /// `size_of` of every view type of this version (composites, segments, structures and
        /// their groups), by path: each is a handle into a message, whatever its definition.
        #[doc(hidden)]
        pub static VIEW_SIZES: &[(&str, usize)] = &[#(#view_sizes),*];
    };
    let file = syn::parse2(tokens).expect("generated descriptors are valid Rust");
    let mut out =
        String::from("// @generated by hl7-codegen from the YAML schemas; do not edit.\n");
    out.push_str(&prettyplease::unparse(&file));
    out
}
