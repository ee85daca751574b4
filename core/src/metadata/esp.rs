//! The common metadata of a Bruker ESP/WinEPR dataset (`.par` keys, numbers without units in
//! the units of Bruker's ESP specification: `MF` GHz, `HCF`/`HSW`/`RMA` G, `MP` mW, `MPD` dB,
//! `RMF` kHz, `RCT`/`RTC` ms, `TE` K; `RRG` is a linear gain).
//!
//! Two keys that EPyR Tools maps differently are read as the files show them: `RMF` is the
//! modulation frequency in kHz (12.5 on ENDOR files, 100 where a BES3T file converted to ESP
//! had `B0MF 100000`), not an attenuation; `EMF` is the static field of an ENDOR experiment in
//! G (4785 in `inga_mar06_endor`, whose comment says "4785G"), not a modulation frequency.

use super::date::iso_date_time;
use super::units::plain;
use super::{CommonMetadata, Text};
use crate::dataset::Params;

/// The common metadata of ESP/WinEPR parameters.
pub fn common_metadata(params: &Params) -> CommonMetadata {
    let text = |key: &str| params.get(key).and_then(|v| Text::new(v, key));
    let sweep = params.get("JEX").map(str::trim);
    let endor = sweep == Some("ENDOR");
    let field_sweep = matches!(sweep, None | Some("field-sweep"));
    let field_center = if endor {
        plain(params, "EMF", "G", None)
    } else {
        plain(params, "HCF", "G", None)
    };
    let field_sweep_width = field_sweep
        .then(|| plain(params, "HSW", "G", None))
        .flatten();
    let has_field = field_center.is_some() || field_sweep_width.is_some();
    CommonMetadata {
        microwave_frequency: plain(params, "MF", "GHz", None),
        field_center,
        field_sweep_width,
        field_unit: has_field.then(|| Text::new("G", "ESP")).flatten(),
        modulation_amplitude: plain(params, "RMA", "G", None),
        modulation_frequency: plain(params, "RMF", "kHz", None),
        microwave_power: plain(params, "MP", "mW", None),
        attenuation: plain(params, "MPD", "dB", None),
        receiver_gain: plain(params, "RRG", "1", None),
        conversion_time: plain(params, "RCT", "ms", None),
        time_constant: plain(params, "RTC", "ms", None),
        scans: plain(params, "JSD", "1", None),
        temperature: plain(params, "TE", "K", None),
        experiment_type: experiment_type(params, sweep),
        acquired: params.get("JDA").and_then(|date| {
            let iso = iso_date_time(date, params.get("JTM"))?;
            Text::new(&iso, "JDA, JTM")
        }),
        comment: text("JCO"),
        operator: text("JON"),
        ..CommonMetadata::default()
    }
}

/// `endor` for `JEX ENDOR`; `cw` for a field sweep with field modulation (`RMA`), which only
/// continuous-wave detection uses; nothing otherwise.
fn experiment_type(params: &Params, sweep: Option<&str>) -> Option<Text> {
    match sweep {
        Some("ENDOR") => Text::new("endor", "JEX"),
        Some("field-sweep") if params.contains("RMA") => Text::new("cw", "JEX, RMA"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::text::parse_par;

    #[test]
    fn esp_keys_map_to_the_common_fields_with_their_units() {
        let p = parse_par(
            b"JDA 05/30/2009\rJTM 12:37\rJEX field-sweep\rJSD 2\rHCF 3400.0\rHSW 100.0\r\
              RCT 40.96\rRTC 40.96\rRRG 1.002374e+004\rRMA 1.0\rMF  9.541\rMP  1.008e+001\r\
              MPD 13.0\rTE  298.0\rRMF 100\rJON Bruker BioSpin GmbH\rJCO sample A\r",
        );
        let md = common_metadata(&p);
        let q = |f: &Option<super::super::Quantity>| {
            f.as_ref()
                .map(|q| (q.value, q.unit.clone(), q.source.clone()))
        };
        assert_eq!(
            q(&md.microwave_frequency),
            Some((9.541, "GHz".into(), "MF".into()))
        );
        assert_eq!(
            q(&md.field_center),
            Some((3400.0, "G".into(), "HCF".into()))
        );
        assert_eq!(q(&md.field_sweep_width).unwrap().0, 100.0);
        assert_eq!(
            q(&md.receiver_gain),
            Some((10023.74, "1".into(), "RRG".into()))
        );
        assert_eq!(q(&md.modulation_frequency).unwrap().1, "kHz");
        assert_eq!(q(&md.attenuation).unwrap().0, 13.0);
        assert_eq!(md.acquired.unwrap().value, "2009-05-30T12:37:00");
        assert_eq!(md.experiment_type.unwrap().value, "cw");
        assert_eq!(md.operator.unwrap().value, "Bruker BioSpin GmbH");
        assert_eq!(md.title, None);
    }

    #[test]
    fn endor_takes_its_static_field_from_emf_and_has_no_sweep_width() {
        let p = parse_par(b"JEX ENDOR\nHCF 2938.0\nHSW 0.0\nEMF 4785.0\nRMF 12.5\n");
        let md = common_metadata(&p);
        let center = md.field_center.unwrap();
        assert_eq!((center.value, center.source.as_str()), (4785.0, "EMF"));
        assert_eq!(md.field_sweep_width, None);
        assert_eq!(md.experiment_type.unwrap().value, "endor");
    }
}
