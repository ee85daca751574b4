//! `epyr plot`: a quick look at a dataset as PNG or SVG — a line for 1-D data, a colour map
//! with a colour bar or stacked traces for 2-D data (the first z slice of 3-D data) — with the
//! title and key metadata on the figure.
//!
//! Text is drawn from DejaVu Sans compiled into the binary (plotters' `ab_glyph` backend), so
//! plots render the same on a machine without fonts or fontconfig.

mod draw;

use std::path::PathBuf;

use clap::ValueEnum;
use epyr_core::export::atomic::write_file;
use epyr_core::export::labels::{axis_name, axis_unit, with_unit};
use epyr_core::metadata::{common_metadata, CommonMetadata};
use epyr_core::{Dataset, Error, ErrorKind, Result};
use plotters::prelude::*;

use crate::convert::plain_loader;
use crate::report;

/// Arguments of `epyr plot`.
#[derive(clap::Args)]
#[command(after_help = "Examples:\n  epyr plot spectrum.DSC -o spectrum.png\n  \
    epyr plot echo.DSC -o echo.svg --part abs\n  epyr plot map.DSC -o map.png --layout stack")]
pub struct Args {
    /// The dataset (either file of a pair).
    file: PathBuf,
    /// The picture: .png or .svg.
    #[arg(long, short = 'o')]
    output: PathBuf,
    /// Which part of complex data to draw.
    #[arg(long, value_enum, default_value_t = Part::Real)]
    part: Part,
    /// How to draw 2-D data.
    #[arg(long, value_enum, default_value_t = Layout2d::Map)]
    layout: Layout2d,
    /// Width in pixels.
    #[arg(long, default_value_t = 1000)]
    width: u32,
    /// Height in pixels.
    #[arg(long, default_value_t = 700)]
    height: u32,
    /// Replace an existing picture.
    #[arg(long)]
    force: bool,
}

/// The part of complex values drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Part {
    /// The real part.
    Real,
    /// The imaginary part.
    Imag,
    /// The magnitude.
    Abs,
}

/// How 2-D data are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Layout2d {
    /// A colour map with a colour bar.
    Map,
    /// One trace per row, offset upwards.
    Stack,
}

/// What the drawing functions need: the values of one part of the first component, the
/// labels and the texts of the figure.
pub struct Figure<'a> {
    dataset: &'a Dataset,
    values: Vec<f64>,
    title: String,
    subtitle: String,
    value_label: String,
}

/// Runs `epyr plot`.
pub fn run(args: &Args) -> u8 {
    if args.width < 200 || args.height < 150 || args.width > 20_000 || args.height > 20_000 {
        report::message("--width must be 200..20000 and --height 150..20000 pixels");
        return report::USAGE;
    }
    let result = plain_loader()
        .and_then(|l| l.load(&args.file, ""))
        .and_then(|ds| render(&ds, args));
    match result {
        Ok(path) => {
            say!("{}", path.display());
            report::OK
        }
        Err(e) => {
            report::error(&e);
            report::FAILED
        }
    }
}

/// Registers the compiled-in font as plotters' `sans-serif`.
fn register_font() -> Result<()> {
    plotters::style::register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular())
        .map_err(|_| Error::new(ErrorKind::Panic, "the compiled-in font cannot be read"))
}

fn render(dataset: &Dataset, args: &Args) -> Result<PathBuf> {
    register_font()?;
    let figure = figure(dataset, args.part);
    let ext = args
        .output
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let size = (args.width, args.height);
    let plotting = |e: String| {
        Error::new(
            ErrorKind::Io,
            format!("{}: cannot draw: {e}", args.output.display()),
        )
    };
    match ext.as_str() {
        "svg" => {
            let mut text = String::new();
            {
                let root = SVGBackend::with_string(&mut text, size).into_drawing_area();
                draw::figure(&root, &figure, args.layout).map_err(plotting)?;
                root.present().map_err(|e| plotting(e.to_string()))?;
            }
            write_file(&args.output, args.force, false, |w| {
                std::io::Write::write_all(w, text.as_bytes())
            })
        }
        "png" => {
            let mut pixels = vec![0u8; args.width as usize * args.height as usize * 3];
            {
                let root = BitMapBackend::with_buffer(&mut pixels, size).into_drawing_area();
                draw::figure(&root, &figure, args.layout).map_err(plotting)?;
                root.present().map_err(|e| plotting(e.to_string()))?;
            }
            write_file(&args.output, args.force, false, |w| {
                encode_png(w, size, &pixels)
            })
        }
        _ => Err(Error::new(
            ErrorKind::InvalidArgument,
            format!(
                "{}: the picture must be .png or .svg",
                args.output.display()
            ),
        )),
    }
}

fn encode_png(out: &mut dyn std::io::Write, (w, h): (u32, u32), rgb: &[u8]) -> std::io::Result<()> {
    let mut encoder = png::Encoder::new(out, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(std::io::Error::other)?;
    writer
        .write_image_data(rgb)
        .map_err(std::io::Error::other)?;
    writer.finish().map_err(std::io::Error::other)
}

/// The figure of `dataset`: the chosen part of its first component, the title (or file name)
/// and a line of key metadata.
fn figure(dataset: &Dataset, part: Part) -> Figure<'_> {
    let c = &dataset.components()[0];
    let values: Vec<f64> = if c.complex {
        c.values
            .chunks_exact(2)
            .map(|p| match part {
                Part::Real => p[0],
                Part::Imag => p[1],
                Part::Abs => p[0].hypot(p[1]),
            })
            .collect()
    } else {
        c.values.clone()
    };
    let md = common_metadata(dataset);
    let name = dataset.sources().first().map_or(String::new(), |p| {
        p.file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned()
    });
    let title = md
        .title
        .as_ref()
        .map_or(name.clone(), |t| format!("{} ({name})", t.value));
    let part_name = match (c.complex, part) {
        (false, _) => "intensity",
        (true, Part::Real) => "real part",
        (true, Part::Imag) => "imaginary part",
        (true, Part::Abs) => "magnitude",
    };
    let unit = md.intensity_unit.as_ref().map_or("", |t| t.value.as_str());
    let mut subtitle = key_metadata(&md);
    if dataset.dims()[2] > 1 {
        subtitle.push_str(&format!("; z slice 1 of {}", dataset.dims()[2]));
    }
    Figure {
        dataset,
        values,
        title,
        subtitle,
        value_label: with_unit(part_name, unit),
    }
}

/// `9.487074 GHz · mod. 0.5 G · 0.01988 mW · 50 K · 124 scans · cw`.
fn key_metadata(md: &CommonMetadata) -> String {
    let mut parts = Vec::new();
    let short = |q: &epyr_core::metadata::Quantity| format!("{} {}", round(q.value), q.unit);
    if let Some(q) = &md.microwave_frequency {
        parts.push(short(q));
    }
    if let Some(q) = &md.modulation_amplitude {
        parts.push(format!("mod. {}", short(q)));
    }
    if let Some(q) = &md.microwave_power {
        parts.push(short(q));
    }
    if let Some(q) = &md.temperature {
        parts.push(short(q));
    }
    if let Some(q) = &md.scans {
        parts.push(format!("{} scans", q.value));
    }
    if let Some(t) = &md.experiment_type {
        parts.push(t.value.clone());
    }
    if let Some(t) = &md.acquired {
        parts.push(t.value.clone());
    }
    parts.join("  \u{b7}  ")
}

/// A value with at most 6 significant digits, for figure text.
fn round(v: f64) -> String {
    let text = format!("{v:.6}");
    let text = format!("{}", text.parse::<f64>().unwrap_or(v));
    if text.len() > 10 {
        format!("{v:.4e}")
    } else {
        text
    }
}

/// The label of axis `dim`: `Field (G)`.
pub fn axis_label(dataset: &Dataset, dim: usize) -> String {
    with_unit(&axis_name(dataset, dim), axis_unit(dataset, dim))
}
