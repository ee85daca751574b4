//! The formats without public files (MAGRES `.PLT`, Varian E9 ETH `.spk`/`.ref`), read from
//! small files this test writes by the rules of EasySpin's readers (`eprload_MAGRES.m`,
//! `eprload_VarianE9ETH.m`): epyr gives the numbers written where the rules say they are, and
//! EasySpin's `eprload` run under GNU Octave (`octave-cli`) on the same files gives the same
//! values bit for bit, the same shape, no abscissa and no parameters, and refuses the same
//! files.
//!
//! The Octave comparison needs `octave-cli` and EasySpin's eprload (`EPYR_EASYSPIN`, default
//! `../shared/reference/easyspin-eprload`); without them it prints why and passes, unless
//! `EPYR_REQUIRE_OCTAVE=1` (set by `.ci/run`): then it fails.
//!
//! Octave's eprload stops on every line of a `.PLT` file that has white space after a first
//! word other than `DATA` (`out{I} = ...` with `I` false is an error in Octave); the files
//! written here have no such line (data lines start with a blank, as Fortran writes them),
//! epyr ignores such lines.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::octave::{easyspin_dir, has_tool, run_bounded};

/// The longest the Octave run may take.
const OCTAVE_TIMEOUT: Duration = Duration::from_secs(300);

/// A float32 value of a written Varian file: varied magnitudes and signs, a negative zero, a
/// subnormal and the largest float32.
fn varian_value(i: usize) -> f32 {
    match i % 97 {
        5 => -0.0,
        11 => f32::from_bits(1),
        13 => f32::MAX,
        _ => ((i * 37) % 1001) as f32 * 0.125 - 60.3,
    }
}

/// A Varian file of `n` float32 numbers and `extra` bytes after them.
fn varian_file(n: usize, extra: usize) -> Vec<u8> {
    let mut bytes: Vec<u8> = (0..n).flat_map(|i| varian_value(i).to_le_bytes()).collect();
    bytes.extend(std::iter::repeat_n(0x5a, extra));
    bytes
}

/// A written Varian file: its name, its bytes, and the first and count of the float32 numbers
/// eprload's rule takes (`None`: refused).
type VarianCase = (&'static str, Vec<u8>, Option<(usize, usize)>);

/// The Varian files: name, bytes, and the numbers eprload's rule takes (the last 500, 1000,
/// 2000, 5000 or 10000 of the file: the largest count below its number of float32 values), or
/// `None` where it refuses the file.
fn varian_cases() -> Vec<VarianCase> {
    vec![
        ("v501.spk", varian_file(501, 0), Some((1, 500))),
        ("v1000.spk", varian_file(1000, 0), Some((500, 500))),
        ("v1003 plus 2.ref", varian_file(1003, 2), Some((3, 1000))),
        ("v2001.REF", varian_file(2001, 0), Some((1, 2000))),
        ("v5001.sPk", varian_file(5001, 3), Some((1, 5000))),
        ("v12345.SPK", varian_file(12345, 0), Some((2345, 10000))),
        ("v500.spk", varian_file(500, 0), None),
        ("v12 bytes.ref", varian_file(3, 0), None),
    ]
}

/// The MAGRES files: name, text, and the numbers the rules read (`None` where refused).
fn magres_cases() -> Vec<(&'static str, &'static str, Option<Vec<f64>>)> {
    vec![
        (
            "basic.plt",
            "MAGRES\nDATA 6\n\n 1.5 2\n -3e2\n 4 5 6 7\n",
            Some(vec![1.5, 2.0, -300.0, 4.0, 5.0, 6.0]),
        ),
        (
            "crlf and tab.PLT",
            "MAGRES\r\nDATA\t4\r\nfield\r\n 0.25\r\n -1.0e-3\r\n 7\r\n 8\r\n 9\r\n",
            Some(vec![0.25, -0.001, 7.0, 8.0]),
        ),
        (
            "last DATA line wins.v2.plt",
            "DATA 10\nA\nB\n 1 2 3 4\nDATA 3\n",
            Some(vec![1.0, 2.0, 3.0]),
        ),
        (
            "fewer than DATA.plt",
            "TITLE\nDATA 8\n\n 1 2 3\n 4 5\n",
            Some(vec![1.0, 2.0, 3.0, 4.0, 5.0]),
        ),
        (
            "stops at text.plt",
            "T\nDATA 6\n\n 1 2 3 x 4 5 6\n",
            Some(vec![1.0, 2.0, 3.0]),
        ),
        (
            "specials.plt",
            "S\nDATA 5\n\n 1e-310 -0 Inf -Inf 0.1\n",
            Some(vec![1e-310, -0.0, f64::INFINITY, f64::NEG_INFINITY, 0.1]),
        ),
        ("no DATA.plt", "T\nX\n\n 1 2 3\n", None),
        ("DATA zero.plt", "T\nDATA 0\n\n 1 2 3\n", None),
        ("DATA text.plt", "T\nDATA many\n\n 1 2 3\n", None),
    ]
}

/// Writes every case into `dir`.
fn write_cases(dir: &Path) {
    for (name, bytes, _) in varian_cases() {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    for (name, text, _) in magres_cases() {
        std::fs::write(dir.join(name), text).unwrap();
    }
}

#[test]
fn written_varian_files_give_the_last_float32_numbers_eprloads_rule_names() {
    let dir = common::temp_dir("written-varian");
    write_cases(&dir);
    for (name, bytes, rule) in varian_cases() {
        let got = epyr_core::load(&dir.join(name), "");
        let Some((first, count)) = rule else {
            let e = got.expect_err(name);
            assert_eq!(e.kind(), epyr_core::ErrorKind::Format, "{name}: {e}");
            assert!(e.message().contains("too small"), "{name}: {e}");
            continue;
        };
        let ds = got.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(ds.format().as_str(), "varian-eth", "{name}");
        assert_eq!(ds.dims(), [count, 1, 1], "{name}");
        let want: Vec<u64> = (first..first + count)
            .map(|i| f64::from(varian_value(i)).to_bits())
            .collect();
        let values: Vec<u64> = ds.components()[0]
            .values
            .iter()
            .map(|v| v.to_bits())
            .collect();
        assert_eq!(values, want, "{name}");
        assert!(ds.axis(0).is_none() && ds.params().is_empty(), "{name}");
        assert_eq!(bytes.len() % 4 != 0, !ds.warnings().is_empty(), "{name}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn written_magres_files_give_the_numbers_after_three_lines_as_data_counts_them() {
    let dir = common::temp_dir("written-magres");
    write_cases(&dir);
    for (name, _, rule) in magres_cases() {
        let got = epyr_core::load(&dir.join(name), "");
        let Some(want) = rule else {
            let e = got.expect_err(name);
            assert_eq!(e.kind(), epyr_core::ErrorKind::Format, "{name}: {e}");
            assert!(e.message().contains("DATA"), "{name}: {e}");
            continue;
        };
        let ds = got.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(ds.format().as_str(), "magres-plt", "{name}");
        assert_eq!(ds.dims(), [want.len(), 1, 1], "{name}");
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&ds.components()[0].values), bits(&want), "{name}");
        assert!(ds.axis(0).is_none() && ds.params().is_empty(), "{name}");
        // A file with fewer numbers than DATA says is read, with a warning, as eprload does.
        let short = name.starts_with("fewer") || name.starts_with("stops");
        assert_eq!(
            short,
            !ds.warnings().is_empty(),
            "{name}: {:?}",
            ds.warnings()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// What eprload gave for one file under Octave.
#[derive(Debug)]
enum Reference {
    /// `size(y)`, `numel(x)`, `isempty(pars)` and the bits of `y(:)`.
    Read {
        size: [usize; 2],
        x_count: usize,
        pars_empty: bool,
        bits: Vec<u64>,
    },
    /// eprload's error message.
    Failed(String),
}

/// The Octave script that runs eprload on every file and prints what it gives.
fn octave_script(easyspin: &Path, files: &[&str]) -> String {
    let quoted: Vec<String> = files.iter().map(|f| format!("'{f}'")).collect();
    format!(
        "addpath('{es}');\naddpath('{es}/octave-compat');\nfiles = {{{list}}};\n\
         for k = 1:numel(files)\n  f = files{{k}};\n  printf('FILE %s\\n', f);\n  try\n    \
         [x, y, p] = eprload(f);\n    printf('SIZE %d %d\\n', size(y));\n    \
         printf('X %d\\n', numel(x));\n    printf('P %d\\n', isempty(p));\n    \
         printf('V %s\\n', reshape(num2hex(y(:)).', 1, []));\n  catch e\n    \
         printf('ERROR %s\\n', strrep(e.message, \"\\n\", ' '));\n  end\nend\nprintf('DONE\\n');\n",
        es = easyspin.display(),
        list = quoted.join(", ")
    )
}

/// Parses the script's output.
fn parse_reference(out: &str) -> BTreeMap<String, Reference> {
    let mut refs = BTreeMap::new();
    let mut name = String::new();
    let (mut size, mut x_count, mut pars_empty) = ([0, 0], 0, false);
    for line in out.lines() {
        let (tag, rest) = line.split_once(' ').unwrap_or((line, ""));
        match tag {
            "FILE" => name = rest.to_string(),
            "SIZE" => {
                let v: Vec<usize> = rest.split(' ').map(|t| t.parse().unwrap()).collect();
                size = [v[0], v[1]];
            }
            "X" => x_count = rest.parse().unwrap(),
            "P" => pars_empty = rest == "1",
            "V" => {
                let bits = (0..rest.len() / 16)
                    .map(|i| u64::from_str_radix(&rest[16 * i..16 * i + 16], 16).unwrap())
                    .collect();
                refs.insert(
                    name.clone(),
                    Reference::Read {
                        size,
                        x_count,
                        pars_empty,
                        bits,
                    },
                );
            }
            "ERROR" => {
                refs.insert(name.clone(), Reference::Failed(rest.to_string()));
            }
            _ => {}
        }
    }
    refs
}

/// Compares epyr's load of `path` with eprload's reference; an error message per difference.
fn compare(path: &Path, reference: &Reference) -> Option<String> {
    let name = path.file_name().unwrap().to_string_lossy();
    match (epyr_core::load(path, ""), reference) {
        (Err(_), Reference::Failed(_)) => None,
        (Err(e), Reference::Read { .. }) => Some(format!("{name}: eprload reads it, epyr: {e}")),
        (Ok(_), Reference::Failed(m)) => {
            Some(format!("{name}: eprload fails ({m}), epyr reads it"))
        }
        (
            Ok(ds),
            Reference::Read {
                size,
                x_count,
                pars_empty,
                bits,
            },
        ) => {
            let dims = if size[0] == 1 || size[1] == 1 {
                [size[0] * size[1], 1, 1]
            } else {
                [size[0], size[1], 1]
            };
            let same =
                |a: f64, b: u64| a.to_bits() == b || (a.is_nan() && f64::from_bits(b).is_nan());
            let values = &ds.components()[0].values;
            let ok = ds.dims() == dims
                && values.len() == bits.len()
                && values.iter().zip(bits).all(|(a, b)| same(*a, *b))
                && (*x_count == 0) == ds.axis(0).is_none()
                && *pars_empty == ds.params().is_empty();
            (!ok).then(|| {
                format!(
                    "{name}: epyr dims {:?}, {} values, axis {}, {} params; eprload size {size:?}, \
                     {} values, {x_count} abscissa values, pars empty {pars_empty}",
                    ds.dims(),
                    values.len(),
                    ds.axis(0).is_some(),
                    ds.params().len(),
                    bits.len()
                )
            })
        }
    }
}

#[test]
#[cfg_attr(windows, ignore = "eprload runs under the Linux side's Octave")]
#[cfg_attr(
    epyr_no_octave,
    ignore = "GNU Octave or EasySpin's eprload (EPYR_EASYSPIN) was not found when the tests were built"
)]
fn written_magres_and_varian_files_read_as_eprload_reads_them_under_octave() {
    assert!(has_tool("octave-cli"), "octave-cli does not run");
    let easyspin = easyspin_dir();
    assert!(
        easyspin.join("eprload.m").is_file(),
        "EasySpin's eprload.m not found in {} (set EPYR_EASYSPIN)",
        easyspin.display()
    );
    let dir = common::temp_dir("written-octave");
    write_cases(&dir);
    let names: Vec<&str> = varian_cases()
        .iter()
        .map(|c| c.0)
        .chain(magres_cases().iter().map(|c| c.0))
        .collect();
    std::fs::write(dir.join("run_eprload.m"), octave_script(&easyspin, &names)).unwrap();
    let home = dir.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let (ok, log) = run_bounded(
        Command::new("octave-cli")
            .args(["--norc", "--quiet", "--no-window-system", "run_eprload.m"])
            .current_dir(&dir)
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join("config")),
        OCTAVE_TIMEOUT,
    );
    assert!(ok && log.contains("DONE"), "the Octave run failed:\n{log}");
    let refs = parse_reference(&log);
    let mut errors = Vec::new();
    for name in &names {
        match refs.get(*name) {
            Some(r) => errors.extend(compare(&dir.join(name), r)),
            None => errors.push(format!("{name}: no result from Octave")),
        }
    }
    assert!(errors.is_empty(), "{}\n{log}", errors.join("\n"));
    eprintln!("{} written files read as eprload reads them", names.len());
    let _ = std::fs::remove_dir_all(&dir);
}
