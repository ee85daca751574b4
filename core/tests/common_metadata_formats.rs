//! The common metadata of the vendor formats on the real files of the corpus: each value below
//! was read by hand from the file (the XML attribute, the JSON key, the `.exp` line, the header
//! line, the JEOL command string, the `.spe` trailer's bytes decoded by eprload's rule), with
//! the unit conversion done by hand, never taken from epyr's output.

mod common;

use epyr_core::metadata::{common_metadata, CommonMetadata, Field};

/// The common metadata of the corpus file `rel` (under the corpus folder).
fn metadata(rel: &str) -> CommonMetadata {
    let path = common::corpus_dir().join(rel);
    let ds = epyr_core::load(&path, "").unwrap_or_else(|e| panic!("{rel}: {e}"));
    common_metadata(&ds)
}

/// The field `name` of `md`, as `Some(value, unit)` for a quantity.
fn quantity(md: &CommonMetadata, name: &str) -> Option<(f64, String)> {
    md.present().into_iter().find_map(|(n, f)| match f {
        Field::Quantity(q) if n == name => Some((q.value, q.unit.clone())),
        _ => None,
    })
}

/// The field `name` of `md` as text.
fn text(md: &CommonMetadata, name: &str) -> Option<String> {
    md.present().into_iter().find_map(|(n, f)| match f {
        Field::Text(t) if n == name => Some(t.value.clone()),
        _ => None,
    })
}

/// Asserts the quantity `name` of `md` is `value` (to 1e-12 relative) in `unit`.
fn assert_quantity(md: &CommonMetadata, name: &str, value: f64, unit: &str) {
    let got = quantity(md, name).unwrap_or_else(|| panic!("{name} absent: {md:?}"));
    assert!(
        common::close(got.0, value, 1e-12) && got.1 == unit,
        "{name}: {got:?}, expected {value} {unit}"
    );
}

#[test]
#[cfg_attr(
    epyr_no_corpus,
    ignore = "the corpus was not found when the tests were built (EPYR_CORPUS)"
)]
fn magnettech_xml_gives_the_measurement_attributes_and_recipe_values_with_their_units() {
    let md = metadata("easyspin/magnettech/LOGSTest_001_field_sweep.xml");
    // <Measurement MwFreq="9.47145611905807" Temperature="22.4645881652832" (°C) ...>
    assert_quantity(&md, "microwave_frequency", 9.47145611905807, "GHz");
    assert_quantity(&md, "temperature", 22.4645881652832 + 273.15, "K");
    // <Param Name="Modulation" Unit="mT">0.2</Param>, ModulationFreq 100 kHz, power 10 mW.
    assert_quantity(&md, "modulation_amplitude", 0.2, "mT");
    assert_quantity(&md, "modulation_frequency", 100.0, "kHz");
    assert_quantity(&md, "microwave_power", 10.0, "mW");
    assert_quantity(&md, "scans", 1.0, "1");
    assert_eq!(
        text(&md, "acquired").as_deref(),
        Some("2018-08-29T10:52:19+02:00")
    );
    assert_eq!(
        text(&md, "instrument").as_deref(),
        Some("MS-5000 [11-0080]")
    );
    assert_eq!(text(&md, "experiment_type").as_deref(), Some("cw"));
    assert_eq!(text(&md, "field_unit").as_deref(), Some("mT"));

    // A field held at BHold="333.882" mT while the signal is recorded against time.
    let md = metadata("easyspin/magnettech/LOGSTest_006_transient.xml");
    assert_eq!(text(&md, "experiment_type").as_deref(), Some("transient"));
    assert_quantity(&md, "field_center", 333.882, "mT");
    assert_eq!(quantity(&md, "field_sweep_width"), None, "no sweep");

    // The file name says -23C; the attribute is Temperature="-23.0017150878906".
    let md = metadata("easyspin/magnettech/temperatureSweep.xml");
    assert_quantity(&md, "temperature", -23.0017150878906 + 273.15, "K");
    assert_quantity(&md, "microwave_power", 0.1, "mW");

    // MwFreq="0" and Temperature="0": nothing measured, absent.
    let md = metadata("easyspin/magnettech/DipSweep.xml");
    assert_eq!(quantity(&md, "microwave_frequency"), None);
    assert_eq!(quantity(&md, "temperature"), None);
    assert_eq!(text(&md, "instrument"), None, "Device=\"\"");
}

#[test]
#[cfg_attr(
    epyr_no_corpus,
    ignore = "the corpus was not found when the tests were built (EPYR_CORPUS)"
)]
fn magnettech_spe_gives_the_trailer_values() {
    // Trailer of newformat.spe (int16 pairs, flags 3: new format, /1000, frequency present):
    // field 3360 + 500/1000 G, sweep 99 + 794/1000 G, modulation 200/10000 mT, attenuation 20 dB,
    // gain 2 * 10^2; frequency bytes 143 144 86: 9408598 kHz.
    let md = metadata("easyspin/magnettech/newformat.spe");
    assert_quantity(&md, "microwave_frequency", 9.408598, "GHz");
    assert_quantity(&md, "attenuation", 20.0, "dB");
    assert_quantity(&md, "modulation_amplitude", 0.02, "mT");
    assert_quantity(&md, "receiver_gain", 200.0, "1");
    let (center, unit) = quantity(&md, "field_center").unwrap();
    assert!(
        (center - 336.05).abs() < 1e-9 && unit == "mT",
        "{center} {unit}"
    );
    assert_eq!(quantity(&md, "time_constant"), None, "0 s: not recorded");
    // Flags 2: no frequency in the trailer.
    let md = metadata("easyspin/magnettech/magnettech_mt500l_1024points.spe");
    assert_eq!(quantity(&md, "microwave_frequency"), None);
    assert_quantity(&md, "attenuation", 10.0, "dB");
}

#[test]
#[cfg_attr(
    epyr_no_corpus,
    ignore = "the corpus was not found when the tests were built (EPYR_CORPUS)"
)]
fn specman_gives_the_experiment_parameters_of_its_exp_file() {
    // T1_BDPA_dtol_95K.exp: `Field = 12.146 kG;p;Field@FLD`, `starttime = Wed Jun  3 14:55:30
    // 2015`, `name = T1`, [VIDEO] `Gain = 20 dB`, `units = V, V`.
    let md = metadata("easyspin/specman/T1_BDPA_dtol_95K.d01");
    assert_quantity(&md, "field_center", 1214.6, "mT");
    assert_quantity(&md, "receiver_gain", 20.0, "dB");
    assert_eq!(
        text(&md, "acquired").as_deref(),
        Some("2015-06-03T14:55:30")
    );
    assert_eq!(text(&md, "title").as_deref(), Some("T1"));
    assert_eq!(text(&md, "intensity_unit").as_deref(), Some("V"));
    assert_eq!(text(&md, "experiment_type").as_deref(), Some("pulse"));
    assert_eq!(
        quantity(&md, "microwave_frequency"),
        None,
        "two sources, none in [params]"
    );
    // `Frequency = 197.549 GHz;p;Frequency@ELDOR`.
    let md = metadata("easyspin/specman/steps -16pi to 16pi short.d01");
    assert_quantity(&md, "microwave_frequency", 197.549, "GHz");
    assert_eq!(text(&md, "intensity_unit").as_deref(), Some("bit"));
}

#[test]
#[cfg_attr(
    epyr_no_corpus,
    ignore = "the corpus was not found when the tests were built (EPYR_CORPUS)"
)]
fn jeol_gives_its_command_strings_as_numbers_with_units() {
    // C60: uF9450.247000 UFMHz, uP0.99800 UPmW, md0.25 md-1 (the file name says MA2.5E-2),
    // am5.00 am+2 (G5E2), tc0.01 (TC1E-2s), fq100.00, date 2011/02/03 12:25.
    let md = metadata("easyspin/jeol/C60");
    assert_quantity(&md, "microwave_frequency", 9.450247, "GHz");
    assert_quantity(&md, "microwave_power", 0.998, "mW");
    assert_quantity(&md, "modulation_amplitude", 0.025, "mT");
    assert_quantity(&md, "receiver_gain", 500.0, "1");
    assert_quantity(&md, "time_constant", 10.0, "ms");
    assert_quantity(&md, "modulation_frequency", 100.0, "kHz");
    assert_eq!(
        text(&md, "acquired").as_deref(),
        Some("2011-02-03T12:25:00")
    );
    assert_eq!(text(&md, "experiment_type").as_deref(), Some("cw"));
    assert_eq!(
        quantity(&md, "temperature"),
        None,
        "ttRT: room temperature, no number"
    );
    // data2: tt50.0 with tUC.
    assert_quantity(&metadata("easyspin/jeol/data2"), "temperature", 323.15, "K");
    // ENDOR: the x axis is RF (MHz), so the field comes from cf318.556 and sw5 sw+0 (±5 mT).
    let md = metadata("easyspin/jeol/jeol-endor_coal");
    assert_eq!(text(&md, "experiment_type").as_deref(), Some("endor"));
    assert_quantity(&md, "field_center", 318.556, "mT");
    assert_quantity(&md, "field_sweep_width", 10.0, "mT");
}

#[test]
#[cfg_attr(
    epyr_no_corpus,
    ignore = "the corpus was not found when the tests were built (EPYR_CORPUS)"
)]
fn ciqtek_gives_the_acquisition_settings() {
    // setting.frequency "9.801978", lineEdit_MB_Power "3.162278", lineEdit_MB_Attenuation
    // "15", NoOfSweeps "4", pushButton_Temp_OnOff "0", createTime "2025-02-03 17:41:15.998".
    let md = metadata("easyspin/ciqtek/CIQTEK_1D.epr");
    assert_quantity(&md, "microwave_frequency", 9.801978, "GHz");
    assert_quantity(&md, "microwave_power", 3.162278, "mW");
    assert_quantity(&md, "attenuation", 15.0, "dB");
    assert_quantity(&md, "scans", 4.0, "1");
    assert_quantity(&md, "field_center", 3490.6, "G");
    assert_eq!(quantity(&md, "temperature"), None, "controller off");
    assert_eq!(
        text(&md, "acquired").as_deref(),
        Some("2025-02-03T17:41:15")
    );
    assert_eq!(text(&md, "instrument").as_deref(), Some("EPR200_2.0"));
    assert_eq!(text(&md, "experiment_type").as_deref(), Some("cw"));
}

#[test]
#[cfg_attr(
    epyr_no_corpus,
    ignore = "the corpus was not found when the tests were built (EPYR_CORPUS)"
)]
fn adani_files_give_frequency_field_and_modulation() {
    // "MwFrequencyKHz":9438158, CenterMagneticField 337.5, SweepWidth 15.0 (mT),
    // ModulationAmplitude 100.0 (uT), ModulationFrequency 100000 (Hz), PowerMW 0.0 (absent).
    let md = metadata("easyspin/adani/1d.json");
    assert_quantity(&md, "microwave_frequency", 9.438158, "GHz");
    assert_quantity(&md, "field_center", 337.5, "mT");
    assert_quantity(&md, "field_sweep_width", 15.0, "mT");
    assert_quantity(&md, "modulation_amplitude", 0.1, "mT");
    assert_quantity(&md, "modulation_frequency", 100.0, "kHz");
    assert_quantity(&md, "attenuation", 25.0, "dB");
    assert_eq!(quantity(&md, "microwave_power"), None);
    // Center field: 338,20 mT; Mod. amplitude: 6 uT; Microwave frequency: 9480,93 MHz;
    // Temperature: 32,00 °C; Power attenuation: 25 dB.
    let md = metadata("easyspin/adani/pyrelen-2mT5mmAugstaak300sek.dat");
    assert_quantity(&md, "microwave_frequency", 9.48093, "GHz");
    assert_quantity(&md, "field_center", 338.2, "mT");
    assert_quantity(&md, "field_sweep_width", 2.0, "mT");
    assert_quantity(&md, "modulation_amplitude", 0.006, "mT");
    assert_quantity(&md, "temperature", 305.15, "K");
    assert_quantity(&md, "attenuation", 25.0, "dB");
    assert_quantity(&md, "scans", 1.0, "1");
}

#[test]
#[cfg_attr(
    epyr_no_corpus,
    ignore = "the corpus was not found when the tests were built (EPYR_CORPUS)"
)]
fn active_spectrum_gives_its_header_lines() {
    // FREQUENCY (MHz) 9805.704000 (averaged), MICROWAVE POWER (mW) 10, NUMBER OF SWEEPS 16,
    // TEMPERATURE (C) 24.731922, DATE/TIME 8/28/2014 12:20:13 PM.
    let md = metadata("easyspin/10uM_TEMPOL_CAP_SQ__140828_122013.ESR");
    assert_quantity(&md, "microwave_frequency", 9.805704, "GHz");
    assert_quantity(&md, "microwave_power", 10.0, "mW");
    assert_quantity(&md, "scans", 16.0, "1");
    assert_quantity(&md, "temperature", 24.731922 + 273.15, "K");
    assert_eq!(
        text(&md, "acquired").as_deref(),
        Some("2014-08-28T12:20:13")
    );
    assert_eq!(text(&md, "sample").as_deref(), Some("10uM_TEMPOL_CAP_SQ"));
    assert_quantity(&md, "field_first", 3272.0, "G");
}

#[test]
#[cfg_attr(
    epyr_no_corpus,
    ignore = "the corpus was not found when the tests were built (EPYR_CORPUS)"
)]
fn eth_d00_gives_its_exp_file_and_qese_has_nothing_to_give() {
    // 03060101.exp: mw 1=9.2 GHz, center=3.48 kGauss, sweep=50 Gauss, scans=2,
    // sample temperature=293.15, description=Davies ENDOR W-band.
    let md = metadata("easyspin/03060101.d00");
    assert_quantity(&md, "microwave_frequency", 9.2, "GHz");
    assert_quantity(&md, "field_center", 3480.0, "G");
    assert_quantity(&md, "field_sweep_width", 50.0, "G");
    assert_quantity(&md, "scans", 2.0, "1");
    assert_quantity(&md, "temperature", 293.15, "K");
    assert_eq!(text(&md, "title").as_deref(), Some("Davies ENDOR W-band"));
    assert_eq!(text(&md, "sample"), None, "sample= is empty");
    // strong1.eco holds `1 1024 0` and numbers: its sizes, no axis, nothing to give.
    assert!(metadata("easyspin/strong1.eco").present().is_empty());
}
