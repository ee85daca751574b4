//! The parts of an MS5000 XML file that eprload reads, taken from it with a pull parser:
//! `ESRXmlFile/Data/Measurement` (its attributes), `Measurement/Recipe` (its `Type` and its
//! `Parameters/Param` nodes) and `Measurement/DataCurves/Curve` (attributes and base64 text).
//! Everything else is skipped. Attribute values are normalized as an XML parser must (literal
//! line ends and tabs become spaces; `&#xD;&#xA;` stays CR LF), text has its line ends
//! normalized and its references resolved; a curve's text is borrowed from the file when it
//! has no references (always, in real files).

use std::borrow::Cow;
use std::path::Path;

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::reader::Reader;
use quick_xml::XmlVersion;

use crate::error::{Error, Result};

/// Attributes in file order: name and normalized value.
pub(super) type Attributes = Vec<(String, String)>;

/// Elements nested deeper than this are refused (real files nest 6 deep).
const MAX_DEPTH: usize = 64;

/// What eprload takes from the file.
#[derive(Debug, Default)]
pub(super) struct Document<'a> {
    /// The attributes of `Measurement`.
    pub measurement: Attributes,
    /// `Measurement/Recipe`, absent in a dip sweep.
    pub recipe: Option<Recipe>,
    /// The `Curve` nodes of `Measurement/DataCurves`, in file order.
    pub curves: Vec<Node<'a>>,
}

/// The recipe of a measurement.
#[derive(Debug, Default)]
pub(super) struct Recipe {
    /// The attributes of `Recipe` (eprload reads `Type`).
    pub attributes: Attributes,
    /// The `Parameters/Param` nodes, in file order.
    pub params: Vec<Node<'static>>,
}

/// An element with its attributes and its own text (the character data directly inside it).
#[derive(Debug, Default)]
pub(super) struct Node<'a> {
    /// The attributes, in file order.
    pub attributes: Attributes,
    /// The text, line ends normalized and references resolved.
    pub text: Cow<'a, str>,
}

impl Node<'_> {
    /// The value of attribute `name`.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        find(&self.attributes, name)
    }
}

/// The value of attribute `name` in `attributes`.
pub(super) fn find<'a>(attributes: &'a Attributes, name: &str) -> Option<&'a str> {
    attributes
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Where an element sits among the ones eprload reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Root,
    Data,
    Measurement,
    Recipe,
    Parameters,
    Param,
    DataCurves,
    Curve,
    /// Anything else (skipped with its content).
    Other,
}

/// The place of a child element `name` of an element at `parent`.
fn place_of(parent: Option<Place>, name: &str) -> Place {
    match (parent, name) {
        (Some(Place::Root), "Data") => Place::Data,
        (Some(Place::Data), "Measurement") => Place::Measurement,
        (Some(Place::Measurement), "Recipe") => Place::Recipe,
        (Some(Place::Measurement), "DataCurves") => Place::DataCurves,
        (Some(Place::Recipe), "Parameters") => Place::Parameters,
        (Some(Place::Parameters), "Param") => Place::Param,
        (Some(Place::DataCurves), "Curve") => Place::Curve,
        _ => Place::Other,
    }
}

/// The pull parse in progress.
struct Parse<'a, 'p> {
    path: &'p Path,
    reader: Reader<&'a [u8]>,
    stack: Vec<Place>,
    doc: Document<'a>,
    /// How many `Data`, `Measurement`, `Recipe`, `Parameters`, `DataCurves` were seen.
    seen: [usize; 5],
    root_done: bool,
}

/// Parses the text of an MS5000 XML file (byte order mark removed). A file that is not
/// well-formed XML, whose root element is not `ESRXmlFile`, or that has more than one `Data`,
/// `Measurement`, `Recipe`, `Parameters` or `DataCurves` where eprload reads one (its
/// `xml2struct` makes a list of them, which eprload cannot read) is a format error naming the
/// file and the element.
pub(super) fn parse<'a>(text: &'a str, path: &Path) -> Result<Document<'a>> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut parse = Parse {
        path,
        reader,
        stack: Vec::new(),
        doc: Document::default(),
        seen: [0; 5],
        root_done: false,
    };
    loop {
        let event = parse.reader.read_event().map_err(|e| parse.xml_error(&e))?;
        match event {
            Event::Start(e) => parse.start(&e)?,
            Event::Empty(e) => {
                parse.start(&e)?;
                parse.end();
            }
            Event::End(_) => parse.end(),
            Event::Text(t) => parse.text(t.xml10_content())?,
            Event::CData(t) => parse.text(t.into_inner())?,
            Event::GeneralRef(r) => {
                let resolved = parse.reference(&r)?;
                parse.text(resolved)?;
            }
            Event::DocType(_) => {
                return Err(parse.error("has a DOCTYPE declaration; MS5000 files have none"))
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !parse.root_done {
        return Err(parse.error("ends before its root element <ESRXmlFile> is closed"));
    }
    Ok(parse.doc)
}

impl<'a> Parse<'a, '_> {
    /// A format error at the parser's position.
    fn error(&self, what: impl std::fmt::Display) -> Error {
        Error::format(
            self.path,
            format!(
                "MS5000 XML file {what} (at byte {})",
                self.reader.buffer_position()
            ),
        )
    }

    fn xml_error(&self, e: &quick_xml::Error) -> Error {
        Error::format(
            self.path,
            format!(
                "MS5000 XML file is not well-formed XML at byte {}: {e}",
                self.reader.error_position()
            ),
        )
    }

    fn start(&mut self, e: &BytesStart<'a>) -> Result<()> {
        let name = e.name();
        let name = name.as_ref();
        if self.stack.len() >= MAX_DEPTH {
            return Err(self.error(format!("nests elements deeper than {MAX_DEPTH} levels")));
        }
        let place = if self.stack.is_empty() {
            if self.root_done {
                return Err(self.error(format!("has a second root element <{name}>")));
            }
            if name != "ESRXmlFile" {
                return Err(Error::unsupported(
                    self.path,
                    format!(
                        "not a Magnettech MS5000 XML file: the root element is <{name}>, \
                         expected <ESRXmlFile>"
                    ),
                ));
            }
            Place::Root
        } else {
            place_of(self.stack.last().copied(), name)
        };
        self.count_single(place, name)?;
        match place {
            Place::Measurement => self.doc.measurement = self.attributes(e)?,
            Place::Recipe => {
                self.doc.recipe = Some(Recipe {
                    attributes: self.attributes(e)?,
                    params: Vec::new(),
                })
            }
            Place::Param => {
                let attributes = self.attributes(e)?;
                if let Some(recipe) = &mut self.doc.recipe {
                    recipe.params.push(Node {
                        attributes,
                        text: Cow::Borrowed(""),
                    });
                }
            }
            Place::Curve => {
                let attributes = self.attributes(e)?;
                self.doc.curves.push(Node {
                    attributes,
                    text: Cow::Borrowed(""),
                });
            }
            _ => {}
        }
        self.stack.push(place);
        Ok(())
    }

    /// Counts an element of which eprload reads exactly one; a second one is an error.
    fn count_single(&mut self, place: Place, name: &str) -> Result<()> {
        let slot = match place {
            Place::Data => 0,
            Place::Measurement => 1,
            Place::Recipe => 2,
            Place::Parameters => 3,
            Place::DataCurves => 4,
            _ => return Ok(()),
        };
        self.seen[slot] += 1;
        if self.seen[slot] > 1 {
            return Err(self.error(format!(
                "has more than one <{name}> where eprload reads one"
            )));
        }
        Ok(())
    }

    fn end(&mut self) {
        self.stack.pop();
        if self.stack.is_empty() {
            self.root_done = true;
        }
    }

    /// Character data: kept for a `Param` or `Curve` it is directly inside; outside the root
    /// element only white space may stand.
    fn text(&mut self, text: Cow<'a, str>) -> Result<()> {
        match self.stack.last() {
            Some(Place::Param) => {
                if let Some(param) = self.doc.recipe.as_mut().and_then(|r| r.params.last_mut()) {
                    param.text.to_mut().push_str(&text);
                }
            }
            Some(Place::Curve) => {
                if let Some(curve) = self.doc.curves.last_mut() {
                    if curve.text.is_empty() {
                        curve.text = text;
                    } else {
                        curve.text.to_mut().push_str(&text);
                    }
                }
            }
            Some(_) => {}
            None if text.trim().is_empty() => {}
            None => return Err(self.error("has text outside its root element")),
        }
        Ok(())
    }

    /// The text of a character or predefined entity reference.
    fn reference(&self, r: &BytesRef<'_>) -> Result<Cow<'a, str>> {
        let name: &str = r;
        match r.resolve_char_ref() {
            Ok(Some(c)) => return Ok(Cow::Owned(c.to_string())),
            Ok(None) => {}
            Err(e) => {
                return Err(self.error(format!("has a bad character reference &{name};: {e}")))
            }
        }
        resolve_predefined_entity(name)
            .map(Cow::Borrowed)
            .ok_or_else(|| self.error(format!("uses the undeclared entity &{name};")))
    }

    /// The attributes of `e` in file order, values normalized (XML 1.0 rules).
    fn attributes(&self, e: &BytesStart<'_>) -> Result<Attributes> {
        let mut out = Vec::new();
        for attribute in e.attributes() {
            let attribute = attribute.map_err(|err| {
                self.error(format!(
                    "has a bad attribute in <{}>: {err}",
                    e.name().as_ref()
                ))
            })?;
            let value = attribute
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|err| {
                    self.error(format!(
                        "has a bad value of attribute {} in <{}>: {err}",
                        attribute.key.as_ref(),
                        e.name().as_ref()
                    ))
                })?;
            out.push((attribute.key.as_ref().to_string(), value.into_owned()));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "\r\n<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<ESRXmlFile Version=\"1\">\r\n \
        <Data><Measurement Name=\"m\" FWV=\"a&#xD;&#xA;b\" Tab=\"x\ty\r\nz\">\r\n\
        <Recipe Type=\"single\"><Parameters>\
        <Param Name=\"Bfrom\" Unit=\"mT\">313</Param><Param Name=\"Note\">a &amp; b&#x41;<!--c--></Param>\
        <Param Name=\"Empty\"/></Parameters></Recipe>\
        <DataCurves><Curve YType=\"BField\" Mode=\"Raw\"/><Curve YType=\"MW_Absorption\">AAAA</Curve>\
        </DataCurves><Other><Curve YType=\"ignored\">x</Curve></Other></Measurement></Data>\
        </ESRXmlFile>\r\n";

    #[test]
    fn the_parts_eprload_reads_come_out_in_file_order_with_xml_normalization() {
        let doc = parse(FILE, Path::new("f.xml")).unwrap();
        assert_eq!(find(&doc.measurement, "Name"), Some("m"));
        assert_eq!(find(&doc.measurement, "FWV"), Some("a\r\nb"));
        assert_eq!(find(&doc.measurement, "Tab"), Some("x y z"));
        let recipe = doc.recipe.unwrap();
        assert_eq!(find(&recipe.attributes, "Type"), Some("single"));
        let params: Vec<(Option<&str>, &str)> = recipe
            .params
            .iter()
            .map(|p| (p.attribute("Name"), p.text.as_ref()))
            .collect();
        assert_eq!(
            params,
            [
                (Some("Bfrom"), "313"),
                (Some("Note"), "a & bA"),
                (Some("Empty"), "")
            ]
        );
        assert_eq!(doc.curves.len(), 2);
        assert_eq!(doc.curves[0].attribute("Mode"), Some("Raw"));
        assert!(matches!(doc.curves[1].text, Cow::Borrowed("AAAA")));
    }

    #[test]
    fn other_roots_repeated_nodes_and_broken_xml_are_refused_by_name() {
        let path = Path::new("f.xml");
        let cases = [
            ("<Other/>", "<Other>"),
            ("<ESRXmlFile><Data/><Data/></ESRXmlFile>", "<Data>"),
            (
                "<ESRXmlFile><Data><Measurement><Recipe/><Recipe/></Measurement></Data></ESRXmlFile>",
                "<Recipe>",
            ),
            ("<ESRXmlFile><Data></ESRXmlFile>", "well-formed"),
            ("<ESRXmlFile><Data>", "closed"),
            ("<ESRXmlFile/><ESRXmlFile/>", "second root"),
            ("<!DOCTYPE x><ESRXmlFile/>", "DOCTYPE"),
            ("<ESRXmlFile>&bogus;</ESRXmlFile>", "&bogus;"),
            ("<ESRXmlFile/>junk", "outside"),
        ];
        for (text, needle) in cases {
            let e = parse(text, path).unwrap_err();
            assert!(e.message().contains(needle), "{text}: {e}");
            assert!(e.message().contains("f.xml"), "{text}: {e}");
        }
    }
}
