//! Rust for the HL7 v3 data types and the NullFlavor code system of `schemas/v3/`, as the
//! `hl7-v3` crate includes it: [`null_flavor_module`] and [`datatypes_module`].
//!
//! Each concrete type becomes a struct holding every property it has, its ancestors'
//! included, as the R1 XML ITS carries them, minus `nullFlavor`: a null is the
//! `Nullable::Null` variant that wraps the struct, so a value and a nullFlavor never sit
//! together. Properties a restriction prohibits (`0..0`) have no field; fixed attributes have
//! none either (the reader checks them). A generic type whose parent is its type parameter
//! (`IVXB<T>` extends `T`) holds the parameter's value in `base`. Address and name parts are
//! one ordered list with the text between them. Abstract types used as element types (QTY)
//! and ANY become enums over their concrete descendants, chosen by `xsi:type`. So does an
//! element of a generic type that others extend through its parameters: an `SXCM<TS>`
//! element (a GTS member) is the enum `Sxcm<TS>`, holding an SXCM, or an IVL, PIVL, EIVL or
//! SXPR named by `xsi:type`. The abstract-spec collections (SET, BAG, LIST, HIST, GTS) are
//! aliases of their parent.
//!
//! Field types follow the cardinality and XML form: a child element that may be absent (0..1)
//! is `Option<Box<Nullable<T>>>`, a repeating one `Vec<Nullable<T>>`, a required one
//! `Nullable<T>` inline; attributes and text are inline `Option`s. Optional children are boxed
//! because most are absent in practice (a CD's originalText, an ED's reference, a CR's value,
//! an EIVL's offset), and held inline each would make every value of its type as large as
//! all of them together (a CR would hold a CV and a CD: 792 bytes); boxed, no generated type
//! exceeds 256 bytes (`hl7-v3/tests/sizes.rs`), so the enums need no boxed variants.
//!
//! The generated code names its runtime through `crate::its` and `crate::Nullable`; the
//! `hl7-v3` crate supplies them.

use std::collections::HashMap;

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use crate::schema::Max;
use crate::v3::{Datatypes, Derivation, NullFlavors, Property, TypeExpr, V3Schema, XmlForm};

fn ident(s: &str) -> Ident {
    Ident::new(s, Span::call_site())
}

/// Text from the YAML as rustdoc Markdown: outside `code spans`, source tags (`[REF]`, `[S1]`)
/// would be read as links and type expressions (`IVL<TS>`) as HTML tags, so brackets are
/// escaped and angle brackets written as entities.
fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, span) in text.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        if i % 2 == 1 {
            out.push_str(span);
            continue;
        }
        for c in span.chars() {
            match c {
                '[' => out.push_str("\\["),
                ']' => out.push_str("\\]"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                c => out.push(c),
            }
        }
    }
    out
}

fn unparse(tokens: TokenStream) -> String {
    let file: syn::File = syn::parse2(tokens).expect("the v3 generator emits valid Rust");
    prettyplease::unparse(&file)
}

/// The NullFlavor enum and its tables, as Rust source.
pub fn null_flavor_module(nfs: &NullFlavors) -> String {
    let codes: Vec<&String> = nfs.codes.keys().collect();
    let variants: Vec<Ident> = codes.iter().map(|c| ident(c)).collect();
    let count = codes.len();
    let docs = nfs.codes.iter().map(|(code, nf)| {
        let status = match nf.status {
            crate::v3::CodeStatus::Active => "",
            crate::v3::CodeStatus::Retired => " Retired: read, never written.",
        };
        md(&format!(
            " `{code}` ({}): {}{status}",
            nf.display, nf.definition
        ))
    });
    let code_arms = nfs.codes.keys().map(|c| {
        let v = ident(c);
        quote!(NullFlavor::#v => #c)
    });
    let from_arms = nfs.codes.keys().map(|c| {
        let v = ident(c);
        quote!(#c => Some(NullFlavor::#v))
    });
    let display_arms = nfs.codes.iter().map(|(c, nf)| {
        let v = ident(c);
        let d = &nf.display;
        quote!(NullFlavor::#v => #d)
    });
    let definition_arms = nfs.codes.iter().map(|(c, nf)| {
        let v = ident(c);
        let d = &nf.definition;
        quote!(NullFlavor::#v => #d)
    });
    let flag = |f: &dyn Fn(&crate::v3::NullFlavor) -> bool| -> Vec<Ident> {
        nfs.codes
            .iter()
            .filter(|(_, nf)| f(nf))
            .map(|(c, _)| ident(c))
            .collect()
    };
    let retired = flag(&|nf| nf.status == crate::v3::CodeStatus::Retired);
    let r1 = flag(&|nf| nf.r1);
    let cda = flag(&|nf| nf.cda_r2);
    let iso = flag(&|nf| nf.iso21090);
    let r1_parent_arms = nfs.codes.iter().map(|(c, nf)| {
        let v = ident(c);
        match &nf.parent {
            Some(p) => {
                let p = ident(p);
                quote!(NullFlavor::#v => Some(NullFlavor::#p))
            }
            None => quote!(NullFlavor::#v => None),
        }
    });
    let parents_arms = nfs.codes.iter().map(|(c, nf)| {
        let v = ident(c);
        let ps = nf.subsumed_by.iter().map(|p| ident(p));
        quote!(NullFlavor::#v => &[#(NullFlavor::#ps),*])
    });
    let oid = &nfs.code_system.oid;
    let tokens = quote! {
        /// OID of the NullFlavor code system.
        pub const CODE_SYSTEM_OID: &str = #oid;

        /// A reason why a v3 data value is missing: the codes of the NullFlavor code system.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum NullFlavor {
            #(#[doc = #docs] #variants,)*
        }

        impl NullFlavor {
            /// Every code, in the order of `schemas/v3/nullflavor.yaml`.
            pub const ALL: [NullFlavor; #count] = [#(NullFlavor::#variants),*];

            /// The code as written in `nullFlavor="…"`.
            pub const fn code(self) -> &'static str {
                match self { #(#code_arms,)* }
            }

            /// The flavor of a code; codes are case-sensitive.
            pub fn from_code(code: &str) -> Option<NullFlavor> {
                match code { #(#from_arms,)* _ => None }
            }

            /// The print name.
            pub const fn display(self) -> &'static str {
                match self { #(#display_arms,)* }
            }

            /// The definition, abridged.
            pub const fn definition(self) -> &'static str {
                match self { #(#definition_arms,)* }
            }

            /// Whether the code is retired: accepted when reading, refused when writing.
            pub const fn is_retired(self) -> bool {
                matches!(self, #(NullFlavor::#retired)|*)
            }

            /// Whether the code belongs to the R1 (CDA-era) code set.
            pub const fn in_r1(self) -> bool {
                matches!(self, #(NullFlavor::#r1)|*)
            }

            /// Whether the CDA R2 schema allows the code.
            pub const fn in_cda_r2(self) -> bool {
                matches!(self, #(NullFlavor::#cda)|*)
            }

            /// Whether the ISO 21090 enumeration has the code.
            pub const fn in_iso21090(self) -> bool {
                matches!(self, #(NullFlavor::#iso)|*)
            }

            /// The parent in the R1/CDA hierarchy; `None` for its roots and non-R1 codes.
            pub const fn r1_parent(self) -> Option<NullFlavor> {
                match self { #(#r1_parent_arms,)* }
            }

            /// The parents in the current hierarchy (a code may have two: NAV).
            pub const fn parents(self) -> &'static [NullFlavor] {
                match self { #(#parents_arms,)* }
            }
        }
    };
    unparse(tokens)
}

/// A property of a flattened type, its type expression substituted.
#[derive(Debug, Clone)]
struct Field {
    prop: Property,
    /// The element's type, for elements.
    ty: Option<TypeExpr>,
}

/// A type with everything it inherits.
#[derive(Debug, Clone)]
struct Shape {
    /// Type parameter whose value the type extends (`IVXB<T>` → `T`).
    base: Option<TypeExpr>,
    fields: Vec<Field>,
    nullable: bool,
}

fn substitute(e: &TypeExpr, args: &HashMap<String, TypeExpr>) -> TypeExpr {
    if let Some(a) = args.get(&e.name)
        && e.args.is_empty()
    {
        return a.clone();
    }
    TypeExpr {
        name: e.name.clone(),
        args: e.args.iter().map(|a| substitute(a, args)).collect(),
    }
}

fn identity(dts: &Datatypes, id: &str) -> HashMap<String, TypeExpr> {
    dts.types[id]
        .params
        .iter()
        .map(|p| {
            (
                p.clone(),
                TypeExpr {
                    name: p.clone(),
                    args: vec![],
                },
            )
        })
        .collect()
}

/// `id` with its parameters bound to `args`, flattened.
fn shape(dts: &Datatypes, id: &str, args: &HashMap<String, TypeExpr>) -> Shape {
    let t = &dts.types[id];
    let mut out = match &t.parent {
        None => Shape {
            base: None,
            fields: vec![],
            nullable: false,
        },
        Some(parent) => {
            let p: TypeExpr = parent.parse().expect("checked by v3::load_and_check");
            let p = substitute(&p, args);
            if dts.types.contains_key(&p.name) {
                let pt = &dts.types[&p.name];
                let pargs = pt.params.iter().cloned().zip(p.args.clone()).collect();
                shape(dts, &p.name, &pargs)
            } else {
                // The parent is a type parameter: its value is the base.
                Shape {
                    base: Some(p),
                    fields: vec![],
                    nullable: true,
                }
            }
        }
    };
    for prop in &t.properties {
        if prop.name == "nullFlavor" {
            out.nullable = prop.card.max != Max::Bounded(0);
            continue;
        }
        let pos = out.fields.iter().position(|f| f.prop.name == prop.name);
        if prop.card.max == Max::Bounded(0) {
            if let Some(i) = pos {
                out.fields.remove(i);
            }
            continue;
        }
        let ty = (prop.xml == XmlForm::Element).then(|| {
            let e: TypeExpr = prop.datatype.parse().expect("checked");
            substitute(&e, args)
        });
        let f = Field {
            prop: prop.clone(),
            ty,
        };
        match pos {
            Some(i) => out.fields[i] = f,
            None => out.fields.push(f),
        }
    }
    out
}

/// The names of `e`'s ancestors, `e` first, through parameters bound to arguments.
fn lineage(dts: &Datatypes, e: &TypeExpr) -> Vec<String> {
    let mut out = vec![e.name.clone()];
    let mut cur = e.clone();
    while let Some(t) = dts.types.get(&cur.name) {
        let Some(parent) = &t.parent else { break };
        let args: HashMap<String, TypeExpr> =
            t.params.iter().cloned().zip(cur.args.clone()).collect();
        let p: TypeExpr = parent.parse().expect("checked");
        cur = substitute(&p, &args);
        if out.contains(&cur.name) {
            break;
        }
        out.push(cur.name.clone());
    }
    out
}

/// The XSD name of an instantiation: `IVL<TS>` → `IVL_TS`.
fn xsd_name(e: &TypeExpr) -> String {
    let mut s = e.name.clone();
    for a in &e.args {
        s.push('_');
        s.push_str(&xsd_name(a));
    }
    s
}

/// The Rust name of the enum standing for an abstract type.
fn abstract_enum(id: &str) -> Ident {
    if id == crate::v3::ROOT_TYPE {
        ident("AnyValue")
    } else {
        ident(&id.to_upper_camel_case())
    }
}

struct Gen<'a> {
    dts: &'a Datatypes,
}

impl Gen<'_> {
    fn is_specialisation(&self, id: &str) -> bool {
        self.dts.types[id].derivation == Some(Derivation::Specialisation)
    }

    /// Concrete types: structs.
    fn concrete(&self) -> Vec<&str> {
        self.dts
            .types
            .iter()
            .filter(|(id, t)| !t.is_abstract && !self.is_specialisation(id))
            .map(|(id, _)| id.as_str())
            .collect()
    }

    /// Abstract types that become enums: ANY and those used as element types.
    fn enums(&self) -> Vec<&str> {
        self.dts
            .types
            .iter()
            .filter(|(id, t)| {
                t.is_abstract
                    && (id.as_str() == crate::v3::ROOT_TYPE
                        || self.dts.types.values().any(|o| {
                            o.properties
                                .iter()
                                .any(|p| p.xml == XmlForm::Element && &p.datatype == *id)
                        }))
            })
            .map(|(id, _)| id.as_str())
            .collect()
    }

    /// The members of the enum for `abstract_id`: non-generic concrete descendants, then
    /// listed instances that descend from it.
    fn members(&self, abstract_id: &str) -> Vec<TypeExpr> {
        let mut out = Vec::new();
        for id in self.concrete() {
            let t = &self.dts.types[id];
            let e = TypeExpr {
                name: id.to_owned(),
                args: vec![],
            };
            if !t.is_generic() && lineage(self.dts, &e).iter().any(|n| n == abstract_id) {
                out.push(e);
            }
        }
        for text in &self.dts.instances {
            let e: TypeExpr = text.parse().expect("checked");
            if lineage(self.dts, &e).iter().any(|n| n == abstract_id) {
                out.push(e);
            }
        }
        out
    }

    /// The generic types that extend `id` through its own parameters (`IVL<T>`, `PIVL<T>` …
    /// have parent `SXCM<T>`), and theirs in turn, in the order of `datatypes.yaml`.
    fn derived_generics(&self, id: &str) -> Vec<&str> {
        let mut out = Vec::new();
        for (cid, c) in &self.dts.types {
            if c.is_abstract || self.is_specialisation(cid) || out.contains(&cid.as_str()) {
                continue;
            }
            let Some(parent) = &c.parent else { continue };
            let p: TypeExpr = parent.parse().expect("checked");
            let own_params = p.args.len() == c.params.len()
                && p.args
                    .iter()
                    .zip(&c.params)
                    .all(|(a, q)| a.args.is_empty() && &a.name == q);
            if p.name == id && !p.args.is_empty() && own_params {
                out.push(cid.as_str());
                out.extend(self.derived_generics(cid));
            }
        }
        out
    }

    /// Whether an element of type `id` may hold a derived generic type, chosen by `xsi:type`
    /// (an `SXCM<TS>` element holding an `IVL_TS` or a `PIVL_TS`): `id` is a concrete generic
    /// type that others extend through its parameters. Such an element gets the enum of
    /// [`Gen::family_item`] instead of the struct.
    fn is_family(&self, id: &str) -> bool {
        self.dts
            .types
            .get(id)
            .is_some_and(|t| !t.is_abstract && t.is_generic() && !self.is_specialisation(id))
            && !self.derived_generics(id).is_empty()
    }

    /// The Rust type of an element field: the family enum for a family root, else the type.
    fn field_type(&self, e: &TypeExpr) -> TokenStream {
        if self.is_family(&e.name) {
            let i = abstract_enum(&e.name);
            let a = e.args.iter().map(|a| self.rust_type(a));
            quote!(#i<#(#a),*>)
        } else {
            self.rust_type(e)
        }
    }

    fn rust_type(&self, e: &TypeExpr) -> TokenStream {
        match self.dts.types.get(&e.name) {
            Some(t) if t.is_abstract => {
                let i = abstract_enum(&e.name);
                quote!(#i)
            }
            _ => {
                let i = ident(&e.name);
                if e.args.is_empty() {
                    quote!(#i)
                } else {
                    let a = e.args.iter().map(|a| self.rust_type(a));
                    quote!(#i<#(#a),*>)
                }
            }
        }
    }

    fn field_ident(name: &str) -> Ident {
        let s = name.to_snake_case();
        match s.as_str() {
            "use" | "type" | "ref" => format_ident!("{}_", s),
            _ => ident(&s),
        }
    }

    fn attr_type(simple: &str) -> TokenStream {
        match simple {
            "bl" | "bn" => quote!(Option<bool>),
            "int" => quote!(Option<i64>),
            "set_cs" => quote!(Vec<String>),
            _ => quote!(Option<String>),
        }
    }

    fn parts_of(fields: &[Field]) -> Vec<&Field> {
        fields
            .iter()
            .filter(|f| f.prop.part_type.is_some() && f.prop.choice.is_some())
            .collect()
    }

    fn part_enum(id: &str) -> Ident {
        format_ident!("{}Part", id)
    }

    fn generics(&self, id: &str) -> (TokenStream, TokenStream) {
        let params: Vec<Ident> = self.dts.types[id].params.iter().map(|p| ident(p)).collect();
        if params.is_empty() {
            (quote!(), quote!())
        } else {
            (
                quote!(<#(#params: crate::DataType),*>),
                quote!(<#(#params),*>),
            )
        }
    }

    fn concrete_item(&self, id: &str) -> TokenStream {
        let t = &self.dts.types[id];
        let sh = shape(self.dts, id, &identity(self.dts, id));
        let name = ident(id);
        let (decl, args) = self.generics(id);
        let parts = Self::parts_of(&sh.fields);
        let mut fields = Vec::new();
        let mut reads = Vec::new();
        let mut checks = Vec::new();
        let mut writes = Vec::new();
        let doc_head = format!(
            " {} ({id}){}.",
            md(&t.name),
            t.parent
                .as_deref()
                .map(|p| format!(", derived from `{p}`"))
                .unwrap_or_default()
        );
        let mut docs = vec![doc_head];
        if let Some(n) = &t.note {
            docs.push(String::new());
            docs.push(format!(" {}", md(n)));
        }
        if !sh.nullable {
            docs.push(String::new());
            docs.push(" A nullFlavor is prohibited on this type.".to_owned());
        }
        if let Some(b) = &sh.base {
            let bt = self.rust_type(b);
            fields.push(quote! {
                #[doc = " The value this type extends (its attributes and elements)."]
                pub base: #bt
            });
            reads.push(quote!(base: #bt::read_from(el)?));
            writes.push(quote!(self.base.write_to(el)?;));
        }
        if !parts.is_empty() {
            let pe = Self::part_enum(id);
            let pt = ident(&parts[0].ty.as_ref().expect("parts are elements").name);
            fields.push(quote! {
                #[doc = " The name or address parts and the text between them, in document order."]
                pub parts: Vec<crate::Mixed<#pe, #pt>>
            });
            reads.push(quote!(parts: crate::its::read_parts(el)?));
            writes.push(quote!(crate::its::write_parts(el, &self.parts)?;));
        }
        for f in &sh.fields {
            let p = &f.prop;
            if f.prop.part_type.is_some() && f.prop.choice.is_some() {
                continue;
            }
            let xml_name = p.name.as_str();
            let fid = Self::field_ident(xml_name);
            let mut doc = format!(
                " `{xml_name}`: {} `{}`, {}",
                form(p.xml),
                p.datatype,
                p.card
            );
            if let Some(v) = &p.vocab {
                doc.push_str(&format!(", vocabulary {}", md(v)));
            }
            if let Some(d) = &p.default {
                doc.push_str(&format!(", default `{d}`"));
            }
            doc.push('.');
            if let Some(n) = &p.note {
                doc.push_str(&format!(" {}.", md(n)));
            }
            match p.xml {
                XmlForm::Attribute => {
                    if let Some(fixed) = &p.fixed {
                        checks.push(quote!(crate::its::fixed_attr(el, #xml_name, #fixed)?;));
                        continue;
                    }
                    let ty = Self::attr_type(&p.datatype);
                    fields.push(quote!(#[doc = #doc] pub #fid: #ty));
                    reads.push(quote!(#fid: crate::its::read_attr(el, #xml_name)?));
                    writes.push(quote!(crate::its::write_attr(el, #xml_name, &self.#fid);));
                }
                XmlForm::Text => {
                    if !parts.is_empty() {
                        continue;
                    }
                    fields.push(quote!(#[doc = #doc] pub #fid: Option<String>));
                    reads.push(quote!(#fid: crate::its::read_text(el)));
                    writes.push(quote!(crate::its::write_text(el, &self.#fid);));
                }
                XmlForm::Element => {
                    let e = f.ty.as_ref().expect("elements have a type");
                    let inner = self.field_type(e);
                    let inner = quote!(crate::Nullable<#inner>);
                    let ty = match (p.card.min, p.card.max) {
                        (_, Max::Unbounded) => quote!(Vec<#inner>),
                        (_, Max::Bounded(n)) if n > 1 => quote!(Vec<#inner>),
                        // Boxed: most optional children are absent, and held inline
                        // each would make every value as large as all its parts together
                        // (and a type that may contain itself could not be sized at all).
                        (0, _) => quote!(Option<Box<#inner>>),
                        _ => inner,
                    };
                    fields.push(quote!(#[doc = #doc] pub #fid: #ty));
                    reads.push(quote!(#fid: crate::its::read_child(el, #xml_name)?));
                    writes.push(quote!(crate::its::write_child(el, #xml_name, &self.#fid)?;));
                }
            }
        }
        let nullable = sh.nullable;
        let extras = match id {
            "CD" | "CE" | "CV" => quote!(crate::CodedNullExtras),
            "TEL" => quote!(crate::TelNullExtras),
            _ => quote!(crate::NoExtras),
        };
        let xsi = if t.is_generic() {
            let params = t.params.iter().map(|p| ident(p));
            quote! {
                let mut s = String::from(#id);
                #( s.push('_'); s.push_str(&#params::xsi_type()); )*
                s
            }
        } else {
            quote!(String::from(#id))
        };
        let unused = (reads.is_empty() && checks.is_empty()).then(|| quote!(let _ = el;));
        let body_write = if writes.is_empty() {
            quote!(let _ = el; Ok(()))
        } else {
            quote!(#(#writes)* Ok(()))
        };
        quote! {
            #(#[doc = #docs])*
            #[derive(Debug, Clone, PartialEq, Default)]
            pub struct #name #decl {
                #(#fields,)*
            }

            impl #decl crate::DataType for #name #args {
                type NullExtras = #extras;
                const NULLABLE: bool = #nullable;
                fn xsi_type() -> String { #xsi }
                fn read_from(el: &mut crate::xml::Element) -> Result<Self, crate::xml::XmlError> {
                    #unused
                    #(#checks)*
                    Ok(Self { #(#reads,)* })
                }
                fn write_to(&self, el: &mut crate::xml::Element) -> Result<(), crate::xml::XmlError> {
                    #body_write
                }
            }
        }
    }

    fn part_item(&self, id: &str) -> TokenStream {
        let sh = shape(self.dts, id, &identity(self.dts, id));
        let parts = Self::parts_of(&sh.fields);
        if parts.is_empty() {
            return quote!();
        }
        let pe = Self::part_enum(id);
        let variants: Vec<Ident> = parts
            .iter()
            .map(|f| ident(&f.prop.name.to_upper_camel_case()))
            .collect();
        let names: Vec<&str> = parts.iter().map(|f| f.prop.name.as_str()).collect();
        let codes: Vec<&str> = parts
            .iter()
            .map(|f| f.prop.part_type.as_deref().unwrap_or_default())
            .collect();
        let docs = names
            .iter()
            .zip(&codes)
            .map(|(n, c)| format!(" `<{n}>`, partType {c}."));
        let doc = format!(" The kinds of part of {id}: their element names and partType codes.");
        quote! {
            #[doc = #doc]
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
            pub enum #pe { #(#[doc = #docs] #variants,)* }

            impl crate::PartKind for #pe {
                fn element_name(self) -> &'static str {
                    match self { #(#pe::#variants => #names,)* }
                }
                fn part_type(self) -> &'static str {
                    match self { #(#pe::#variants => #codes,)* }
                }
                fn from_element_name(name: &str) -> Option<Self> {
                    match name { #(#names => Some(#pe::#variants),)* _ => None }
                }
            }
        }
    }

    fn alias_item(&self, id: &str) -> TokenStream {
        let t = &self.dts.types[id];
        let name = ident(id);
        let parent: TypeExpr = t
            .parent
            .as_deref()
            .unwrap_or("ANY")
            .parse()
            .expect("checked");
        let doc = format!(
            " {} ({id}): no XML type of its own; the items are repeated sibling elements.",
            md(&t.name)
        );
        let body = if matches!(parent.name.as_str(), "ANY") {
            let p = ident(&t.params[0]);
            quote!(Vec<crate::Nullable<#p>>)
        } else {
            self.rust_type(&parent)
        };
        let params: Vec<Ident> = t.params.iter().map(|p| ident(p)).collect();
        if params.is_empty() {
            quote!(#[doc = #doc] pub type #name = #body;)
        } else {
            quote!(#[doc = #doc] pub type #name<#(#params),*> = #body;)
        }
    }

    /// The enum standing for an element of family root `id` (`Sxcm<T>` for `SXCM<T>`): the
    /// root itself, read when no `xsi:type` is given and written without one, and each type
    /// derived from it, read and written by its `xsi:type` (`IVL_TS`).
    fn family_item(&self, id: &str) -> TokenStream {
        let t = &self.dts.types[id];
        let name = abstract_enum(id);
        let (decl, args) = self.generics(id);
        let root = ident(id);
        let derived: Vec<&str> = self.derived_generics(id);
        let variants: Vec<Ident> = derived.iter().map(|d| ident(d)).collect();
        // The XSD name with the parameters spelled out, and an instance of it when
        // `datatypes.yaml` lists one: `IVL_T` (`IVL_TS`).
        let example = |d: &str| {
            let mut s = d.to_owned();
            for p in &t.params {
                s.push_str(&format!("_{p}"));
            }
            let instance = self.dts.instances.iter().find_map(|text| {
                let e: TypeExpr = text.parse().expect("checked");
                (e.name == d).then(|| xsd_name(&e))
            });
            match instance {
                Some(i) => format!("`{s}` (`{i}`)"),
                None => format!("`{s}`"),
            }
        };
        let doc = format!(
            " An element declared `{id}<{}>`: a {id} itself, or one of the types derived from it \
              ({}), named by `xsi:type`.",
            t.params.join(", "),
            derived
                .iter()
                .map(|d| format!("`{d}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let root_doc = format!(
            " The declared type: no `xsi:type`, or `xsi:type` {}.",
            example(id)
        );
        let docs = derived
            .iter()
            .map(|d| format!(" `xsi:type` {}.", example(d)));
        quote! {
            #[doc = #doc]
            #[derive(Debug, Clone, PartialEq)]
            #[allow(non_camel_case_types)]
            pub enum #name #decl {
                #[doc = #root_doc]
                #root(#root #args),
                #(#[doc = #docs] #variants(#variants #args),)*
            }

            impl #decl Default for #name #args where #root #args: Default {
                fn default() -> Self { #name::#root(#root::default()) }
            }

            impl #decl crate::DataType for #name #args {
                type NullExtras = crate::NoExtras;
                const NULLABLE: bool = true;
                fn xsi_type() -> String { <#root #args as crate::DataType>::xsi_type() }
                fn read_from(el: &mut crate::xml::Element) -> Result<Self, crate::xml::XmlError> {
                    let Some(xsi) = el.take_xsi_type() else {
                        return Ok(#name::#root(crate::DataType::read_from(el)?));
                    };
                    if xsi == <#root #args as crate::DataType>::xsi_type() {
                        return Ok(#name::#root(crate::DataType::read_from(el)?));
                    }
                    #(
                        if xsi == <#variants #args as crate::DataType>::xsi_type() {
                            return Ok(#name::#variants(crate::DataType::read_from(el)?));
                        }
                    )*
                    Err(crate::xml::XmlError::UnknownXsiType { element: el.name.clone(), xsi_type: xsi })
                }
                fn write_to(&self, el: &mut crate::xml::Element) -> Result<(), crate::xml::XmlError> {
                    match self {
                        #name::#root(v) => v.write_to(el),
                        #(#name::#variants(v) => {
                            el.xsi_type = Some(<#variants #args as crate::DataType>::xsi_type());
                            v.write_to(el)
                        })*
                    }
                }
            }
        }
    }

    fn enum_item(&self, id: &str) -> TokenStream {
        let name = abstract_enum(id);
        let members = self.members(id);
        let variants: Vec<Ident> = members.iter().map(|m| ident(&xsd_name(m))).collect();
        let types: Vec<TokenStream> = members.iter().map(|m| self.rust_type(m)).collect();
        let xsi: Vec<String> = members.iter().map(xsd_name).collect();
        let doc = format!(
            " A value of a type derived from {id}, chosen by `xsi:type` ({}).",
            xsi.join(", ")
        );
        quote! {
            #[doc = #doc]
            #[derive(Debug, Clone, PartialEq)]
            #[allow(non_camel_case_types)]
            pub enum #name { #(#[doc = concat!(" `xsi:type=\"", #xsi, "\"`.")] #variants(#types),)* }

            impl crate::DataType for #name {
                type NullExtras = crate::NoExtras;
                const NULLABLE: bool = true;
                fn xsi_type() -> String { String::from(#id) }
                fn read_from(el: &mut crate::xml::Element) -> Result<Self, crate::xml::XmlError> {
                    let xsi = el.take_xsi_type().ok_or_else(|| crate::xml::XmlError::MissingXsiType {
                        element: el.name.clone(),
                        expected: #id,
                    })?;
                    match xsi.as_str() {
                        #(#xsi => Ok(#name::#variants(crate::DataType::read_from(el)?)),)*
                        _ => Err(crate::xml::XmlError::UnknownXsiType { element: el.name.clone(), xsi_type: xsi }),
                    }
                }
                fn write_to(&self, el: &mut crate::xml::Element) -> Result<(), crate::xml::XmlError> {
                    match self {
                        #(#name::#variants(v) => {
                            el.xsi_type = Some(String::from(#xsi));
                            v.write_to(el)
                        })*
                    }
                }
            }
        }
    }
}

fn form(x: XmlForm) -> &'static str {
    match x {
        XmlForm::Attribute => "attribute",
        XmlForm::Element => "element",
        XmlForm::Text => "text content",
    }
}

/// The data types as Rust source, in the order of `datatypes.yaml`.
pub fn datatypes_module(schema: &V3Schema) -> String {
    let g = Gen {
        dts: &schema.datatypes,
    };
    let mut items = Vec::new();
    for id in schema.datatypes.types.keys() {
        items.push(render(&g, id));
    }
    unparse(quote!(#(#items)*))
}

fn render(g: &Gen, id: &str) -> TokenStream {
    let t = &g.dts.types[id];
    if g.is_specialisation(id) {
        g.alias_item(id)
    } else if t.is_abstract {
        if g.enums().contains(&id) {
            g.enum_item(id)
        } else {
            quote!()
        }
    } else {
        let c = g.concrete_item(id);
        let p = g.part_item(id);
        let f = g.is_family(id).then(|| g.family_item(id));
        quote!(#c #p #f)
    }
}

/// The generated source of one type (its struct, enum or alias and their impls), for
/// snapshots; `None` if `id` is not a type or generates nothing.
pub fn render_type(schema: &V3Schema, id: &str) -> Option<String> {
    let g = Gen {
        dts: &schema.datatypes,
    };
    schema.datatypes.types.get(id)?;
    let tokens = render(&g, id);
    (!tokens.is_empty()).then(|| unparse(tokens))
}

/// The coding systems of `codesystems.yaml` as a table `(mnemonic, oid, name)`, sorted by
/// mnemonic for binary search.
pub fn code_systems_module(cs: &crate::v3::CodeSystems) -> String {
    let mut rows: Vec<(&String, &crate::v3::CodingSystem)> = cs.systems.iter().collect();
    rows.sort_by(|a, b| a.0.cmp(b.0));
    let rows = rows.iter().map(|(m, s)| {
        let (oid, name) = (&s.oid, &s.name);
        quote!((#m, #oid, #name))
    });
    unparse(quote! {
        /// `(mnemonic, OID, name)` of each coding system, sorted by mnemonic.
        pub static CODE_SYSTEMS: &[(&str, &str, &str)] = &[#(#rows),*];
    })
}

/// The v2 ↔ v3 code tables: for each, `NAME` with its rows and `NAME_LOSSY` with the codes
/// that read back as another, both `(v2 code, v3 value)`, and `NAME_MARKED` where some lossy
/// codes are told apart by a v3 code of their own.
pub fn code_tables_module(ct: &crate::v3::CodeTables) -> String {
    let items = ct.tables.iter().map(|(name, t)| {
        let upper = name.to_uppercase();
        let rows_ident = format_ident!("{}", upper);
        let lossy_ident = format_ident!("{}_LOSSY", upper);
        let pairs = |m: &indexmap::IndexMap<String, String>| {
            m.iter().map(|(k, v)| quote!((#k, #v))).collect::<Vec<_>>()
        };
        let (rows, lossy) = (pairs(&t.rows), pairs(&t.lossy));
        let doc = format!(" Table {} → {}.", t.v2, t.v3);
        let lossy_doc = format!(" Table {} codes that read back as another code.", t.v2);
        // Only tables that mark a code get the third list.
        let marked = (!t.marked.is_empty()).then(|| {
            let marked_ident = format_ident!("{}_MARKED", upper);
            let marked = pairs(&t.marked);
            let marked_doc = format!(
                " Table {} lossy codes told apart by a v3 code written beside their value, from \
                 which they read back: `(v2 code, v3 code)`.",
                t.v2
            );
            quote! {
                #[doc = #marked_doc]
                pub static #marked_ident: &[(&str, &str)] = &[#(#marked),*];
            }
        });
        quote! {
            #[doc = #doc]
            pub static #rows_ident: &[(&str, &str)] = &[#(#rows),*];
            #[doc = #lossy_doc]
            pub static #lossy_ident: &[(&str, &str)] = &[#(#lossy),*];
            #marked
        }
    });
    unparse(quote! { #(#items)* })
}

#[cfg(test)]
mod tests {
    use super::md;

    #[test]
    fn doc_text_escapes_tags_and_types_outside_code() {
        assert_eq!(
            md("R2 adds capabilities [REF]; a `SXCM<T>` member or IVL<TS>"),
            "R2 adds capabilities \\[REF\\]; a `SXCM<T>` member or IVL&lt;TS&gt;"
        );
    }
}
