//! Emits a version's typed models: one struct per composite datatype, per segment, per group and
//! per message structure, carrying the `hl7-model` derives and their `#[hl7(...)]` attributes,
//! documented from the YAML; plus `Message`, the enum over the version's structures.
//!
//! Primitives are the runtime's value types (`ST` → `hl7_model::value::St`), shared by every
//! version. Generated code names the runtime as `::hl7_model`, so it compiles in hl7-model
//! itself and in any crate that generates models for its own schema folder.
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

/// Which models are emitted: the owned structs (with the derives), or the views over a lean
/// message (with the attribute macros, `hl7_model::typed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Structs,
    Views,
}

impl Form {
    /// The runtime module holding the primitive types.
    fn primitives(self) -> TokenStream {
        match self {
            Form::Structs => quote!(::hl7_model::value),
            Form::Views => quote!(::hl7_model::typed),
        }
    }

    /// The attributes that make a declaration a model: `derive` is the derive's name,
    /// `attribute` the attribute macro's.
    fn marker(self, derive: &str, attribute: &str) -> TokenStream {
        match self {
            Form::Structs => {
                let d = ident(derive);
                quote!(#[derive(Debug, Clone, Default, PartialEq, ::hl7_model::#d)])
            }
            Form::Views => {
                let a = ident(attribute);
                quote!(#[::hl7_model::#a])
            }
        }
    }

    /// The tail field of a struct; views have none.
    fn tail(self, doc: &str, ty: TokenStream) -> Option<TokenStream> {
        (self == Form::Structs).then(|| {
            quote! {
                #[doc = #doc]
                #[hl7(tail)]
                pub tail: #ty,
            }
        })
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
fn type_of(
    schema: &VersionSchema,
    datatype: &str,
    from_datatypes: bool,
    form: Form,
) -> TokenStream {
    let prim = form.primitives();
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

/// The struct of composite datatype `id`.
pub fn composite_item(schema: &VersionSchema, id: &str, c: &Composite, form: Form) -> TokenStream {
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
        let ty = type_of(schema, &m.datatype, true, form);
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
    let marker = form.marker("Composite", "composite");
    let tail = form.tail(
        " What was sent beyond this definition.",
        quote!(::hl7_model::element::Tail),
    );
    quote! {
        #[doc = #doc]
        #marker
        #[hl7(datatype = #id, name = #name)]
        pub struct #t {
            #(#members)*
            #tail
        }
    }
}

/// The struct of segment `id`.
pub fn segment_item(schema: &VersionSchema, id: &str, s: &Segment, form: Form) -> TokenStream {
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
        let elem = type_of(schema, &f.datatype, false, form);
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
    let marker = form.marker("Segment", "segment");
    let tail = form.tail(
        " What was sent beyond this definition.",
        quote!(::hl7_model::element::Tail),
    );
    quote! {
        #[doc = #doc]
        #marker
        #[hl7(segment = #id, name = #name)]
        pub struct #t {
            #(#fields)*
            #tail
        }
    }
}

/// The struct of structure `id`, followed by the module holding its group structs.
pub fn structure_item(schema: &VersionSchema, id: &str, st: &Structure, form: Form) -> TokenStream {
    let module = format_ident!("{}", id.to_ascii_lowercase());
    let t = format_ident!("{}", type_name(id));
    let mut groups: BTreeMap<&str, &Group> = BTreeMap::new();
    collect_groups(&st.body, &mut groups);
    let group_types = groups.values().map(|g| {
        let gt = format_ident!("{}", type_name(&g.name));
        let fields = item_fields(schema, &g.body, quote!(super::super), quote!(), form);
        let (name, choice) = (&g.name, g.choice.then(|| quote!(, choice)));
        let doc = if g.choice {
            format!(" Group {name} of {id}: each occurrence holds one of its items.")
        } else {
            format!(" Group {name} of {id}.")
        };
        let marker = form.marker("Group", "group");
        let tail = form.tail(
            " Whether the group occurred, and segments kept where they arrived.",
            quote!(::hl7_model::group::GroupTail),
        );
        quote! {
            #[doc = #doc]
            #marker
            #[hl7(group = #name #choice)]
            pub struct #gt {
                #fields
                #tail
            }
        }
    });
    let fields = item_fields(schema, &st.body, quote!(super), quote!(#module::), form);
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
    let marker = form.marker("Group", "group");
    let tail = form.tail(
        " Segments kept where they arrived outside the grammar.",
        quote!(::hl7_model::group::GroupTail),
    );
    quote! {
        #[doc = #doc]
        #marker
        #[hl7(structure = #id, name = #name)]
        pub struct #t {
            #fields
            #tail
        }
        #group_mod
    }
}

/// `Message`: one variant per structure of the version, boxed so that the enum stays small
/// whatever the structure.
fn message_enum(schema: &VersionSchema) -> TokenStream {
    let mut ids: Vec<&String> = schema.structures.keys().collect();
    ids.sort();
    let variants: Vec<Ident> = ids
        .iter()
        .map(|id| format_ident!("{}", type_name(id)))
        .collect();
    let docs = ids
        .iter()
        .map(|id| format!(" {id}: {}.", schema.structures[*id].name));
    let version = schema.version.trim_start_matches('v');
    let doc = format!(" A message of any structure of HL7 v{version}.");
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq)]
        pub enum Message {
            #(#[doc = #docs] #variants(Box<structures::#variants>),)*
        }

        impl Message {
            /// An empty message of structure `id` (`"ORU_R01"`), or `None` when this version
            /// has no such structure.
            pub fn new(id: &str) -> Option<Message> {
                Some(match id {
                    #(#ids => Message::#variants(Box::default()),)*
                    _ => return None,
                })
            }

            /// The message as a group, for the generic runtime.
            pub fn as_group(&self) -> &dyn ::hl7_model::group::Group {
                match self {
                    #(Message::#variants(m) => &**m,)*
                }
            }

            /// The message as a mutable group, for the generic runtime.
            pub fn as_group_mut(&mut self) -> &mut dyn ::hl7_model::group::Group {
                match self {
                    #(Message::#variants(m) => &mut **m,)*
                }
            }

            /// The definition of the message's structure.
            pub fn structure(&self) -> &'static ::hl7_model::descriptor::StructureDesc {
                match self {
                    #(Message::#variants(_) => <structures::#variants as ::hl7_model::group::StructureType>::STRUCTURE,)*
                }
            }
        }
    }
}

/// The Rust source of the `datatypes`, `segments` and `structures` modules of a version, and of
/// its `Message` enum.
pub fn version_types(schema: &VersionSchema) -> TokenStream {
    let recursive = recursive_composites(schema);
    assert!(
        recursive.is_empty(),
        "{}: composites contain themselves: {recursive:?}",
        schema.version
    );
    let structs = model_modules(schema, Form::Structs);
    let views = model_modules(schema, Form::Views);
    let message = message_enum(schema);
    quote! {
        #structs
        // `v2_5::OruR01` as well as `v2_5::structures::OruR01`: structures are what users name
        // most.
        pub use structures::*;
        #message
        /// The models as views over a lean message (`hl7_model::typed`): a `Copy` handle per
        /// composite, segment, group and structure, whose accessors read the message's text
        /// when called.
        pub mod typed {
            #views
            pub use structures::*;
        }
    }
}

/// The `datatypes`, `segments` and `structures` modules in `form`.
fn model_modules(schema: &VersionSchema, form: Form) -> TokenStream {
    let composites: BTreeMap<&String, _> = schema
        .datatypes
        .composites
        .iter()
        .map(|(id, c)| (id, composite_item(schema, id, c, form)))
        .collect();
    let composites = composites.values();
    let segments: BTreeMap<&String, _> = schema
        .segments
        .iter()
        .map(|(id, s)| (id, segment_item(schema, id, s, form)))
        .collect();
    let segments = segments.values();
    let structures: BTreeMap<&String, _> = schema
        .structures
        .iter()
        .map(|(id, st)| (id, structure_item(schema, id, st, form)))
        .collect();
    let structures = structures.values();
    let prim = match form {
        Form::Structs => "`hl7_model::value`",
        Form::Views => "`hl7_model::typed`",
    };
    let doc = format!(" Composite datatypes of this version; primitives are {prim} types.");
    quote! {
        #[doc = #doc]
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

/// The generated source of one schema item, formatted: a composite or primitive datatype
/// (`"XPN"`, `"DTM"`), a segment (`"PID"`) or a structure with its groups (`"ORU_R01"`).
/// Datatype ids are looked up first, then segments, then structures. For review and snapshot
/// tests; `None` when the version has no such item.
pub fn render_item(schema: &VersionSchema, id: &str) -> Option<String> {
    let tokens = if let Some(c) = schema.datatypes.composites.get(id) {
        composite_item(schema, id, c, Form::Structs)
    } else if let Some(p) = schema.datatypes.primitives.get(id) {
        let doc = format!(
            " {id}: {}. A primitive: held as `hl7_model::value::{}`.",
            p.name,
            primitive_type(id)
        );
        let alias = format_ident!("{}", type_name(id));
        let t = ident(primitive_type(id));
        quote! {
            #[doc = #doc]
            pub type #alias = ::hl7_model::value::#t;
        }
    } else if let Some(s) = schema.segments.get(id) {
        segment_item(schema, id, s, Form::Structs)
    } else if let Some(st) = schema.structures.get(id) {
        structure_item(schema, id, st, Form::Structs)
    } else {
        return None;
    };
    let file = syn::parse2(tokens).expect("generated items are valid Rust");
    Some(prettyplease::unparse(&file))
}

fn collect_groups<'a>(body: &'a [Item], out: &mut BTreeMap<&'a str, &'a Group>) {
    for item in body {
        if let Item::Group(g) = item {
            // The checker guarantees that a name recurring in one structure has one definition.
            out.entry(g.name.as_str()).or_insert(g);
            collect_groups(&g.body, out);
        }
    }
}

/// The fields of a structure or group body; `up` leads from the body's module to the version
/// module, `groups` from it to the structure's group types. Required single items are held as
/// the type, optional ones as `Option`, repeating ones as `Vec`.
fn item_fields(
    schema: &VersionSchema,
    body: &[Item],
    up: TokenStream,
    groups: TokenStream,
    form: Form,
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
                match form {
                    Form::Structs => quote!(::hl7_model::element::AnySegment),
                    Form::Views => quote!(::hl7_model::typed::AnySegment),
                },
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
