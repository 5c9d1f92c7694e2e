//! Emits a version's typed models: one declaration per composite datatype, per segment, per
//! group and per message structure, carrying the `hl7-model` attribute macros and their
//! `#[hl7(...)]` keys, documented from the YAML. The macros turn each into a view over a
//! message (`hl7_model::typed`): a `Copy` handle whose accessors read the message's text when
//! called, and the static descriptor the runtime is driven by.
//!
//! Primitives are the runtime's view types (`ST` → `hl7_model::typed::St`), shared by every
//! version. [`Runtime`] says how generated code names the runtime: `::hl7_model` in a crate
//! that generates models for its own schema folder and depends on hl7-model, `::hl7_runtime`
//! in the version crates, which hl7-model depends on.
//!
//! Ordering is by id everywhere, so a schema edit changes only the lines of the items it touches.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use crate::names::{member_names, type_name};
use crate::schema::{
    ANY_SEGMENT, Card, Composite, Group, Item, Segment, Structure, Usage, VARIES, VersionSchema,
};

/// The runtime value type for a primitive datatype id.
pub fn primitive_type(id: &str) -> &'static str {
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

/// How generated code names the runtime: `::hl7_model` in a user's crate (what it depends
/// on), `::hl7_runtime` in the version crates under hl7-model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Runtime(pub &'static str);

impl Runtime {
    /// The runtime as users see it, through hl7-model.
    pub const MODEL: Runtime = Runtime("hl7_model");
    /// The runtime crate itself, for the version crates hl7-model re-exports.
    pub const RUNTIME: Runtime = Runtime("hl7_runtime");

    fn path(self) -> TokenStream {
        let krate = ident(self.0);
        quote!(::#krate)
    }

    /// The runtime module holding the primitive view types.
    fn primitives(self) -> TokenStream {
        let rt = self.path();
        quote!(#rt::typed)
    }

    /// The attribute macro that makes a declaration a model; it is told the runtime's path
    /// unless that is the macros' default.
    fn marker(self, attribute: &str) -> TokenStream {
        let (a, rt) = (ident(attribute), self.path());
        if self == Runtime::MODEL {
            quote!(#[#rt::#a])
        } else {
            quote!(#[#rt::#a(crate = #rt)])
        }
    }
}

fn lit(n: u32) -> proc_macro2::Literal {
    proc_macro2::Literal::u32_unsuffixed(n)
}

fn ident(s: &str) -> Ident {
    Ident::new(s, Span::call_site())
}

/// What a member's documentation says besides its name.
struct MemberDoc<'a> {
    pos: String,
    name: &'a str,
    datatype: &'a str,
    usage: Usage,
    card: Option<Card>,
    len: Option<u32>,
    table: Option<&'a str>,
    item: Option<&'a str>,
    desc: Option<&'a str>,
}

impl MemberDoc<'_> {
    /// `PID-5 Patient Name: XPN, R, 1..*, len 250, table 0200.` then the description, if any.
    fn lines(&self) -> Vec<String> {
        let mut parts = vec![self.datatype.to_owned(), self.usage.as_str().to_owned()];
        if let Some(c) = self.card {
            parts.push(c.to_string());
        }
        if let Some(l) = self.len {
            parts.push(format!("len {l}"));
        }
        if let Some(t) = self.table {
            parts.push(format!("table {t}"));
        }
        if let Some(i) = self.item {
            parts.push(format!("item {i}"));
        }
        let mut lines = vec![format!(
            " {} {}: {}.",
            self.pos,
            self.name,
            parts.join(", ")
        )];
        if let Some(d) = self.desc {
            lines.push(String::new());
            lines.extend(d.lines().map(|l| format!(" {l}")));
        }
        lines
    }

    fn tokens(&self) -> TokenStream {
        let lines = self.lines();
        quote!(#(#[doc = #lines])*)
    }
}

/// Composites whose components lead back to themselves: the schema checker does not forbid
/// them, and [`version_types`] refuses them (as an owned struct, the form composites had
/// before the views, one would have been infinitely large).
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
fn type_of(
    schema: &VersionSchema,
    datatype: &str,
    from_datatypes: bool,
    rt: Runtime,
) -> TokenStream {
    let prim = rt.primitives();
    if datatype == VARIES {
        return quote!(#prim::Varies);
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
    quote!(#prim::#t)
}

fn len_attr(len: Option<u32>) -> Option<TokenStream> {
    len.map(|l| {
        let l = lit(l);
        quote!(, len = #l)
    })
}

fn table_attr(table: Option<&String>) -> Option<TokenStream> {
    table.map(|t| quote!(, table = #t))
}

/// The declaration of composite datatype `id`, for `#[composite]`.
pub fn composite_item(schema: &VersionSchema, id: &str, c: &Composite, rt: Runtime) -> TokenStream {
    let names = member_names(c.components.iter().map(|m| (m.seq, m.name.as_str())));
    let members = c.components.iter().zip(&names).map(|(m, n)| {
        let doc = MemberDoc {
            pos: format!("{id}.{}", m.seq),
            name: &m.name,
            datatype: &m.datatype,
            usage: m.usage,
            card: None,
            len: m.len,
            table: m.table.as_deref(),
            item: None,
            desc: None,
        }
        .tokens();
        let field = ident(n);
        let ty = type_of(schema, &m.datatype, true, rt);
        let (seq, dt, name, usage) = (lit(m.seq), &m.datatype, &m.name, m.usage.as_str());
        let (len, table) = (len_attr(m.len), table_attr(m.table.as_ref()));
        quote! {
            #doc
            #[hl7(seq = #seq, name = #name, datatype = #dt, usage = #usage #len #table)]
            pub #field: #ty,
        }
    });
    let doc = format!(" {id}: {}.", c.name);
    let name = &c.name;
    let t = format_ident!("{}", type_name(id));
    let marker = rt.marker("composite");
    quote! {
        #[doc = #doc]
        #marker
        #[hl7(datatype = #id, name = #name)]
        pub struct #t {
            #(#members)*
        }
    }
}

/// The declaration of segment `id`, for `#[segment]`.
pub fn segment_item(schema: &VersionSchema, id: &str, s: &Segment, rt: Runtime) -> TokenStream {
    let names = member_names(s.fields.iter().map(|f| (f.seq, f.name.as_str())));
    let fields = s.fields.iter().zip(&names).map(|(f, n)| {
        let doc = MemberDoc {
            pos: format!("{id}-{}", f.seq),
            name: &f.name,
            datatype: &f.datatype,
            usage: f.usage,
            card: Some(f.card),
            len: f.len,
            table: f.table.as_deref(),
            item: f.item.as_deref(),
            desc: f.desc.as_deref(),
        }
        .tokens();
        let field = ident(n);
        let elem = type_of(schema, &f.datatype, false, rt);
        let ty = if f.card.repeats() {
            quote!(Vec<#elem>)
        } else {
            elem
        };
        let (seq, dt, name, usage, card) = (
            lit(f.seq),
            &f.datatype,
            &f.name,
            f.usage.as_str(),
            f.card.to_string(),
        );
        let (len, table) = (len_attr(f.len), table_attr(f.table.as_ref()));
        quote! {
            #doc
            #[hl7(seq = #seq, name = #name, datatype = #dt, usage = #usage, card = #card #len #table)]
            pub #field: #ty,
        }
    });
    let doc = format!(" {id}: {}.", s.name);
    let name = &s.name;
    let t = format_ident!("{}", type_name(id));
    let marker = rt.marker("segment");
    quote! {
        #[doc = #doc]
        #marker
        #[hl7(segment = #id, name = #name)]
        pub struct #t {
            #(#fields)*
        }
    }
}

/// The declaration of structure `id`, for `#[group]`, followed by the module holding its
/// groups' declarations.
pub fn structure_item(
    schema: &VersionSchema,
    id: &str,
    st: &Structure,
    rt: Runtime,
) -> TokenStream {
    let module = format_ident!("{}", id.to_ascii_lowercase());
    let t = format_ident!("{}", type_name(id));
    let mut groups: BTreeMap<&str, &Group> = BTreeMap::new();
    collect_groups(&st.body, &mut groups);
    let group_types = groups.values().map(|g| {
        let gt = format_ident!("{}", type_name(&g.name));
        let fields = item_fields(schema, &g.body, quote!(super::super), quote!(), rt);
        let (name, choice) = (&g.name, g.choice.then(|| quote!(, choice)));
        let doc = if g.choice {
            format!(" Group {name} of {id}: each occurrence holds one of its items.")
        } else {
            format!(" Group {name} of {id}.")
        };
        let marker = rt.marker("group");
        quote! {
            #[doc = #doc]
            #marker
            #[hl7(group = #name #choice)]
            pub struct #gt {
                #fields
                }
        }
    });
    let fields = item_fields(schema, &st.body, quote!(super), quote!(#module::), rt);
    let doc = format!(" {id}: {}.", st.name);
    let name = &st.name;
    let mod_doc = format!(" Groups of {id}.");
    let group_mod = (!groups.is_empty()).then(|| {
        quote! {
            #[doc = #mod_doc]
            pub mod #module {
                #(#group_types)*
            }
        }
    });
    let marker = rt.marker("group");
    quote! {
        #[doc = #doc]
        #marker
        #[hl7(structure = #id, name = #name)]
        pub struct #t {
            #fields
        }
        #group_mod
    }
}

/// The Rust source of the `datatypes`, `segments` and `structures` modules of a version.
pub fn version_types(schema: &VersionSchema, rt: Runtime) -> TokenStream {
    let recursive = recursive_composites(schema);
    assert!(
        recursive.is_empty(),
        "{}: composites contain themselves: {recursive:?}",
        schema.version
    );
    let composites: BTreeMap<&String, _> = schema
        .datatypes
        .composites
        .iter()
        .map(|(id, c)| (id, composite_item(schema, id, c, rt)))
        .collect();
    let composites = composites.values();
    let segments: BTreeMap<&String, _> = schema
        .segments
        .iter()
        .map(|(id, s)| (id, segment_item(schema, id, s, rt)))
        .collect();
    let segments = segments.values();
    let structures: BTreeMap<&String, _> = schema
        .structures
        .iter()
        .map(|(id, st)| (id, structure_item(schema, id, st, rt)))
        .collect();
    let structures = structures.values();
    quote! {
        /// Composite datatypes of this version; primitives are `hl7_model::typed` types.
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
        // `v2_5::OruR01` as well as `v2_5::structures::OruR01`: structures are what users name
        // most.
        pub use structures::*;
    }
}

/// The generated source of one schema item, formatted: a composite or primitive datatype
/// (`"XPN"`, `"DTM"`), a segment (`"PID"`) or a structure with its groups (`"ORU_R01"`).
/// Datatype ids are looked up first, then segments, then structures. For review and snapshot
/// tests; `None` when the version has no such item.
pub fn render_item(schema: &VersionSchema, id: &str) -> Option<String> {
    let tokens = if let Some(c) = schema.datatypes.composites.get(id) {
        composite_item(schema, id, c, Runtime::MODEL)
    } else if let Some(p) = schema.datatypes.primitives.get(id) {
        let doc = format!(
            " {id}: {}. A primitive: read as `hl7_model::typed::{}`.",
            p.name,
            primitive_type(id)
        );
        let alias = format_ident!("{}", type_name(id));
        let t = ident(primitive_type(id));
        quote! {
            #[doc = #doc]
            pub type #alias<'m> = ::hl7_model::typed::#t<'m>;
        }
    } else if let Some(s) = schema.segments.get(id) {
        segment_item(schema, id, s, Runtime::MODEL)
    } else if let Some(st) = schema.structures.get(id) {
        structure_item(schema, id, st, Runtime::MODEL)
    } else {
        return None;
    };
    let file = syn::parse2(tokens).expect("generated items are valid Rust");
    Some(prettyplease::unparse(&file))
}

pub(crate) fn collect_groups<'a>(body: &'a [Item], out: &mut BTreeMap<&'a str, &'a Group>) {
    for item in body {
        if let Item::Group(g) = item {
            // The checker guarantees that a name recurring in one structure has one definition.
            out.entry(g.name.as_str()).or_insert(g);
            collect_groups(&g.body, out);
        }
    }
}

/// The fields of a structure or group body; `up` leads from the body's module to the version
/// module, `groups` from it to the structure's group types. Required single items are declared
/// as the type, optional ones as `Option`, repeating ones as `Vec`.
fn item_fields(
    schema: &VersionSchema,
    body: &[Item],
    up: TokenStream,
    groups: TokenStream,
    rt: Runtime,
) -> TokenStream {
    let prim = rt.primitives();
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
                quote!(#prim::AnySegment),
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
