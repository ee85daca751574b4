//! CSV export: `#` header lines (sources, format, epyr's version, the common metadata with
//! units), then named columns. Every number is written in its shortest form that reads back
//! to the same double (`3280.0`, `1e-7`), so a CSV holds the exact values.
//!
//! Layouts: **long** (one row per point, x fastest, a column per swept axis, then the values)
//! for data of any dimension; **matrix** for 2-D and 3-D data (a block per value column and z
//! slice: a first row with the x values, then per y a row starting with the y value).

use std::io::{self, Write};

use super::labels::{axis_name, axis_unit, axis_value, swept_dims, value_names, with_unit};
use crate::dataset::Dataset;
use crate::metadata::CommonMetadata;

/// How the values are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CsvLayout {
    /// One row per point, a column per swept axis, then the value columns.
    #[default]
    Long,
    /// A matrix per value column (and z slice): x along the columns, y along the rows.
    Matrix,
}

impl CsvLayout {
    /// The layout named `long` or `matrix`.
    pub fn parse(name: &str) -> Option<CsvLayout> {
        match name.trim().to_ascii_lowercase().as_str() {
            "long" => Some(CsvLayout::Long),
            "matrix" => Some(CsvLayout::Matrix),
            _ => None,
        }
    }
}

/// Writes the CSV of `dataset` with its common metadata `md`, the format's name and `layout`.
pub fn write_csv(
    dataset: &Dataset,
    md: &CommonMetadata,
    format: &str,
    layout: CsvLayout,
    out: &mut dyn Write,
) -> io::Result<()> {
    write_header(dataset, md, format, layout, out)?;
    let two_d = dataset.dims()[1] > 1 || dataset.dims()[2] > 1;
    let unit = md.intensity_unit.as_ref().map_or("", |t| t.value.as_str());
    match layout {
        CsvLayout::Matrix if two_d => write_matrix(dataset, unit, out),
        _ => write_long(dataset, unit, out),
    }
}

/// Text on one comment line: control characters (line breaks) become spaces.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn write_header(
    dataset: &Dataset,
    md: &CommonMetadata,
    format: &str,
    layout: CsvLayout,
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(out, "# epyr {} CSV export", crate::VERSION)?;
    writeln!(out, "# format: {}", one_line(format))?;
    for source in dataset.sources() {
        writeln!(out, "# source: {}", one_line(&source.display().to_string()))?;
    }
    let [nx, ny, nz] = dataset.dims();
    writeln!(out, "# dims: {nx} x {ny} x {nz}")?;
    for (name, field) in md.present() {
        writeln!(out, "# {name}: {}", one_line(&field.display()))?;
    }
    for warning in dataset.warnings() {
        writeln!(out, "# warning: {}", one_line(warning))?;
    }
    let layout = match layout {
        CsvLayout::Matrix if ny > 1 || nz > 1 => "matrix (x along columns, y along rows)",
        _ => "long (one row per point, x fastest)",
    };
    writeln!(out, "# layout: {layout}")
}

/// A CSV field: quoted (with doubled quotes) where it holds a comma, quote or line break.
fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// The shortest text that reads back to the same double.
fn number(out: &mut dyn Write, v: f64) -> io::Result<()> {
    write!(out, "{v:?}")
}

fn write_long(dataset: &Dataset, unit: &str, out: &mut dyn Write) -> io::Result<()> {
    let dims = swept_dims(dataset);
    let mut names: Vec<String> = dims
        .iter()
        .map(|&d| with_unit(&axis_name(dataset, d), axis_unit(dataset, d)))
        .collect();
    names.extend(value_names(dataset).iter().map(|n| with_unit(n, unit)));
    let header: Vec<String> = names.iter().map(|n| field(n)).collect();
    writeln!(out, "{}", header.join(","))?;
    let [nx, ny, _] = dataset.dims();
    for point in 0..dataset.points() {
        let index = [point % nx, point / nx % ny, point / (nx * ny)];
        let mut first = true;
        for &d in &dims {
            if !first {
                out.write_all(b",")?;
            }
            first = false;
            number(out, axis_value(dataset, d, index[d]))?;
        }
        for c in dataset.components() {
            let width = 1 + usize::from(c.complex);
            for &v in &c.values[point * width..point * width + width] {
                if !first {
                    out.write_all(b",")?;
                }
                first = false;
                number(out, v)?;
            }
        }
        out.write_all(b"\n")?;
    }
    Ok(())
}

fn write_matrix(dataset: &Dataset, unit: &str, out: &mut dyn Write) -> io::Result<()> {
    let [nx, ny, nz] = dataset.dims();
    let x_label = with_unit(&axis_name(dataset, 0), axis_unit(dataset, 0));
    let y_label = with_unit(&axis_name(dataset, 1), axis_unit(dataset, 1));
    let names = value_names(dataset);
    // (component, offset within the point, width of the component's values)
    let mut columns = Vec::new();
    for c in dataset.components() {
        let width = 1 + usize::from(c.complex);
        for offset in 0..width {
            columns.push((c, offset, width));
        }
    }
    for z in 0..nz {
        for ((c, offset, width), name) in columns.iter().zip(&names) {
            let mut title = with_unit(name, unit);
            if nz > 1 {
                let z_label = with_unit(&axis_name(dataset, 2), axis_unit(dataset, 2));
                title.push_str(&format!(", {z_label} = {:?}", axis_value(dataset, 2, z)));
            }
            writeln!(out, "# {}", one_line(&title))?;
            write!(out, "{}", field(&format!("{y_label} \\ {x_label}")))?;
            for x in 0..nx {
                out.write_all(b",")?;
                number(out, axis_value(dataset, 0, x))?;
            }
            out.write_all(b"\n")?;
            for y in 0..ny {
                number(out, axis_value(dataset, 1, y))?;
                for x in 0..nx {
                    let point = x + nx * (y + ny * z);
                    out.write_all(b",")?;
                    number(out, c.values[point * width + offset])?;
                }
                out.write_all(b"\n")?;
            }
            out.write_all(b"\n")?;
        }
    }
    Ok(())
}
