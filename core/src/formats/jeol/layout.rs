//! The layout of the JEOL header blocks, field by field as eprload reads them
//! (`eprload_jeol.m`, after JEOL's documentation of the JES-FA and JES-X3 files): the HEADER
//! block and its data icon, GENERAL, SPECTROMETER, GENERATOR (one layout for ENDOR files,
//! another for the rest) and PROCESS PARA, whose areas and lines are repeated groups.

/// One field of a header block.
#[derive(Debug, Clone, Copy)]
pub(super) enum Field {
    /// A C string in a field of this many bytes (eprload's `readcstring`).
    Text(&'static str, usize),
    /// Raw characters (eprload's `fread(h, n, '*char')`).
    Chars(&'static str, usize),
    /// A little-endian `int32`.
    Int(&'static str),
    /// A little-endian `float32`.
    Float(&'static str),
    /// Reserved bytes.
    Skip(usize),
    /// The settings of an ENDOR channel ([`CHANNEL`]): its name prefix (`ch1_`) and the bytes
    /// of its last field, `eModWidth`.
    Channel(&'static str, usize),
}

use Field::{Channel, Chars, Float, Int, Skip, Text};

/// The C strings of an ENDOR channel's settings but its last, `eModWidth` (whose size
/// differs between the SPECTROMETER and the ENDOR GENERATOR block): name and bytes.
pub(super) const CHANNEL: [(&str, usize); 8] = [
    ("eLeftFreq", 16),
    ("eRightFreq", 16),
    ("eCurrentFreq", 16),
    ("eFunit", 8),
    ("ePower", 16),
    ("eDB", 12),
    ("ePunit", 8),
    ("eSweepTime", 12),
];

/// The bytes of an ENDOR channel's settings before `eModWidth`.
const CHANNEL_SIZE: usize = {
    let mut total = 0;
    let mut i = 0;
    while i < CHANNEL.len() {
        total += CHANNEL[i].1;
        i += 1;
    }
    total
};

impl Field {
    /// The bytes the field takes.
    pub const fn size(self) -> usize {
        match self {
            Text(_, n) | Chars(_, n) | Skip(n) => n,
            Int(_) | Float(_) => 4,
            Channel(_, mod_width) => CHANNEL_SIZE + mod_width,
        }
    }
}

/// The bytes a block of fields takes.
pub(super) const fn block_size(fields: &[Field]) -> usize {
    let mut total = 0;
    let mut i = 0;
    while i < fields.len() {
        total += fields[i].size();
        i += 1;
    }
    total
}

/// The HEADER block (0x0000-0x0143) and the data icon bitmap (0x0144-0x1143).
pub(super) const HEADER: &[Field] = &[
    Text("processType", 16),
    Text("filename", 64),
    Skip(4),
    Int("auxNum"),
    Int("dataSet"),
    Int("dataLength"),
    Text("dataKind", 15),
    Chars("dispPart", 1),
    Float("xOffset"),
    Float("xRange"),
    Text("xUnit", 16),
    Float("yMin"),
    Float("yMax"),
    Text("yUnit", 16),
    Float("zPoint"),
    Text("zUnit", 16),
    Float("xStart"),
    Float("xStop"),
    Float("yStart"),
    Float("yStop"),
    Float("zStart"),
    Float("zStop"),
    Skip(88),
    Int("waveIndex"),
    Skip(28),
    Skip(4096),
];

/// The GENERAL block (0x1144-0x18AB).
pub(super) const GENERAL: &[Field] = &[
    Skip(16),
    Text("system", 32),
    Text("version", 16),
    Text("date", 32),
    Text("title", 128),
    Text("sample", 128),
    Text("comment", 128),
    Skip(224),
    Text("previousINFO_filename", 64),
    Text("previousINFO_dir", 512),
    Skip(4),
    Text("previousINFO_processType", 16),
    Text("originalINFO_filename", 64),
    Text("originalINFO_dir", 512),
    Skip(4),
    Text("originalINFO_processType", 16),
];

/// The SPECTROMETER block (0x18AC-0x205B).
pub(super) const SPECTROMETER: &[Field] = &[
    Text("sType", 12),
    Int("SpectrometerFlag"),
    Text("magnet", 16),
    Text("water", 16),
    Text("magPower", 16),
    Text("magCurrent", 16),
    Text("centerField", 16),
    Text("sweepWidFin", 16),
    Text("sweepWidCor", 16),
    Text("sweepPulse", 16),
    Text("pulseNumber", 16),
    Text("sweepFTime", 16),
    Text("sweepBTime", 16),
    Text("scanTime", 16),
    Text("swCont", 16),
    Text("sPosition", 16),
    Text("ePosition", 16),
    Text("pPosition", 16),
    Text("cPosition", 16),
    Text("lfsBlock", 16),
    Text("xPosition", 16),
    Skip(112),
    Text("modFreq", 16),
    Text("modWidFin", 16),
    Text("modWinCor", 16),
    Text("phase", 16),
    Text("Amp1_rcvMode", 16),
    Text("Amp1_phasePlus", 16),
    Text("Amp1_amplitudeFin", 16),
    Text("Amp1_amplitudeCor", 16),
    Text("Amp1_timeConstant", 16),
    Text("Amp1_zero", 16),
    Text("Amp2_rcvMode", 16),
    Text("Amp2_phasePlus", 16),
    Text("Amp2_amplitudeFin", 16),
    Text("Amp2_amplitudeCor", 16),
    Text("Amp2_timeConstant", 16),
    Text("Amp2_zero", 16),
    Text("amplock", 16),
    Text("sourceCH2", 8),
    Skip(120),
    Text("uType", 8),
    Text("uFreq", 16),
    Text("uFreqUnit", 8),
    Text("uPower", 16),
    Text("uPowerUnit", 8),
    Text("uPhase", 16),
    Text("uCoupling", 16),
    Text("slavePower", 16),
    Text("slavePhase", 16),
    Text("uRef", 16),
    Text("autoTuneMode", 16),
    Text("autoTune", 16),
    Text("afc", 8),
    Text("afcclk", 16),
    Text("mod", 8),
    Text("gunPower", 8),
    Text("ref", 8),
    Text("att_30dB", 8),
    Text("afcbalance", 8),
    Text("uDetM", 8),
    Text("uBalM", 8),
    Text("afcphase", 8),
    Text("uStab", 8),
    Text("shflock", 16),
    Text("uFreqCal", 16),
    Text("uFreqCalUnits", 8),
    Text("RotationStepAngle", 10),
    Text("RotationAngle", 10),
    Text("RotationZero", 10),
    Text("motorLow", 40),
    Text("motorUp", 40),
    Skip(18),
    Text("acqPoint", 8),
    Text("dataLength", 8),
    Text("acqPulsMode", 8),
    Text("enType", 16),
    Channel("ch1_", 8),
    Channel("ch2_", 8),
    Skip(8),
    Text("vtType", 16),
    Text("temperature", 16),
    Text("tempStart", 16),
    Text("tempEnd", 16),
    Text("tempStep", 16),
    Text("tempUnit", 8),
    Text("tempStatus", 8),
    Text("tempError", 16),
    Text("readyTime", 16),
    Text("okTempRange", 16),
    Text("tempControl", 8),
    Text("tempLock", 16),
    Text("endorLock", 16),
    Text("selfCheck", 8),
    Text("eCenterFreq", 16),
    Text("eSweepFreq", 16),
    Skip(48),
    Text("MarkerPos1", 16),
    Text("MarkerPos2", 16),
    Text("controlFA", 16),
    Skip(112),
];

/// The GENERATOR block of every file but ENDOR ones (0x205C-0x21D7).
pub(super) const GENERATOR_CW: &[Field] = &[
    Text("date", 32),
    Int("accumulation"),
    Int("preAccumulation"),
    Int("delayTime"),
    Int("intervalTime"),
    Int("index"),
    Int("repetition"),
    Skip(16),
    Int("sampleTime"),
    Skip(16),
    Text("accumWave", 8),
    Text("baselineMode", 8),
    Text("sampleMode", 8),
    Text("sigTrig", 8),
    Text("refFile", 64),
    Text("paraFile", 64),
    Text("chMode", 16),
    Skip(112),
];

/// The GENERATOR block of ENDOR files (process type `endor`; 0x205C-0x250F).
pub(super) const GENERATOR_ENDOR: &[Field] = &[
    Text("date", 32),
    Int("accumulation"),
    Text("accumWave", 8),
    Text("baselineMode", 8),
    Text("chMode", 16),
    Text("MagnetPosition", 16),
    Channel("ch1_", 16),
    Skip(248),
    Channel("ch2_", 16),
    Skip(248),
    Text("eCenterFreq", 16),
    Text("eSweepFreq", 16),
    Skip(352),
];

/// The fields of PROCESS PARA before its areas and lines.
pub(super) const PROCESS: &[Field] = &[
    Float("res_q"),
    Float("micro_hz"),
    Float("efect_pls"),
    Float("nike_hz"),
    Float("pulser"),
    Float("digitzer"),
    Float("resonator"),
    Int("fftCount"),
    Text("lastProcessTyp", 16),
    Int("std_spinFlag"),
    Float("std_marleft"),
    Float("std_marright"),
    Float("std_marintegval"),
    Float("std_raw_marintegval"),
    Float("std_sigleft"),
    Float("std_sigright"),
    Float("std_sigintegval"),
    Float("std_raw_sigintegval"),
    Float("std_spinnum"),
    Skip(16),
    Int("spinFlag"),
    Float("marleft"),
    Float("marright"),
    Float("marintegval"),
    Float("raw_marintegval"),
    Float("sigleft"),
    Float("sigright"),
    Float("sigintegval"),
    Float("raw_sigintegval"),
    Float("spinnum"),
    Skip(16),
];

/// One integration area of PROCESS PARA (`xAreaM`, `xAreaS`, `xArea(1)` ... `xArea(8)`).
pub(super) const AREA: &[Field] = &[
    Int("xAreaFlag"),
    Float("left"),
    Float("right"),
    Float("peak"),
    Float("peakwidth"),
    Float("peakMin"),
    Float("peakMax"),
    Int("pleft"),
    Int("pright"),
];

/// One marker line of PROCESS PARA (`xLinem1`, `xLinem2`, `xLine(1)` ... `xLine(8)`).
pub(super) const LINE: &[Field] = &[
    Int("xLineFlag"),
    Float("pos"),
    Float("gvalue"),
    Int("point"),
];

/// The fields of PROCESS PARA after its areas and lines.
pub(super) const PROCESS_TAIL: &[Field] = &[
    Chars("aope", 4),
    Text("modFilename", 16),
    Int("yLine"),
    Int("calibFlag"),
    Skip(128),
];

/// The numbered groups of PROCESS PARA (eprload's struct arrays have 8 elements).
pub(super) const GROUP_COUNT: usize = 8;

/// The bytes of PROCESS PARA.
pub(super) const PROCESS_SIZE: usize = block_size(PROCESS)
    + (2 + GROUP_COUNT) * block_size(AREA)
    + (2 + GROUP_COUNT) * block_size(LINE)
    + block_size(PROCESS_TAIL);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_blocks_end_where_jeol_documents_them() {
        let spectrometer_start = block_size(HEADER) + block_size(GENERAL);
        assert_eq!(spectrometer_start, 0x18AC);
        let generator_start = spectrometer_start + block_size(SPECTROMETER);
        assert_eq!(generator_start, 0x205C);
        assert_eq!(generator_start + block_size(GENERATOR_CW), 0x21D8);
        assert_eq!(generator_start + block_size(GENERATOR_ENDOR), 0x2510);
        assert_eq!(PROCESS_SIZE, 0x344);
    }
}
