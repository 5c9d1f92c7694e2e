//! The R1 XML ITS: CDA R2 fragments written after the standard's examples (the CDA R2
//! sample document's patient, author and observations, and the data types specification's
//! examples) read and written back unchanged; and hostile input refused.

use hl7_v3::datatypes::{AD, AnyValue, CD, CE, ED, II, IVL, ON, PN, PNPart, Qty, Sxcm, TEL, TS};
use hl7_v3::xml::{self, Element, Node, ReadLimits, XmlError};
use hl7_v3::{DataType, Mixed, NullFlavor, Nullable, from_xml, to_xml};

const V3: &str = r#"xmlns="urn:hl7-org:v3""#;
const XSI: &str = r#"xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance""#;

/// The tree with attributes sorted, blank text dropped and namespaces of the fragment root
/// left aside: what two equivalent serialisations share.
fn normalised(mut e: Element) -> Element {
    e.attributes.sort_by(|a, b| a.name.cmp(&b.name));
    e.ns = None;
    e.children = e
        .children
        .into_iter()
        .filter_map(|n| match n {
            Node::Text(t) if t.trim().is_empty() => None,
            Node::Element(c) => Some(Node::Element(normalised(c))),
            t => Some(t),
        })
        .collect();
    e
}

/// Reads `xml` as `T`, writes it back, and checks the result reads to the same value and
/// to the same XML tree.
fn round_trip<T: DataType>(xml: &str) -> Nullable<T> {
    let value: Nullable<T> = from_xml(xml).unwrap_or_else(|e| panic!("{xml}: {e}"));
    let name = xml::parse(xml, &ReadLimits::default()).unwrap().name;
    let written = to_xml(&name, &value).unwrap();
    let again: Nullable<T> = from_xml(&written).unwrap_or_else(|e| panic!("{written}: {e}"));
    assert_eq!(again, value, "{written}");
    let limits = ReadLimits::default();
    assert_eq!(
        normalised(xml::parse(&written, &limits).unwrap()),
        normalised(xml::parse(xml, &limits).unwrap()),
        "\n{xml}\n{written}"
    );
    value
}

#[test]
fn instance_identifiers() {
    let id = round_trip::<II>(&format!(
        r#"<id {V3} root="2.16.840.1.113883.19.5" extension="12345" assigningAuthorityName="Good Health Clinic"/>"#
    ));
    let id = id.value().unwrap();
    assert_eq!(id.root.as_deref(), Some("2.16.840.1.113883.19.5"));
    assert_eq!(id.extension.as_deref(), Some("12345"));
    let uuid = round_trip::<II>(r#"<id root="1d5e1f4f-3f8c-4fd1-9a8e-123456789abc"/>"#);
    assert!(uuid.value().unwrap().extension.is_none());
    let null = round_trip::<II>(r#"<id nullFlavor="NI"/>"#);
    assert_eq!(null.null_flavor(), Some(NullFlavor::NI));
}

#[test]
fn coded_values() {
    let code = round_trip::<CD>(&format!(
        r#"<code {V3} code="8480-6" codeSystem="2.16.840.1.113883.6.1" codeSystemName="LOINC" displayName="Intravascular systolic">
             <originalText>Systolic blood pressure</originalText>
             <translation code="271649006" codeSystem="2.16.840.1.113883.6.96" codeSystemName="SNOMED CT"/>
           </code>"#
    ));
    let cd = code.value().unwrap();
    assert_eq!(cd.translation.len(), 1);
    let ot = cd.original_text.as_ref().unwrap().value().unwrap();
    assert_eq!(ot.content.as_deref(), Some("Systolic blood pressure"));
    let gender = round_trip::<CE>(
        r#"<administrativeGenderCode code="M" codeSystem="2.16.840.1.113883.5.1"/>"#,
    );
    assert_eq!(gender.value().unwrap().code.as_deref(), Some("M"));
    // A CD with qualifiers (CE forbids them).
    round_trip::<CD>(
        r#"<code code="195967001" codeSystem="2.16.840.1.113883.6.96"><qualifier><name code="246112005"/><value code="24484000"/></qualifier></code>"#,
    );
    let err = from_xml::<CE>(r#"<code code="1"><qualifier><name code="2"/></qualifier></code>"#)
        .unwrap_err();
    assert!(matches!(err, XmlError::Unexpected { .. }), "{err}");
}

#[test]
fn null_coded_value_keeps_original_text_and_translations() {
    let v = round_trip::<CD>(
        r#"<code nullFlavor="OTH"><originalText>Burnt toast syndrome</originalText><translation code="X1" codeSystem="2.16.840.1.113883.19.6.4"/></code>"#,
    );
    match v {
        Nullable::Null { flavor, extras } => {
            assert_eq!(flavor, NullFlavor::OTH);
            assert_eq!(extras.translation.len(), 1);
            assert!(extras.original_text.is_some());
        }
        Nullable::Value(_) => panic!("a null"),
    }
    // Its code, though, would be a value beside the null: refused.
    let err = from_xml::<CD>(r#"<code nullFlavor="OTH" code="X"/>"#).unwrap_err();
    assert!(err.to_string().contains("code"), "{err}");
}

#[test]
fn telecom_and_its_use_on_a_null() {
    let tel = round_trip::<TEL>(r#"<telecom use="WP" value="tel:(555)555-1003"/>"#);
    assert_eq!(tel.value().unwrap().use_, ["WP"]);
    round_trip::<TEL>(r#"<telecom use="H HP" value="mailto:henry@example.org"/>"#);
    let unknown = round_trip::<TEL>(r#"<telecom nullFlavor="UNK" use="WP"/>"#);
    match unknown {
        Nullable::Null { flavor, extras } => {
            assert_eq!(flavor, NullFlavor::UNK);
            assert_eq!(extras.use_, ["WP"]);
        }
        Nullable::Value(_) => panic!("a null"),
    }
    round_trip::<TEL>(
        r#"<telecom value="tel:+1-555-555-1234"><useablePeriod value="2024"/></telecom>"#,
    );
}

/// A GTS member (TEL and AD `useablePeriod`, SXPR `comp`) is declared SXCM_TS and holds an
/// interval, a periodic interval or an expression named by its `xsi:type`: the data types
/// specification's "a work phone from 1 January 2004" and "twice a day for 10 days".
#[test]
fn useable_periods_and_set_expressions_by_xsi_type() {
    let tel = round_trip::<TEL>(&format!(
        r#"<telecom {XSI} value="tel:+1-555-555-1234" use="WP"><useablePeriod xsi:type="IVL_TS"><low value="20040101"/><high value="20041231"/></useablePeriod></telecom>"#
    ));
    let period = tel.value().unwrap().useable_period[0].value().unwrap();
    let Sxcm::IVL(ivl) = period else {
        panic!("an IVL_TS: {period:?}")
    };
    let low = ivl.low.as_ref().unwrap().value().unwrap();
    assert_eq!(low.base.value.as_deref(), Some("20040101"));
    let high = ivl.high.as_ref().unwrap().value().unwrap();
    assert_eq!(high.base.value.as_deref(), Some("20041231"));

    // An address used in winter only: a periodic interval with its phase and period.
    let ad = round_trip::<AD>(&format!(
        r#"<addr {XSI} use="HV"><city>Aspen</city><useablePeriod xsi:type="PIVL_TS"><phase><low value="20001201"/><high value="20010301"/></phase><period value="1" unit="a"/></useablePeriod></addr>"#
    ));
    let Sxcm::PIVL(pivl) = ad.value().unwrap().useable_period[0].value().unwrap() else {
        panic!("a PIVL_TS")
    };
    assert_eq!(
        pivl.period
            .as_ref()
            .unwrap()
            .value()
            .unwrap()
            .unit
            .as_deref(),
        Some("a")
    );

    let twice_a_day = format!(
        r#"<effectiveTime {XSI} xsi:type="SXPR_TS"><comp xsi:type="IVL_TS"><low value="20000412"/><high value="20000421"/></comp><comp xsi:type="PIVL_TS" operator="A" institutionSpecified="true"><period value="12" unit="h"/></comp></effectiveTime>"#
    );
    let v = round_trip::<AnyValue>(&twice_a_day);
    let Some(AnyValue::SXPR_TS(sxpr)) = v.value() else {
        panic!("an SXPR_TS: {v:?}")
    };
    assert_eq!(sxpr.comp.len(), 2);
    assert!(matches!(sxpr.comp[0].value(), Some(Sxcm::IVL(i)) if i.operator.is_none()));
    let Some(Sxcm::PIVL(p)) = sxpr.comp[1].value() else {
        panic!("a PIVL_TS")
    };
    assert_eq!(p.operator.as_deref(), Some("A"));
    assert_eq!(p.institution_specified, Some(true));
    assert_eq!(
        p.period.as_ref().unwrap().value().unwrap().value.as_deref(),
        Some("12")
    );
    // The same element read as a GTS member, and the expression's own type.
    let member = round_trip::<Sxcm<TS>>(&twice_a_day);
    assert!(matches!(member.value(), Some(Sxcm::SXPR(s)) if s == sxpr));
    let mut el = Element::new("comp");
    Sxcm::SXPR(sxpr.clone()).write_to(&mut el).unwrap();
    assert_eq!(el.xsi_type.as_deref(), Some("SXPR_TS"));

    // Without an xsi:type a member is the declared SXCM_TS, written back without one.
    let plain = round_trip::<TEL>(
        r#"<telecom value="tel:+1-555-555-1234"><useablePeriod value="2024"/></telecom>"#,
    );
    assert!(matches!(
        plain.value().unwrap().useable_period[0].value(),
        Some(Sxcm::SXCM(s)) if s.base.value.as_deref() == Some("2024")
    ));
    // A type that does not derive from SXCM is refused, and so is an interval's content
    // without the xsi:type that allows it.
    let err = from_xml::<TEL>(&format!(
        r#"<telecom {XSI} value="tel:1"><useablePeriod xsi:type="PQ" value="1"/></telecom>"#
    ))
    .unwrap_err();
    assert!(matches!(err, XmlError::UnknownXsiType { .. }), "{err}");
    assert!(
        from_xml::<TEL>(
            r#"<telecom value="tel:1"><useablePeriod><low value="2004"/></useablePeriod></telecom>"#
        )
        .is_err()
    );
}

#[test]
fn names_keep_part_order_and_text() {
    let name = round_trip::<PN>(
        r#"<name use="L"><given>Henry</given><family>Levin</family><suffix qualifier="AC">the 7th</suffix></name>"#,
    );
    let parts = &name.value().unwrap().parts;
    let kinds: Vec<_> = parts
        .iter()
        .map(|p| match p {
            Mixed::Part(k, _) => Some(*k),
            Mixed::Text(_) => None,
        })
        .collect();
    assert_eq!(
        kinds,
        [
            Some(PNPart::Given),
            Some(PNPart::Family),
            Some(PNPart::Suffix)
        ]
    );
    // Untyped text between parts is content, kept where it stood.
    let text = round_trip::<PN>(r#"<name><family>Levin</family>, <given>Henry</given></name>"#);
    assert!(matches!(&text.value().unwrap().parts[1], Mixed::Text(t) if t == ", "));
    round_trip::<PN>(
        r#"<name><given>Henry</given><validTime><low value="1990"/></validTime></name>"#,
    );
    let org = round_trip::<ON>(r#"<name>Good Health Clinic</name>"#);
    assert!(matches!(&org.value().unwrap().parts[0], Mixed::Text(t) if t == "Good Health Clinic"));
    // An organisation name has no family part.
    assert!(from_xml::<ON>(r#"<name><family>X</family></name>"#).is_err());
}

#[test]
fn addresses() {
    let ad = round_trip::<AD>(
        r#"<addr use="HP"><streetAddressLine>1050 W Wishard Blvd</streetAddressLine><streetAddressLine>RG 5th floor</streetAddressLine><city>Indianapolis</city><state>IN</state><postalCode>46240</postalCode><country>US</country></addr>"#,
    );
    assert_eq!(ad.value().unwrap().parts.len(), 6);
    round_trip::<AD>(r#"<addr nullFlavor="UNK"/>"#);
}

#[test]
fn intervals_and_times() {
    let ivl = round_trip::<IVL<TS>>(
        r#"<effectiveTime><low value="20000407" inclusive="true"/><high value="20000408"/></effectiveTime>"#,
    );
    let low = ivl.value().unwrap().low.as_ref().unwrap().value().unwrap();
    assert_eq!(low.base.value.as_deref(), Some("20000407"));
    assert_eq!(low.inclusive, Some(true));
    round_trip::<TS>(r#"<birthTime value="19320924"/>"#);
    round_trip::<TS>(r#"<effectiveTime value="20000407130000+0500"/>"#);
    // A width is a quantity of the type the xsi:type names.
    round_trip::<IVL<TS>>(&format!(
        r#"<effectiveTime {XSI}><low value="200004071300"/><width xsi:type="PQ" value="15" unit="min"/></effectiveTime>"#
    ));
    round_trip::<IVL<TS>>(r#"<effectiveTime><center value="20000407"/></effectiveTime>"#);
}

#[test]
fn observation_values_by_xsi_type() {
    let cases = [
        (r#"<value xsi:type="PQ" value="132" unit="mm[Hg]"/>"#, "PQ"),
        (
            r#"<value xsi:type="CD" code="17561000" codeSystem="2.16.840.1.113883.6.96" displayName="Cardiac murmur"/>"#,
            "CD",
        ),
        (
            r#"<value xsi:type="ST">Positive for occult blood</value>"#,
            "ST",
        ),
        (r#"<value xsi:type="BL" value="true"/>"#, "BL"),
        (r#"<value xsi:type="INT" value="3"/>"#, "INT"),
        (r#"<value xsi:type="REAL" value="1.50"/>"#, "REAL"),
        (
            r#"<value xsi:type="IVL_PQ"><low value="4.5" unit="10*3/uL"/><high value="11" unit="10*3/uL"/></value>"#,
            "IVL_PQ",
        ),
        (
            r#"<value xsi:type="RTO_PQ_PQ"><numerator value="1" unit="mg"/><denominator value="1" unit="mL"/></value>"#,
            "RTO_PQ_PQ",
        ),
        (
            r#"<value xsi:type="MO" value="12.50" currency="USD"/>"#,
            "MO",
        ),
        (
            r#"<effectiveTime xsi:type="PIVL_TS" institutionSpecified="true"><period value="6" unit="h"/></effectiveTime>"#,
            "PIVL_TS",
        ),
        (
            r#"<effectiveTime xsi:type="EIVL_TS"><event code="HS"/></effectiveTime>"#,
            "EIVL_TS",
        ),
    ];
    for (fragment, xsi) in cases {
        let xml = fragment.replacen(" xsi:type", &format!(" {XSI} xsi:type"), 1);
        let v = round_trip::<AnyValue>(&xml);
        let el = v.value().unwrap();
        let mut out = Element::new("value");
        el.write_to(&mut out).unwrap();
        assert_eq!(out.xsi_type.as_deref(), Some(xsi), "{fragment}");
    }
    // A prefixed xsi:type names the same type.
    let v: Nullable<AnyValue> = from_xml(&format!(
        r#"<value {XSI} xmlns:hl7="urn:hl7-org:v3" xsi:type="hl7:PQ" value="1"/>"#
    ))
    .unwrap();
    assert!(matches!(v, Nullable::Value(AnyValue::PQ(_))));
    // The real value keeps its literal: 1.50 is not 1.5.
    let v: Nullable<AnyValue> =
        from_xml(&format!(r#"<value {XSI} xsi:type="REAL" value="1.50"/>"#)).unwrap();
    match v {
        Nullable::Value(AnyValue::REAL(r)) => assert_eq!(r.value.as_deref(), Some("1.50")),
        other => panic!("{other:?}"),
    }
    // An abstract type needs its xsi:type; an unknown one is refused.
    assert!(matches!(
        from_xml::<Qty>(r#"<value value="1"/>"#),
        Err(XmlError::MissingXsiType { .. })
    ));
    assert!(matches!(
        from_xml::<AnyValue>(&format!(r#"<value {XSI} xsi:type="XYZ"/>"#)),
        Err(XmlError::UnknownXsiType { .. })
    ));
}

#[test]
fn text_and_encapsulated_data() {
    round_trip::<ED>(r##"<text><reference value="#obs1"/></text>"##);
    round_trip::<ED>(r#"<text mediaType="text/plain">Henry &amp; &lt;Levin&gt;</text>"#);
    let ed: Nullable<ED> = from_xml(r#"<text>A &amp; B &#x41;&#66;</text>"#).unwrap();
    assert_eq!(ed.value().unwrap().content.as_deref(), Some("A & B AB"));
    round_trip::<ED>(
        r#"<text mediaType="application/pdf" representation="B64">JVBERi0xLjQK</text>"#,
    );
}

#[test]
fn malformed_values_are_refused_not_dropped() {
    for (xml, what) in [
        (r#"<id root="1.2" colour="red"/>"#, "colour"),
        (r#"<id nullFlavor="UNK" root="1.2"/>"#, "root"),
        (r#"<id root="1.2"><extra/></id>"#, "extra"),
        (r#"<id root="1.2">text</id>"#, "text"),
    ] {
        let err = from_xml::<II>(xml).unwrap_err();
        assert!(matches!(err, XmlError::Unexpected { .. }), "{xml}: {err}");
        assert!(err.to_string().contains(what), "{xml}: {err}");
    }
    // CDA's sdtc extensions are not R1 ITS: refused by name rather than dropped.
    let err =
        from_xml::<CD>(r#"<code xmlns:sdtc="urn:hl7-org:sdtc" code="1" sdtc:valueSet="1.2.3"/>"#)
            .unwrap_err();
    assert!(
        err.to_string().contains("{urn:hl7-org:sdtc}valueSet"),
        "{err}"
    );
    assert!(matches!(
        from_xml::<II>(r#"<id nullFlavor="MASK"/>"#),
        Err(XmlError::UnknownNullFlavor { .. })
    ));
    assert!(matches!(
        from_xml::<II>(r#"<id root="1" displayable="yes"/>"#),
        Err(XmlError::InvalidValue { .. })
    ));
    assert!(matches!(
        from_xml::<hl7_v3::datatypes::ST>(r#"<title representation="B64">x</title>"#),
        Err(XmlError::InvalidValue { .. })
    ));
    assert!(matches!(
        from_xml::<CD>(
            r#"<code><originalText>a</originalText><originalText>b</originalText></code>"#
        ),
        Err(XmlError::Repeated { .. })
    ));
    assert!(matches!(
        from_xml::<hl7_v3::datatypes::RTO<hl7_v3::datatypes::PQ, hl7_v3::datatypes::PQ>>(
            r#"<value><numerator value="1"/></value>"#
        ),
        Err(XmlError::Missing { .. })
    ));
    assert!(matches!(
        from_xml::<hl7_v3::datatypes::BN>(r#"<inverted nullFlavor="NI"/>"#),
        Err(XmlError::NullNotAllowed { .. })
    ));
    assert!(matches!(
        from_xml::<II>(r#"<id root="1"#),
        Err(XmlError::Malformed { .. })
    ));
    assert!(matches!(from_xml::<II>(""), Err(XmlError::Empty)));
}

#[test]
fn doctype_and_entities_are_refused() {
    let xxe = r#"<?xml version="1.0"?>
<!DOCTYPE id [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<id root="1.2" extension="&xxe;"/>"#;
    assert_eq!(from_xml::<II>(xxe).unwrap_err(), XmlError::Doctype);
    let laughs = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<text>&lol3;</text>"#;
    assert_eq!(from_xml::<ED>(laughs).unwrap_err(), XmlError::Doctype);
    let external = r#"<!DOCTYPE id SYSTEM "http://example.org/evil.dtd"><id root="1"/>"#;
    assert_eq!(from_xml::<II>(external).unwrap_err(), XmlError::Doctype);
    // Undeclared entities, in text and in attributes, are refused by name.
    assert_eq!(
        from_xml::<ED>("<text>&lol3;</text>").unwrap_err(),
        XmlError::Entity("lol3".into())
    );
    assert_eq!(
        from_xml::<II>(r#"<id root="1" extension="&nbsp;"/>"#).unwrap_err(),
        XmlError::Entity("nbsp".into())
    );
}

#[test]
fn limits_are_enforced() {
    let deep = format!(
        "<code>{}{}</code>",
        "<translation>".repeat(100),
        "</translation>".repeat(100)
    );
    assert_eq!(
        from_xml::<CD>(&deep).unwrap_err(),
        XmlError::TooDeep(ReadLimits::default().max_depth)
    );
    let small = ReadLimits {
        max_bytes: 10,
        ..ReadLimits::default()
    };
    assert!(matches!(
        hl7_v3::from_xml_with::<II>(r#"<id root="1.2.3.4.5"/>"#, &small),
        Err(XmlError::TooLarge { .. })
    ));
    let few = ReadLimits {
        max_elements: 2,
        ..ReadLimits::default()
    };
    assert_eq!(
        hl7_v3::from_xml_with::<CD>("<code><translation/><translation/></code>", &few).unwrap_err(),
        XmlError::TooManyElements(2)
    );
}

/// XML 1.0 has no room for control characters other than tab, CR and LF: sent raw, as a
/// character reference or in an attribute, they are refused on reading; a value holding one
/// (from a v2 field, say) is refused on writing, naming the element.
#[test]
fn control_characters_are_refused_both_ways() {
    for xml in [
        "<text>A\u{1}B</text>",
        "<text>A&#1;B</text>",
        "<text>A&#x0;B</text>",
        r#"<text mediaType="text/&#2;plain">A</text>"#,
        "<text>\u{fffe}</text>",
    ] {
        let err = from_xml::<ED>(xml).unwrap_err();
        assert!(
            matches!(
                err,
                XmlError::InvalidChar { .. } | XmlError::Malformed { .. }
            ),
            "{xml:?}: {err}"
        );
    }
    assert!(matches!(
        from_xml::<ED>("<text>A\u{1}B</text>"),
        Err(XmlError::InvalidChar {
            position: 7,
            char: '\u{1}'
        })
    ));
    // Tab, CR and LF are text like any other.
    let ed: Nullable<ED> = from_xml("<text>A\tB\nC</text>").unwrap();
    assert_eq!(ed.value().unwrap().content.as_deref(), Some("A\tB\nC"));

    let mut ed = ed.value().unwrap().clone();
    ed.content = Some("BP 120\u{2}80".to_owned());
    assert!(matches!(
        to_xml("text", &Nullable::Value(ed)),
        Err(XmlError::Unwritable { char: '\u{2}', .. })
    ));
}

/// Text on both sides of an element that is not a name part is one run of text: written
/// back, nothing could tell two runs apart.
#[test]
fn name_text_around_a_property_is_one_run() {
    let xml = r#"<name>Dr <validTime><low value="2001"/></validTime>Who<given>J</given></name>"#;
    let pn: Nullable<PN> = from_xml(xml).unwrap();
    let parts = &pn.value().unwrap().parts;
    assert!(
        matches!(&parts[0], Mixed::Text(t) if t == "Dr Who"),
        "{parts:?}"
    );
    let again: Nullable<PN> = from_xml(&to_xml("name", &pn).unwrap()).unwrap();
    assert_eq!(again, pn);
}
