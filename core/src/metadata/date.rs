//! Acquisition dates and times as the formats write them, to ISO 8601 (`2011-04-13T17:43:58`,
//! local time of the instrument: the files give no time zone).
//!
//! Only forms whose reading is certain are accepted; anything else gives `None` (the original
//! text stays in the parameters):
//! * `MM/DD/YY` (BES3T `DATE`; two-digit years as POSIX `%y`: 69-99 are 19xx, 00-68 20xx) and
//!   `MM/DD/YYYY` (WinEPR `JDA`);
//! * `DD-MON-YYYY`, `DD.Mon.YYYY` (ESP `JDA`, month names in English, any case);
//! * `WEEKDAY, D. MONTH YYYY` (ETH's ESP files);
//! * `YYYY/MM/DD` and `YYYY-MM-DD` (JEOL, ISO 8601 stamps of Magnettech and CIQTEK);
//! * `Wed Jun  3 14:55:30 2015` (C's `ctime`, SpecMan's `starttime`);
//! * times `HH:MM` or `HH:MM:SS`, with `AM`/`PM` for a 12-hour clock (Active Spectrum).
//!
//! The year is taken as written: ESP software of the 1990s wrote `2-APR-1908` for 2008, and
//! such a date is given as 1908, never corrected by a guess.

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// The ISO 8601 date (`YYYY-MM-DD`) of a date text, or `None` for a form this module does not
/// read with certainty.
pub fn iso_date(text: &str) -> Option<String> {
    let t = text.trim();
    let (year, month, day) = if t.contains('/') {
        slashed(t)?
    } else if t.contains(',') {
        spelled_out(t)?
    } else {
        let parts: Vec<&str> = t.split(['-', '.']).collect();
        let [day, month, year] = parts.as_slice() else {
            return None;
        };
        if let Some(y) = four_digit_year(day) {
            let (month, day) = (number(month, 1, 12)?, number(year, 1, 31)?);
            return valid_day(y, month, day).then(|| format!("{y:04}-{month:02}-{day:02}"));
        }
        (
            four_digit_year(year)?,
            month_number(month)?,
            number(day, 1, 31)?,
        )
    };
    valid_day(year, month, day).then(|| format!("{year:04}-{month:02}-{day:02}"))
}

/// `MM/DD/YY`, `MM/DD/YYYY` or `YYYY/MM/DD`.
fn slashed(t: &str) -> Option<(u32, u32, u32)> {
    let parts: Vec<&str> = t.split('/').collect();
    let [month, day, year] = parts.as_slice() else {
        return None;
    };
    if let Some(y) = four_digit_year(month) {
        return Some((y, number(day, 1, 12)?, number(year, 1, 31)?));
    }
    let year = match year.trim().len() {
        2 => {
            let yy = number(year, 0, 99)?;
            if yy >= 69 {
                1900 + yy
            } else {
                2000 + yy
            }
        }
        _ => four_digit_year(year)?,
    };
    Some((year, number(month, 1, 12)?, number(day, 1, 31)?))
}

/// `MONDAY, 9. FEBRUARY 2009`.
fn spelled_out(t: &str) -> Option<(u32, u32, u32)> {
    let (_, rest) = t.split_once(',')?;
    let words: Vec<&str> = rest.split_whitespace().collect();
    let [day, month, year] = words.as_slice() else {
        return None;
    };
    let day = number(day.strip_suffix('.').unwrap_or(day), 1, 31)?;
    Some((four_digit_year(year)?, month_number(month)?, day))
}

fn four_digit_year(text: &str) -> Option<u32> {
    let t = text.trim();
    (t.len() == 4).then(|| number(t, 1000, 9999)).flatten()
}

/// The number of an English month name or its three-letter abbreviation, any case.
fn month_number(text: &str) -> Option<u32> {
    let t = text.trim().to_ascii_lowercase();
    MONTHS
        .iter()
        .position(|m| *m == t || (t.len() == 3 && m.starts_with(&t)))
        .map(|i| i as u32 + 1)
}

/// A whole number of digits only, within `min..=max`.
fn number(text: &str, min: u32, max: u32) -> Option<u32> {
    let t = text.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok().filter(|n| (min..=max).contains(n))
}

fn valid_day(year: u32, month: u32, day: u32) -> bool {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    (1..=12).contains(&month) && day >= 1 && day <= days[month as usize - 1]
}

/// The ISO 8601 time (`HH:MM:SS`) of `HH:MM` or `HH:MM:SS` (seconds may have a fraction,
/// which is dropped), on a 24-hour clock or with `AM`/`PM`; `None` for anything else.
pub fn iso_time(text: &str) -> Option<String> {
    let t = text.trim();
    let (clock, half) = match t.len().checked_sub(2).and_then(|at| t.get(at..)) {
        Some(s) if s.eq_ignore_ascii_case("AM") => (t[..t.len() - 2].trim_end(), Some(0)),
        Some(s) if s.eq_ignore_ascii_case("PM") => (t[..t.len() - 2].trim_end(), Some(12)),
        _ => (t, None),
    };
    let parts: Vec<&str> = clock.split(':').collect();
    let whole_seconds = |s: &str| number(s.split_once('.').map_or(s, |(w, _)| w), 0, 60);
    let (h, m, s) = match parts.as_slice() {
        [h, m] => (number(h, 0, 23)?, number(m, 0, 59)?, 0),
        [h, m, s] => (number(h, 0, 23)?, number(m, 0, 59)?, whole_seconds(s)?),
        _ => return None,
    };
    let h = match half {
        None => h,
        Some(_) if !(1..=12).contains(&h) => return None,
        Some(offset) => h % 12 + offset,
    };
    Some(format!("{h:02}:{m:02}:{s:02}"))
}

/// A date and time written as one text (`2018-08-29T10:52:19.89+02:00`,
/// `2025-02-03 17:41:15.998`, `2011/02/03 12:25`) as ISO 8601 to the second, keeping a time
/// zone (`Z`, `+02:00`) the text gives; the date alone where the time is unreadable.
pub fn iso_timestamp(text: &str) -> Option<String> {
    let t = text.trim();
    let (date, time) = match t.find(['T', ' ']) {
        Some(at) => (&t[..at], Some(t[at + 1..].trim())),
        None => (t, None),
    };
    let (time, zone) = match time {
        Some(time) => match time.rfind(['Z', '+', '-']) {
            Some(at) => (Some(&time[..at]), &time[at..]),
            None => (Some(time), ""),
        },
        None => (None, ""),
    };
    let zone_ok = zone.is_empty() || zone == "Z" || iso_time(&zone[1..]).is_some();
    let base = iso_date_time(date, time)?;
    Some(if zone_ok && base.contains('T') {
        format!("{base}{zone}")
    } else {
        base
    })
}

/// C's `ctime` form (`Wed Jun  3 14:55:30 2015`: weekday, month, day, time, year) as ISO 8601.
pub fn ctime(text: &str) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let [_, month, day, time, year] = words.as_slice() else {
        return None;
    };
    let (y, m, d) = (
        four_digit_year(year)?,
        month_number(month)?,
        number(day, 1, 31)?,
    );
    valid_day(y, m, d).then_some(())?;
    Some(format!("{y:04}-{m:02}-{d:02}T{}", iso_time(time)?))
}

/// `date` and `time` joined as ISO 8601 (`2011-04-13T17:43:58`); the date alone where the time
/// is missing or unreadable; `None` where the date is.
pub fn iso_date_time(date: &str, time: Option<&str>) -> Option<String> {
    let date = iso_date(date)?;
    Some(match time.and_then(iso_time) {
        Some(time) => format!("{date}T{time}"),
        None => date,
    })
}

/// The UTC date and time of `secs` seconds since the Unix epoch, as ISO 8601 with a `Z`
/// (`2026-05-02T10:04:05Z`), for records of when something was made.
pub fn utc_iso(secs: f64) -> String {
    let total = secs.max(0.0).floor() as i64;
    let (days, rest) = (total.div_euclid(86_400), total.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_of_the_vendor_formats_read_to_the_second() {
        let cases = [
            (
                "2018-08-29T10:52:19.8915805+02:00",
                Some("2018-08-29T10:52:19+02:00"),
            ),
            ("2014-07-01T10:05:35.4032581Z", Some("2014-07-01T10:05:35Z")),
            ("2025-02-03 17:41:15.998", Some("2025-02-03T17:41:15")),
            ("2011/02/03 12:25", Some("2011-02-03T12:25:00")),
            ("2011/02/03", Some("2011-02-03")),
            ("2018-02-30T10:00:00", None),
        ];
        for (text, iso) in cases {
            assert_eq!(iso_timestamp(text).as_deref(), iso, "{text:?}");
        }
        assert_eq!(
            ctime("Wed Jun  3 14:55:30 2015").as_deref(),
            Some("2015-06-03T14:55:30")
        );
        assert_eq!(ctime("Wed Jun 31 14:55:30 2015"), None);
        assert_eq!(iso_time("12:20:13 PM").as_deref(), Some("12:20:13"));
        assert_eq!(iso_time("12:05 AM").as_deref(), Some("00:05:00"));
        assert_eq!(iso_time("1:05:00 pm").as_deref(), Some("13:05:00"));
        assert_eq!(iso_time("13:05 PM"), None);
    }

    #[test]
    fn every_date_form_of_the_corpus_reads_as_written() {
        let cases = [
            ("04/13/11", Some("2011-04-13")),
            ("11/08/23", Some("2023-11-08")),
            ("05/30/2009", Some("2009-05-30")),
            ("12-JAN-1900", Some("1900-01-12")),
            (" 2-APR-1908", Some("1908-04-02")),
            ("12.Dec.2001", Some("2001-12-12")),
            ("19-Mar-2014", Some("2014-03-19")),
            ("MONDAY, 9. FEBRUARY 2009", Some("2009-02-09")),
            ("2011/02/03", Some("2011-02-03")),
            ("2018-08-29", Some("2018-08-29")),
            ("2011/13/03", None),
            ("13/04/2011", None),
            ("31-FEB-2001", None),
            ("yesterday", None),
            ("12-Decembre-2001", None),
        ];
        for (text, iso) in cases {
            assert_eq!(iso_date(text).as_deref(), iso, "{text:?}");
        }
        assert_eq!(
            iso_date_time("04/13/11", Some("17:43:58")).as_deref(),
            Some("2011-04-13T17:43:58")
        );
        assert_eq!(
            iso_date_time("05/30/2009", Some("12:37")).as_deref(),
            Some("2009-05-30T12:37:00")
        );
        assert_eq!(
            iso_date_time("05/30/2009", Some("noon")).as_deref(),
            Some("2009-05-30")
        );
    }

    #[test]
    fn utc_times_follow_the_calendar() {
        assert_eq!(utc_iso(0.0), "1970-01-01T00:00:00Z");
        assert_eq!(utc_iso(951_782_400.0), "2000-02-29T00:00:00Z");
        assert_eq!(utc_iso(1_700_000_000.5), "2023-11-14T22:13:20Z");
    }
}
