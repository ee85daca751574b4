//! The Magnettech corpus files (`.xml`, `.spe`) read by epyr and by EasySpin's `eprload`
//! under GNU Octave give the same values, x axis and parameters bit for bit: the interpolated
//! field axis of a field sweep included (`expected-formats.json` checks axes to 1e-9 only) and
//! every parameter eprload returns (not only the few listed there), through the key mapping
//! epyr documents (`Recipe.Param.<Name>` for Recipe parameters). The `.spe` field axis is
//! compared to 1 ulp: it is a `linspace` rule, which each host builds with its own `linspace`
//! (Octave's fills from both ends).
//!
//! Needs `octave` with Java and commons-codec (`/usr/share/java/commons-codec.jar`), the
//! corpus and EasySpin's eprload (`EPYR_EASYSPIN`, default
//! `../shared/reference/easyspin-eprload`). Where they were missing when the tests were built,
//! the test is ignored with the reason, unless `EPYR_REQUIRE_OCTAVE=1`: then it fails.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use epyr_core::Dataset;

const CODEC_JAR: &str = "/usr/share/java/commons-codec.jar";

/// The Octave script that writes eprload's `x`, `y` (float64) and its `pars` fields (one line
/// each: name, class, value; text as hex bytes, numbers with 17 digits) for every file.
fn script(reference: &Path, files: &[PathBuf], out: &Path) -> String {
    let list: Vec<String> = files.iter().map(|f| format!("'{}'", f.display())).collect();
    format!(
        "addpath('{r}'); addpath('{r}/octave-compat'); javaaddpath('{CODEC_JAR}');\n\
         files = {{{list}}};\n\
         for k = 1:numel(files)\n\
           [x, y, p] = eprload(files{{k}});\n\
           f = fopen(sprintf('{o}/%d.x', k), 'w'); fwrite(f, x, 'double'); fclose(f);\n\
           f = fopen(sprintf('{o}/%d.y', k), 'w'); fwrite(f, y, 'double'); fclose(f);\n\
           f = fopen(sprintf('{o}/%d.p', k), 'w'); names = fieldnames(p);\n\
           for i = 1:numel(names)\n\
             v = p.(names{{i}});\n\
             if isstruct(v), continue; end\n\
             if ischar(v), fprintf(f, '%s\\tchar\\t%s\\n', names{{i}}, sprintf('%02x', double(v)));\n\
             elseif islogical(v), fprintf(f, '%s\\tlogical\\t%d\\n', names{{i}}, v);\n\
             else, fprintf(f, '%s\\tnumber\\t%s\\n', names{{i}}, sprintf('%.17g ', v)); end\n\
           end\n\
           fclose(f);\n\
         end\n",
        r = reference.display(),
        list = list.join(", "),
        o = out.display(),
    )
}

fn doubles(path: &Path) -> Vec<f64> {
    std::fs::read(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
        .collect()
}

/// Checks one `pars` field of eprload against epyr's parameter (a Recipe parameter under
/// `Recipe.Param.<name>`, as epyr keeps it).
fn check_param(ds: &Dataset, line: &str, what: &str, errors: &mut Vec<String>) {
    let mut parts = line.splitn(3, '\t');
    let (name, class, value) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap_or(""),
    );
    let params = ds.params();
    let recipe = format!("Recipe.Param.{name}");
    let key = if params.contains(&recipe) {
        &recipe
    } else {
        name
    };
    let Some(ours) = params.get(key) else {
        return errors.push(format!("{what}: no parameter {key} (eprload's {name})"));
    };
    let ok = match class {
        "char" => {
            let bytes: Vec<u8> = (0..value.len() / 2)
                .map(|i| u8::from_str_radix(&value[2 * i..2 * i + 2], 16).unwrap())
                .collect();
            ours.as_bytes() == bytes
        }
        "logical" => params.boolean(key) == Some(value == "1"),
        _ => {
            let want: Vec<u64> = value
                .split_whitespace()
                .map(|v| v.parse::<f64>().unwrap().to_bits())
                .collect();
            let got: Vec<u64> = params
                .numbers(key)
                .unwrap_or_default()
                .iter()
                .map(|v| v.to_bits())
                .collect();
            got == want
        }
    };
    if !ok {
        errors.push(format!(
            "{what}: {key} is {ours:?}, eprload's {name} ({class}) {value}"
        ));
    }
}

/// Whether `a` and `b` are the same number or neighbours (one unit in the last place).
fn within_one_ulp(a: f64, b: f64) -> bool {
    let (a, b) = (a.to_bits() as i64, b.to_bits() as i64);
    (a - b).abs() <= 1
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
fn magnettech_files_give_eprloads_values_axes_and_parameters_bit_for_bit_under_octave() {
    let corpus = common::corpus_dir();
    let reference = std::env::var_os("EPYR_EASYSPIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| common::repo_root().join("../shared/reference/easyspin-eprload"));
    let octave = Command::new("octave").arg("--version").output();
    assert!(
        octave.is_ok_and(|o| o.status.success()),
        "octave does not run"
    );
    assert!(
        reference.join("eprload.m").is_file() && Path::new(CODEC_JAR).is_file(),
        "eprload.m in {} (EPYR_EASYSPIN) or {CODEC_JAR} not found",
        reference.display()
    );
    let expected: Vec<serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(corpus.join("expected-formats.json")).unwrap(),
    )
    .unwrap();
    let files: Vec<PathBuf> = expected
        .iter()
        .filter(|e| e["format"].as_str().unwrap().starts_with("magnettech-"))
        .map(|e| corpus.join(e["open"].as_str().unwrap()))
        .collect();
    assert_eq!(files.len(), 10, "7 .xml and 3 .spe corpus files");
    let out = common::temp_dir("magnettech_eprload");
    let script_path = out.join("run.m");
    std::fs::write(&script_path, script(&reference, &files, &out)).unwrap();
    let run = Command::new("timeout")
        .args(["600", "octave", "--no-gui", "--quiet", "--no-window-system"])
        .arg(&script_path)
        .output()
        .expect("run octave");
    assert!(
        run.status.success(),
        "octave failed:\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let mut errors = Vec::new();
    for (k, file) in files.iter().enumerate() {
        let what = file.file_name().unwrap().to_string_lossy().into_owned();
        let ds = epyr_core::load(file, "").unwrap();
        let (x, y) = (
            doubles(&out.join(format!("{}.x", k + 1))),
            doubles(&out.join(format!("{}.y", k + 1))),
        );
        let values = ds.file_order_values();
        if values
            .iter()
            .map(|v| v.to_bits())
            .ne(y.iter().map(|v| v.to_bits()))
        {
            errors.push(format!("{what}: values differ from eprload's"));
        }
        let axis = &ds.axis(0).unwrap().values;
        let spe = what.ends_with(".spe");
        let same_axis = axis.len() == x.len()
            && axis
                .iter()
                .zip(&x)
                .all(|(a, b)| a.to_bits() == b.to_bits() || (spe && within_one_ulp(*a, *b)));
        if !same_axis {
            errors.push(format!("{what}: x axis differs from eprload's"));
        }
        let pars = std::fs::read_to_string(out.join(format!("{}.p", k + 1))).unwrap();
        for line in pars.lines() {
            check_param(&ds, line, &what, &mut errors);
        }
    }
    let _ = std::fs::remove_dir_all(&out);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}
