//! Drawing of a [`Figure`] on any plotters backend: the title lines, then a line plot, a colour
//! map with its colour bar, or stacked traces.

use epyr_core::export::labels::axis_value;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::colors::colormaps::{ColorMap, ViridisRGB};

use super::{axis_label, Figure, Layout2d};

type Drawn = Result<(), String>;

fn text_error<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// Draws the whole figure.
pub fn figure<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    fig: &Figure,
    layout: Layout2d,
) -> Drawn {
    root.fill(&WHITE).map_err(text_error)?;
    let (top, body) = root.split_vertically(70);
    top.draw_text(
        &fig.title,
        &("sans-serif", 24).into_font().color(&BLACK),
        (16, 10),
    )
    .map_err(text_error)?;
    top.draw_text(
        &fig.subtitle,
        &("sans-serif", 16).into_font().color(&RGBColor(70, 70, 70)),
        (16, 42),
    )
    .map_err(text_error)?;
    if fig.dataset.dims()[1] > 1 {
        match layout {
            Layout2d::Map => map(&body, fig),
            Layout2d::Stack => stack(&body, fig),
        }
    } else {
        line(&body, fig)
    }
}

/// The smallest and largest finite value, widened where they are equal (a flat line still
/// gets an axis).
fn range(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !lo.is_finite() {
        (0.0, 1.0)
    } else if lo == hi {
        (lo - 0.5, hi + 0.5)
    } else {
        (lo, hi)
    }
}

/// `range` widened by 5 % on each side.
fn padded((lo, hi): (f64, f64)) -> std::ops::Range<f64> {
    let pad = (hi - lo) * 0.05;
    (lo - pad)..(hi + pad)
}

fn axis_values(fig: &Figure, dim: usize) -> Vec<f64> {
    (0..fig.dataset.dims()[dim])
        .map(|i| axis_value(fig.dataset, dim, i))
        .collect()
}

/// Points as line segments between values that are not finite.
fn segments(xs: &[f64], ys: &[f64]) -> Vec<Vec<(f64, f64)>> {
    let mut out = vec![Vec::new()];
    for (&x, &y) in xs.iter().zip(ys) {
        if x.is_finite() && y.is_finite() {
            if let Some(s) = out.last_mut() {
                s.push((x, y));
            }
        } else if out.last().is_some_and(|s| !s.is_empty()) {
            out.push(Vec::new());
        }
    }
    out
}

fn line<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, fig: &Figure) -> Drawn {
    let xs = axis_values(fig, 0);
    let ys = &fig.values[..xs.len()];
    let mut chart = ChartBuilder::on(area)
        .margin(20)
        .x_label_area_size(55)
        .y_label_area_size(90)
        .build_cartesian_2d(
            padded(range(xs.iter().copied())),
            padded(range(ys.iter().copied())),
        )
        .map_err(text_error)?;
    chart
        .configure_mesh()
        .x_desc(axis_label(fig.dataset, 0))
        .y_desc(&fig.value_label)
        .label_style(("sans-serif", 15))
        .axis_desc_style(("sans-serif", 17))
        .draw()
        .map_err(text_error)?;
    for segment in segments(&xs, ys) {
        chart
            .draw_series(LineSeries::new(segment, BLUE.stroke_width(2)))
            .map_err(text_error)?;
    }
    Ok(())
}

/// Cell edges of an axis: half-way between neighbouring values (and as far beyond the ends),
/// so that nonlinear and descending axes draw each cell where it belongs.
fn edges(values: &[f64]) -> Vec<f64> {
    let n = values.len();
    if n < 2 {
        let v = values.first().copied().unwrap_or(0.0);
        return vec![v - 0.5, v + 0.5];
    }
    let mut e = Vec::with_capacity(n + 1);
    e.push(values[0] - (values[1] - values[0]) / 2.0);
    e.extend(values.windows(2).map(|w| (w[0] + w[1]) / 2.0));
    e.push(values[n - 1] + (values[n - 1] - values[n - 2]) / 2.0);
    e
}

/// The range covered by cell edges.
fn span(edges: &[f64]) -> std::ops::Range<f64> {
    let (lo, hi) = range(edges.iter().copied());
    lo..hi
}

/// The step through `n` cells so that a cell is at least one pixel of `pixels`.
fn stride(n: usize, pixels: u32) -> usize {
    n.div_ceil(pixels.max(1) as usize).max(1)
}

fn map<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, fig: &Figure) -> Drawn {
    let (width, _) = area.dim_in_pixel();
    let (main, bar) = area.split_horizontally(width.saturating_sub(130));
    let xs = axis_values(fig, 0);
    let ys = axis_values(fig, 1);
    let (nx, ny) = (xs.len(), ys.len());
    let slice = &fig.values[..nx * ny];
    let (vmin, vmax) = range(slice.iter().copied());
    let (ex, ey) = (edges(&xs), edges(&ys));
    let mut chart = ChartBuilder::on(&main)
        .margin(20)
        .x_label_area_size(55)
        .y_label_area_size(90)
        .build_cartesian_2d(span(&ex), span(&ey))
        .map_err(text_error)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc(axis_label(fig.dataset, 0))
        .y_desc(axis_label(fig.dataset, 1))
        .label_style(("sans-serif", 15))
        .axis_desc_style(("sans-serif", 17))
        .draw()
        .map_err(text_error)?;
    let (pw, ph) = main.dim_in_pixel();
    let (sx, sy) = (stride(nx, pw), stride(ny, ph));
    let (ex, ey) = (&ex, &ey);
    let cells = (0..ny).step_by(sy).flat_map(|j| {
        (0..nx).step_by(sx).filter_map(move |i| {
            let v = slice[i + nx * j];
            v.is_finite().then(|| {
                let (i1, j1) = ((i + sx).min(nx), (j + sy).min(ny));
                let color = ViridisRGB.get_color_normalized(v, vmin, vmax);
                Rectangle::new([(ex[i], ey[j]), (ex[i1], ey[j1])], color.filled())
            })
        })
    });
    chart.draw_series(cells).map_err(text_error)?;
    colour_bar(&bar, fig, vmin, vmax)
}

fn colour_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    fig: &Figure,
    vmin: f64,
    vmax: f64,
) -> Drawn {
    let mut chart = ChartBuilder::on(area)
        .margin_top(20)
        .margin_bottom(75)
        .margin_right(10)
        .y_label_area_size(85)
        .build_cartesian_2d(0.0..1.0, vmin..vmax)
        .map_err(text_error)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(0)
        .y_desc(&fig.value_label)
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 15))
        .draw()
        .map_err(text_error)?;
    let steps = 200;
    let step = (vmax - vmin) / steps as f64;
    chart
        .draw_series((0..steps).map(|k| {
            let v = vmin + step * k as f64;
            let color = ViridisRGB.get_color_normalized(v + step / 2.0, vmin, vmax);
            Rectangle::new([(0.0, v), (1.0, v + step)], color.filled())
        }))
        .map_err(text_error)?;
    Ok(())
}

fn stack<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, fig: &Figure) -> Drawn {
    let xs = axis_values(fig, 0);
    let ys = axis_values(fig, 1);
    let (nx, ny) = (xs.len(), ys.len());
    let rows: Vec<usize> = (0..ny).step_by(ny.div_ceil(40).max(1)).collect();
    let (vmin, vmax) = range(fig.values[..nx * ny].iter().copied());
    let offset = (vmax - vmin) * 3.0 / rows.len().max(3) as f64;
    let top = vmax + offset * (rows.len() - 1) as f64;
    let mut chart = ChartBuilder::on(area)
        .margin(20)
        .x_label_area_size(55)
        .y_label_area_size(40)
        .build_cartesian_2d(padded(range(xs.iter().copied())), padded((vmin, top)))
        .map_err(text_error)?;
    let y_label = axis_label(fig.dataset, 1);
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_desc(axis_label(fig.dataset, 0))
        .y_desc(format!(
            "{}, one trace per {y_label}, offset",
            fig.value_label
        ))
        .label_style(("sans-serif", 15))
        .axis_desc_style(("sans-serif", 17))
        .draw()
        .map_err(text_error)?;
    for (k, &j) in rows.iter().enumerate() {
        let shift = offset * k as f64;
        let row: Vec<f64> = fig.values[nx * j..nx * (j + 1)]
            .iter()
            .map(|v| v + shift)
            .collect();
        let color = ViridisRGB.get_color_normalized(k as f64, 0.0, rows.len().max(2) as f64 - 1.0);
        for segment in segments(&xs, &row) {
            chart
                .draw_series(LineSeries::new(segment, color.stroke_width(1)))
                .map_err(text_error)?;
        }
    }
    let style = ("sans-serif", 14).into_font().color(&BLACK);
    for &k in &[0, rows.len() - 1] {
        let label = format!("{y_label} = {}", ys[rows[k]]);
        let at = (xs[0], vmin + offset * k as f64 + (vmax - vmin) * 0.1);
        chart
            .draw_series(std::iter::once(Text::new(label, at, style.clone())))
            .map_err(text_error)?;
    }
    Ok(())
}
