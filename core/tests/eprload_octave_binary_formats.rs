//! The binary formats SpecMan (`.d01` + `.exp`), JEOL and ETH/WIS `.d00` against EasySpin's
//! own `eprload` under GNU Octave, bit for bit: for every corpus file of these formats and for
//! written files that take the paths the corpus does not (SpecMan step, list, log and
//! acquisition axes, unit prefixes, triggers, several streams, a JEOL file of real data, a 2-D
//! complex `.d00`), epyr's values, shape, axes and every parameter eprload returns (mapped to
//! epyr's keys: SpecMan `section.key`, JEOL `Block.field`) are exactly eprload's.
//!
//! Needs `octave-cli` and EasySpin's eprload (`EPYR_EASYSPIN`, default
//! `../shared/reference/easyspin-eprload`); without them the test prints why and passes, unless
//! `EPYR_REQUIRE_OCTAVE=1`.

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::octave::{easyspin_dir, has_tool, run_bounded};
use common::{corpus_dir, temp_dir};
use epyr_core::{AxisRule, Dataset};

/// An Octave function that writes what eprload returns for a file: every abscissa, the size
/// and values of `y` (as hexadecimal doubles, column-major) and every scalar or text leaf of
/// `pars` by its field path (`Header.xStart`, `ProcessPara.xArea(3).left`).
const DUMP_M: &str = r#"function epyr_dump(file, out)
  [x, y, p] = eprload(file);
  fid = fopen(out, 'w');
  if iscell(x)
    for k = 1:numel(x), fprintf(fid, 'x\t%d\t%s\n', k, hexs(x{k})); end
  else
    fprintf(fid, 'x\t1\t%s\n', hexs(x));
  end
  fprintf(fid, 'size\t%s\n', sprintf('%d ', size(y)));
  fprintf(fid, 're\t%s\n', hexs(real(y)));
  if iscomplex(y), fprintf(fid, 'im\t%s\n', hexs(imag(y))); end
  if isstruct(p), walk(fid, p, ''); end
  fclose(fid);
end
function s = hexs(v)
  v = double(v(:));
  if isempty(v), s = ''; else s = strjoin(cellstr(num2hex(v)).', ' '); end
end
function walk(fid, s, prefix)
  for k = 1:numel(s)
    here = prefix;
    if numel(s) > 1, here = sprintf('%s(%d)', prefix, k); end
    names = fieldnames(s);
    for i = 1:numel(names)
      v = s(k).(names{i});
      path = [here '.' names{i}];
      if isempty(here), path = names{i}; end
      if isstruct(v)
        walk(fid, v, path);
      elseif ischar(v)
        fprintf(fid, 's\t%s\t%s\n', path, sprintf('%d ', double(v)));
      elseif isscalar(v)
        fprintf(fid, 'n\t%s\t%s\n', path, num2hex(double(v)));
      end
    end
  end
end
"#;

/// What eprload returned for one file.
#[derive(Debug, Default)]
struct Reference {
    axes: Vec<Vec<f64>>,
    size: Vec<usize>,
    re: Vec<f64>,
    im: Option<Vec<f64>>,
    text: BTreeMap<String, Vec<u32>>,
    numbers: BTreeMap<String, f64>,
}

fn doubles(hex: &str) -> Vec<f64> {
    hex.split_whitespace()
        .map(|h| f64::from_bits(u64::from_str_radix(h, 16).expect("hex double")))
        .collect()
}

fn parse_dump(text: &str) -> Reference {
    let mut r = Reference::default();
    for line in text.lines() {
        let mut parts = line.splitn(3, '\t');
        let (kind, a, b) = (parts.next(), parts.next().unwrap_or(""), parts.next());
        match (kind, b) {
            (Some("x"), Some(hex)) => r.axes.push(doubles(hex)),
            (Some("size"), None) => {
                r.size = a.split_whitespace().map(|n| n.parse().unwrap()).collect()
            }
            (Some("re"), None) => r.re = doubles(a),
            (Some("im"), None) => r.im = Some(doubles(a)),
            (Some("s"), Some(codes)) => {
                let codes = codes.split_whitespace().map(|c| c.parse().unwrap());
                r.text.insert(a.to_string(), codes.collect());
            }
            (Some("n"), Some(hex)) => {
                r.numbers.insert(a.to_string(), doubles(hex)[0]);
            }
            _ => panic!("unexpected dump line {line:?}"),
        }
    }
    r
}

/// The name eprload gives the parameter epyr keeps as `key` (the MATLAB gateway's mapping).
fn eprload_name(format: &str, key: &str) -> String {
    if format != "specman" || (key.ends_with("label") && !key.contains('.')) {
        return key.to_string();
    }
    let (section, name) = key.split_once('.').expect("section.key");
    let section: String = section.chars().filter(|&c| c != '-').collect();
    match section.as_str() {
        "text" => format!("text{name}"),
        "program" => format!("prg{name}"),
        _ => format!("{section}_{}", name.replace(['/', '\\', ' '], "_")),
    }
}

/// Every difference between epyr's dataset of `file` and eprload's outputs.
fn differences(file: &Path, format: &str, ds: &Dataset, r: &Reference) -> Vec<String> {
    let mut out = Vec::new();
    let what = file.display();
    let dims = ds.dims();
    let mut shape: Vec<usize> = dims.to_vec();
    if shape[2] == 1 {
        shape.pop();
    }
    if shape != r.size {
        out.push(format!(
            "{what}: dims {dims:?}, eprload's y is {:?}",
            r.size
        ));
    }
    let c = &ds.components()[0];
    let (re, im): (Vec<f64>, Vec<f64>) = if c.complex {
        (
            c.values.iter().step_by(2).copied().collect(),
            c.values.iter().skip(1).step_by(2).copied().collect(),
        )
    } else {
        (c.values.clone(), vec![0.0; c.values.len()])
    };
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    let want_im = r.im.clone().unwrap_or_else(|| vec![0.0; r.re.len()]);
    // Octave returns complex data with all imaginary parts zero as real.
    if bits(&re) != bits(&r.re) || bits(&im) != bits(&want_im) || (r.im.is_some() && !c.complex) {
        out.push(format!(
            "{what}: values differ (complex {} vs eprload {})",
            c.complex,
            r.im.is_some()
        ));
    }
    let axes: Vec<Vec<f64>> = (0..3)
        .filter_map(|d| {
            ds.axis(d)
                .map(|a| as_octave_builds_it(ds.axis_rule(d), &a.values))
        })
        .collect();
    let theirs: Vec<&Vec<f64>> = r.axes.iter().filter(|a| a.len() > 1).collect();
    if axes.len() != theirs.len() {
        out.push(format!(
            "{what}: {} axes, eprload {}",
            axes.len(),
            theirs.len()
        ));
    }
    for (i, (a, b)) in axes.iter().zip(&theirs).enumerate() {
        let first = a
            .iter()
            .zip(b.iter())
            .position(|(x, y)| x.to_bits() != y.to_bits());
        if a.len() != b.len() || first.is_some() {
            let at = first.unwrap_or(0);
            out.push(format!(
                "{what}: axis {i}: {} values, eprload {}; first difference at {at}: {:?} vs {:?}",
                a.len(),
                b.len(),
                a.get(at),
                b.get(at)
            ));
        }
    }
    if format != "eth-d00" {
        out.extend(parameter_differences(file, format, ds, r));
    }
    out
}

/// The axis values an Octave host builds: by its own `linspace` where epyr gives the rule
/// (Octave's fills from both ends), else epyr's values.
fn as_octave_builds_it(rule: AxisRule, values: &[f64]) -> Vec<f64> {
    let AxisRule::Linspace {
        offset,
        scale,
        start,
        end,
    } = rule
    else {
        return values.to_vec();
    };
    let n = values.len();
    let delta = (end - start) / (n - 1) as f64;
    let mut v = vec![0.0; n];
    (v[0], v[n - 1]) = (start, end);
    for i in 1..n / 2 {
        v[i] = start + i as f64 * delta;
        v[n - 1 - i] = end - i as f64 * delta;
    }
    if n % 2 == 1 {
        v[n / 2] = if start == -end {
            0.0
        } else {
            (start + end) / 2.0
        };
    }
    v.iter().map(|x| offset + scale * x).collect()
}

/// Every parameter eprload returns (JEOL's raw data block `Data` aside) is epyr's, and epyr
/// has no other.
fn parameter_differences(file: &Path, format: &str, ds: &Dataset, r: &Reference) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    let params = ds.params();
    for p in params.entries() {
        let name = eprload_name(format, &p.key);
        let value = params.get(&p.key).unwrap();
        seen.insert(name.clone());
        let codes: Vec<u32> = value.chars().map(u32::from).collect();
        // Parameter text holds no NUL: raw characters (JEOL's `aope`) end at the first.
        let ok = match (r.text.get(&name), r.numbers.get(&name)) {
            (Some(t), _) => t.split(|&c| c == 0).next() == Some(&codes[..]),
            (None, Some(n)) => value
                .parse::<f64>()
                .is_ok_and(|v| v.to_bits() == n.to_bits()),
            (None, None) => false,
        };
        if !ok {
            out.push(format!(
                "{}: {} ({name}) = {value:?}, eprload: {:?} {:?}",
                file.display(),
                p.key,
                r.text.get(&name).map(|c| c
                    .iter()
                    .filter_map(|&c| char::from_u32(c))
                    .collect::<String>()),
                r.numbers.get(&name)
            ));
        }
    }
    for name in r.text.keys().chain(r.numbers.keys()) {
        if !seen.contains(name) && !name.starts_with("Data.") {
            out.push(format!(
                "{}: eprload's {name} is not among epyr's parameters",
                file.display()
            ));
        }
    }
    out
}

/// A SpecMan stream as written: its header (dimension count, four dimensions) and values.
type Stream = ([i32; 5], Vec<f32>);

/// Writes a SpecMan `.d01` (streams of float32 values) and its `.exp`.
fn write_specman(dir: &Path, name: &str, streams: &[Stream], exp: &str) -> PathBuf {
    let mut d01 = Vec::new();
    d01.extend_from_slice(&(streams.len() as u32).to_le_bytes());
    d01.extend_from_slice(&1u32.to_le_bytes());
    for (dims, values) in streams {
        for d in dims {
            d01.extend_from_slice(&d.to_le_bytes());
        }
        d01.extend_from_slice(&(values.len() as i32).to_le_bytes());
    }
    for (_, values) in streams {
        for v in values {
            d01.extend_from_slice(&v.to_le_bytes());
        }
    }
    let path = dir.join(format!("{name}.d01"));
    std::fs::write(&path, d01).unwrap();
    std::fs::write(dir.join(format!("{name}.exp")), exp).unwrap();
    path
}

fn ramp(n: usize, scale: f32) -> Vec<f32> {
    (0..n).map(|i| (i as f32 - 3.0) * scale).collect()
}

/// SpecMan files that take the axis rules and shapes the corpus does not.
fn written_specman(dir: &Path) -> Vec<PathBuf> {
    let head = "[general]\nversion = 1.1\nname = written\n[text]\nnote one\n[sweep]\n";
    let cases: [(&str, Vec<Stream>, String); 7] = [
        // Complex, a step axis in ns, a y list with a unit that takes a prefix.
        (
            "step",
            vec![([2, 6, 3, 1, 1], ramp(18, 0.5)), ([2, 6, 3, 1, 1], ramp(18, -0.25))],
            format!("{head}transient = I,1024,2,a,b\nsweep0 = X,6,1,tau\nsweep1 = Y,3,1,amp\n[params]\ntau = 100 ns step 8 ns;p\namp = 1 V, 2.5 V, 40 V;p\n[streams]\nnames = Re, Im\n"),
        ),
        // Real 2-D float32 data, a logarithmic x in V (mV after the prefix step), a y 'to' axis.
        (
            "logto",
            vec![([2, 5, 4, 0, 0], ramp(20, 1.5))],
            format!("{head}transient = I,16,1,a\nsweep0 = X,5,1,RF 1\nsweep1 = Y,4,1,B0\n[params]\nRF_1 = 2 mV logto 3 V;x\nB0 = 280 mT to 360 mT;y\n[program]\ntime tau\nphase = [2,0]\n[PB-x]\nA Scale/x = 1 V\n"),
        ),
        // A transient axis from the dwell time and the triggers, 3 streams of one 1-D shape.
        (
            "triggers",
            vec![([1, 8, 1, 1, 1], ramp(8, 1.0)), ([1, 8, 1, 1, 1], ramp(8, 2.0)), ([1, 8, 1, 1, 1], ramp(8, 3.0))],
            format!("{head}transient = T,4,10,a,b,c\nsweep0 = S,16,1,ph\n[streams]\nnames = a, b, c\ndwelltime = 2 ns, 2 ns, 2 ns\ntriggers = 2\n"),
        ),
        // An acquisition variable (eprload's axis is a row: the indices), mixed streams.
        (
            "mixed",
            vec![([1, 7, 1, 1, 1], ramp(7, 1.0)), ([2, 2, 2, 1, 1], ramp(4, 1.0)), ([1, 3, 1, 1, 1], ramp(3, 1.0))],
            format!("{head}transient = I,1,1,a\nsweep0 = X,14,1,a\n[aquisition]\na = ;a;A@ACQ\n"),
        ),
        // A sweep size that differs from the data: the indices, no label.
        (
            "mismatch",
            vec![([1, 9, 1, 1, 1], ramp(9, 1.0))],
            format!("{head}transient = I,1,1,a\nsweep0 = X,10,1,d\n[params]\nd = 1 us step 1 us;p\n"),
        ),
        // A list in kG and unit G (kept), plus a 5 V step (5000 mV: eprload has no step for 1).
        (
            "units",
            vec![([2, 3, 2, 1, 1], ramp(6, 1.0))],
            format!("{head}transient = I,1,1,a\nsweep0 = X,3,1,B\nsweep1 = Y,2,1,V\n[params]\nB = 1 kG, 2 kG, 3.5 kG;p\nV = 5 V step 1 V;p\n"),
        ),
        // No transient entry: eprload stops; not written for Octave (epyr reads it, see
        // bad_input_binary_formats). A variable with a space and an empty sweep entry instead.
        (
            "spaces",
            vec![([1, 4, 1, 1, 1], ramp(4, 1.0))],
            format!("{head}transient = I,1,1,a\nsweep0 = X,,4,1,,t 2\n[params]\nt_2 = 0 s step 2 ms;p\n"),
        ),
    ];
    cases
        .into_iter()
        .map(|(name, streams, exp)| write_specman(dir, name, &streams, &exp))
        .collect()
}

/// A JEOL file of real data: a corpus header with `dataKind` `real` and 5 points.
fn written_jeol(dir: &Path, corpus: &Path) -> PathBuf {
    let mut bytes = std::fs::read(corpus.join("easyspin/jeol/jeol-spin")).unwrap();
    bytes.truncate(0x251C);
    bytes[92..96].copy_from_slice(&5i32.to_le_bytes());
    bytes[96..111].fill(0);
    bytes[96..100].copy_from_slice(b"real");
    for i in 0..5 {
        bytes.extend_from_slice(&(i as f32 * 1.25 - 2.0).to_le_bytes());
    }
    let path = dir.join("real spectrum.7");
    std::fs::write(&path, bytes).unwrap();
    path
}

/// A 2-D complex `.d00` (3 x 2 x 1) with imaginary parts.
fn written_d00(dir: &Path) -> PathBuf {
    let mut bytes = Vec::new();
    for d in [3i16, 2, 1] {
        bytes.extend_from_slice(&d.to_le_bytes());
    }
    for i in 0..6 {
        bytes.extend_from_slice(&(i as f64 * 0.5).to_le_bytes());
        bytes.extend_from_slice(&(1.0 - i as f64).to_le_bytes());
    }
    let path = dir.join("twod.d00");
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Runs eprload on every file under Octave and returns its dumps, in order.
fn eprload_dumps(files: &[(PathBuf, &str)], dir: &Path) -> Vec<Reference> {
    std::fs::write(dir.join("epyr_dump.m"), DUMP_M).unwrap();
    let easyspin = easyspin_dir();
    let mut script = format!(
        "addpath('{}'); addpath('{}'); addpath('{}');\n",
        easyspin.display(),
        easyspin.join("octave-compat").display(),
        dir.display()
    );
    for (i, (file, _)) in files.iter().enumerate() {
        let quoted = file.display().to_string().replace('\'', "''");
        writeln!(
            script,
            "epyr_dump('{quoted}', '{}');",
            dir.join(format!("dump{i}.txt")).display()
        )
        .unwrap();
    }
    std::fs::write(dir.join("run.m"), script).unwrap();
    let home = dir.join("home");
    let (ok, log) = run_bounded(
        Command::new("octave-cli")
            .args(["--norc", "-q", "run.m"])
            .current_dir(dir)
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join("config")),
        Duration::from_secs(300),
    );
    assert!(ok, "eprload under Octave failed:\n{log}");
    (0..files.len())
        .map(|i| parse_dump(&std::fs::read_to_string(dir.join(format!("dump{i}.txt"))).unwrap()))
        .collect()
}

#[test]
#[cfg_attr(windows, ignore = "eprload runs under Octave on the Linux side")]
#[cfg_attr(
    epyr_no_octave,
    ignore = "GNU Octave or EasySpin's eprload (EPYR_EASYSPIN) was not found when the tests were built"
)]
#[cfg_attr(
    epyr_no_corpus,
    ignore = "the corpus was not found when the tests were built (EPYR_CORPUS)"
)]
fn specman_jeol_and_d00_files_give_eprloads_values_axes_and_parameters_bit_for_bit() {
    assert!(has_tool("octave-cli"), "octave-cli does not run");
    assert!(
        easyspin_dir().join("eprload.m").is_file(),
        "EasySpin's eprload.m not found (set EPYR_EASYSPIN)"
    );
    let corpus = corpus_dir();
    let dir = temp_dir("eprload-octave-binary");
    let text = std::fs::read_to_string(corpus.join("expected-formats.json")).unwrap();
    let expected: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    let mut files: Vec<(PathBuf, &str)> = expected
        .iter()
        .filter_map(|e| {
            let format = match e["format"].as_str()? {
                "specman" => "specman",
                "jeol" => "jeol",
                "eth-d00" => "eth-d00",
                _ => return None,
            };
            Some((corpus.join(e["open"].as_str()?), format))
        })
        .collect();
    assert_eq!(
        files.len(),
        12,
        "3 SpecMan, 8 JEOL and 1 d00 corpus datasets"
    );
    files.extend(written_specman(&dir).into_iter().map(|f| (f, "specman")));
    files.push((written_jeol(&dir, &corpus), "jeol"));
    files.push((written_d00(&dir), "eth-d00"));
    let references = eprload_dumps(&files, &dir);
    let mut errors = Vec::new();
    for ((file, format), reference) in files.iter().zip(&references) {
        match epyr_core::load(file, "") {
            Ok(ds) => {
                assert_eq!(ds.format().as_str(), *format, "{}", file.display());
                errors.extend(differences(file, format, &ds, reference));
            }
            Err(e) => errors.push(format!("{}: {e}", file.display())),
        }
    }
    assert!(
        errors.is_empty(),
        "{} differences:\n{}",
        errors.len(),
        errors.join("\n")
    );
    let _ = std::fs::remove_dir_all(&dir);
}
