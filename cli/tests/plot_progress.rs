//! `epyr plot` pictures decoded (size, not blank, text drawn) for each layout, and the
//! progress of `batch-convert`: a bar on a pseudo-terminal, plain lines otherwise.

mod common;

use std::path::Path;
use std::process::Command;

use common::{epyr, run, run_ok};

/// Width, height and RGB pixels of a PNG.
fn decode(path: &Path) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

/// The share of pixels in rows `rows` that are not white.
fn inked(pixels: &[u8], width: u32, rows: std::ops::Range<u32>) -> f64 {
    let row_bytes = width as usize * 3;
    let part = &pixels[rows.start as usize * row_bytes..rows.end as usize * row_bytes];
    let ink = part
        .chunks_exact(3)
        .filter(|p| p.iter().any(|&c| c < 200))
        .count();
    ink as f64 / (part.len() / 3) as f64
}

#[test]
fn plots_of_every_layout_decode_to_pictures_with_text_and_data() {
    let dir = common::temp_dir("cli-plot");
    let one = common::shared::write_sample(&dir, "one", [300, 1, 1], &[true]);
    let two = common::shared::write_sample(&dir, "two", [60, 20, 1], &[false]);
    let cases: [(&Path, &[&str], &str); 4] = [
        (&one, &["--part", "abs"], "line.png"),
        (&two, &["--layout", "map"], "map.png"),
        (&two, &["--layout", "stack"], "stack.png"),
        (&one, &["--width", "640", "--height", "480"], "small.png"),
    ];
    for (source, options, name) in cases {
        let out = dir.join(name);
        run_ok(
            epyr()
                .arg("plot")
                .arg(source)
                .arg("-o")
                .arg(&out)
                .args(options),
        );
        let (w, h, pixels) = decode(&out);
        let expected = if name == "small.png" {
            (640, 480)
        } else {
            (1000, 700)
        };
        assert_eq!((w, h), expected, "{name}");
        let title = inked(&pixels, w, 5..40);
        assert!(title > 0.01, "{name}: the title is drawn ({title})");
        let body = inked(&pixels, w, 80..h - 60);
        assert!(
            body > 0.02 && body < 0.98,
            "{name}: the plot is neither blank nor full ({body})"
        );
    }
    let (_, _, map) = decode(&dir.join("map.png"));
    let (_, _, stack) = decode(&dir.join("stack.png"));
    assert_ne!(map, stack, "the two layouts differ");
    let svg = dir.join("two.svg");
    run_ok(epyr().arg("plot").arg(&two).arg("-o").arg(&svg));
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(
        text.starts_with("<svg") && text.contains("<text") && text.contains("two"),
        "SVG with text"
    );
    let out = run(epyr().arg("plot").arg(&two).arg("-o").arg(&svg));
    assert_eq!(
        out.status.code(),
        Some(1),
        "an existing picture is not replaced"
    );
    run_ok(
        epyr()
            .arg("plot")
            .arg(&two)
            .arg("-o")
            .arg(&svg)
            .arg("--force"),
    );
    let out = run(epyr()
        .arg("plot")
        .arg(&two)
        .arg("-o")
        .arg(dir.join("x.gif")));
    assert_eq!(out.status.code(), Some(1));
    std::fs::remove_dir_all(&dir).unwrap();
}

fn sample_folder(name: &str) -> std::path::PathBuf {
    let dir = common::temp_dir(name);
    for i in 0..6 {
        common::shared::write_sample(&dir, &format!("s{i}"), [2000, 1, 1], &[false]);
    }
    dir
}

#[test]
fn progress_is_plain_lines_when_not_on_a_terminal() {
    let dir = sample_folder("cli-progress-lines");
    let out = run(epyr().arg("batch-convert").arg(&dir).args(["--to", "csv"]));
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("progress: 6/6 datasets"), "{stderr}");
    assert!(
        !stderr.contains('\u{1b}'),
        "no terminal control codes: {stderr:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
#[cfg_attr(windows, ignore = "uses script(1) for a pseudo-terminal")]
#[cfg_attr(
    all(not(windows), epyr_no_script),
    ignore = "script(1) of util-linux was not on PATH when the tests were built"
)]
fn progress_is_a_bar_on_a_terminal() {
    let dir = sample_folder("cli-progress-bar");
    let command = format!(
        "{} batch-convert {} --to csv,json",
        env!("CARGO_BIN_EXE_epyr"),
        dir.display()
    );
    let log = dir.join("typescript");
    let status = Command::new("script")
        .args(["-qfec", &command])
        .arg(&log)
        .env("XDG_CONFIG_HOME", &dir)
        .env("TERM", "xterm")
        .stdin(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let screen = String::from_utf8_lossy(&std::fs::read(&log).unwrap()).into_owned();
    assert!(screen.contains("/6 datasets"), "the bar's count: {screen}");
    assert!(
        screen.contains('\u{1b}'),
        "the bar redraws with control codes: {screen:?}"
    );
    assert!(
        !screen.contains("progress: "),
        "no plain lines on a terminal: {screen}"
    );
    assert!(screen.contains("converted 6 datasets"), "{screen}");
    std::fs::remove_dir_all(&dir).unwrap();
}
