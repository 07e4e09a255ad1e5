//! Business hours: when people answer. Admins set a time zone (an IANA name, read from the
//! time-zone database bundled with `jiff`, so no system files are needed), a weekly schedule
//! (per weekday zero or more open intervals, local time, `HH:MM-HH:MM`, ending at `24:00` at the
//! latest; an interval never runs past midnight: write `22:00-24:00` on one day and `00:00-02:00`
//! on the next) and closed dates (holidays, whole local days).
//!
//! An empty schedule means open around the clock (the default, and what Baton did before), minus
//! the closed dates. Outside hours a customer who asks for a person gets the out-of-hours reply,
//! and the queue's SLA clock and paging ladder count business time only ([`BusinessHours::sla_clock`]).
//!
//! Local times that do not exist (the hour skipped when clocks go forward) are moved forward by
//! the gap (02:30 reads as 03:30), a local time that happens twice (clocks go back) is its first
//! occurrence (jiff's "compatible" reading, as RFC 5545 calendars do).

use super::problem::Problem;
use super::users::FieldError;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Minutes in a day: the latest an interval may end (`24:00`).
pub const DAY_MINUTES: u16 = 24 * 60;
/// The most closed dates kept.
pub const MAX_CLOSED_DATES: usize = 400;
/// The most intervals per weekday.
pub const MAX_INTERVALS: usize = 6;
/// The longest out-of-hours reply, in characters.
pub const REPLY_MAX_CHARS: usize = 1000;

/// One open interval of a weekday, in minutes after local midnight (`open < close <= 1440`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interval {
    pub open: u16,
    pub close: u16,
}

/// The deployment's business hours (admins edit them in Settings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BusinessHours {
    /// IANA name, e.g. `Europe/Madrid`; empty means UTC.
    pub time_zone: String,
    /// Monday first: seven lists of open intervals. All empty: open around the clock.
    pub week: [Vec<Interval>; 7],
    /// Whole local days closed (`YYYY-MM-DD`), sorted.
    pub closed_dates: Vec<String>,
    /// Told to a customer who asks for a person outside hours, in Spanish.
    pub out_of_hours: String,
    /// The same in English.
    pub out_of_hours_en: String,
    /// Page operators outside hours anyway (the SLA clock then runs around the clock too).
    pub page_anyway: bool,
}

impl Default for BusinessHours {
    fn default() -> Self {
        Self {
            time_zone: String::new(),
            week: Default::default(),
            closed_dates: Vec::new(),
            out_of_hours: "Ahora estamos fuera de horario. Tu conversación queda en la fila y te \
                           responderemos en cuanto abramos."
                .to_string(),
            out_of_hours_en: "We are closed right now. Your conversation stays in the queue and \
                              we will answer as soon as we open."
                .to_string(),
            page_anyway: false,
        }
    }
}

/// Where a waiting conversation stands on the SLA clock at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlaClock {
    /// Business time waited so far (ms).
    pub waited_ms: i64,
    /// Whether the clock runs now (open, or paging anyway): the ladder pages only then.
    pub running: bool,
}

const MS_PER_DAY: i64 = 24 * 3600 * 1000;

fn ts(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(Timestamp::UNIX_EPOCH)
}

impl BusinessHours {
    /// Whether any hours are set (a schedule or a closed date); without, always open.
    pub fn in_force(&self) -> bool {
        !self.closed_dates.is_empty() || self.week.iter().any(|d| !d.is_empty())
    }

    /// The time zone (UTC when unset or unknown).
    pub fn zone(&self) -> TimeZone {
        match self.time_zone.trim() {
            "" => TimeZone::UTC,
            name => TimeZone::get(name).unwrap_or(TimeZone::UTC),
        }
    }

    /// The zone's offset from UTC at `ms`, in ms (0 without a zone).
    pub fn offset_ms(&self, ms: i64) -> i64 {
        i64::from(self.zone().to_offset(ts(ms)).seconds()) * 1000
    }

    /// The local date at `ms` (`YYYY-MM-DD`): "once per local day" keys on it.
    pub fn local_day(&self, ms: i64) -> String {
        self.zone().to_datetime(ts(ms)).date().to_string()
    }

    fn local_ms(tz: &TimeZone, dt: DateTime) -> i64 {
        tz.to_timestamp(dt)
            .map(|t| t.as_millisecond())
            .unwrap_or(i64::MAX)
    }

    /// The open spans (unix ms, `[start, end)`) of local date `d`, in order.
    fn spans(&self, tz: &TimeZone, d: Date) -> Vec<(i64, i64)> {
        if self.closed_dates.iter().any(|c| *c == d.to_string()) {
            return Vec::new();
        }
        let at = |minutes: u16| -> i64 {
            if minutes >= DAY_MINUTES {
                match d.tomorrow() {
                    Ok(next) => Self::local_ms(tz, next.at(0, 0, 0, 0)),
                    Err(_) => i64::MAX,
                }
            } else {
                let (h, m) = ((minutes / 60) as i8, (minutes % 60) as i8);
                Self::local_ms(tz, d.at(h, m, 0, 0))
            }
        };
        if !self.week.iter().any(|x| !x.is_empty()) {
            return vec![(at(0), at(DAY_MINUTES))];
        }
        let day = d.weekday().to_monday_zero_offset() as usize;
        let mut out: Vec<(i64, i64)> = self.week[day]
            .iter()
            .map(|i| (at(i.open), at(i.close)))
            .filter(|(a, b)| a < b)
            .collect();
        out.sort_unstable();
        out
    }

    /// The local dates whose spans may touch `[from, to]` (one day of slack each side).
    fn days(&self, tz: &TimeZone, from: i64, to: i64) -> impl Iterator<Item = Date> {
        let first = tz.to_datetime(ts(from)).date().yesterday().ok();
        let count = ((to - from).max(0) / MS_PER_DAY) as usize + 3;
        std::iter::successors(first, |d| d.tomorrow().ok()).take(count)
    }

    /// Whether people answer at `now`.
    pub fn is_open(&self, now: i64) -> bool {
        if !self.in_force() {
            return true;
        }
        let tz = self.zone();
        self.days(&tz, now, now)
            .flat_map(|d| self.spans(&tz, d))
            .any(|(a, b)| a <= now && now < b)
    }

    /// The first moment at or after `now` when people answer (`now` itself when open); `None`
    /// when nothing opens within a year and a half (every day closed).
    pub fn next_open(&self, now: i64) -> Option<i64> {
        if !self.in_force() {
            return Some(now);
        }
        let tz = self.zone();
        self.days(&tz, now, now + 550 * MS_PER_DAY)
            .flat_map(|d| self.spans(&tz, d))
            .find(|&(_, b)| b > now)
            .map(|(a, _)| a.max(now))
    }

    /// Open time between `from` and `to` (ms; 0 when `to <= from`).
    pub fn open_ms_between(&self, from: i64, to: i64) -> i64 {
        if to <= from {
            return 0;
        }
        if !self.in_force() {
            return to - from;
        }
        let tz = self.zone();
        self.days(&tz, from, to)
            .flat_map(|d| self.spans(&tz, d))
            .map(|(a, b)| (b.min(to) - a.max(from)).max(0))
            .sum()
    }

    /// The SLA clock of a conversation waiting since `since`, at `now`: business time only,
    /// unless admins page anyway (then the plain wait, always running).
    pub fn sla_clock(&self, since: i64, now: i64) -> SlaClock {
        if self.page_anyway || !self.in_force() {
            return SlaClock {
                waited_ms: (now - since).max(0),
                running: true,
            };
        }
        SlaClock {
            waited_ms: self.open_ms_between(since, now),
            running: self.is_open(now),
        }
    }

    /// The out-of-hours reply in the customer's language (the other one when it is blank).
    pub fn reply_for(&self, spanish: bool) -> &str {
        super::bot::in_language(spanish, &self.out_of_hours, &self.out_of_hours_en)
    }
}

/// `HH:MM` as minutes after midnight (`24:00` allowed).
fn minutes(s: &str) -> Option<u16> {
    let (h, m) = s.trim().split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    match (h, m) {
        (24, 0) => Some(DAY_MINUTES),
        (0..=23, 0..=59) => Some(h * 60 + m),
        _ => None,
    }
}

/// `HH:MM` for minutes after midnight.
pub fn clock(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// One weekday's intervals as the form shows them: `09:00-14:00, 16:00-19:00`.
pub fn day_text(day: &[Interval]) -> String {
    day.iter()
        .map(|i| format!("{}-{}", clock(i.open), clock(i.close)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads one weekday's intervals (`09:00-14:00, 16:00-19:00`; blank: closed all day): sorted,
/// each opening before it closes, none overlapping.
pub fn parse_day(text: &str) -> Option<Vec<Interval>> {
    let mut out = Vec::new();
    for part in text
        .split([',', ';', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let (a, b) = part.split_once('-')?;
        let (open, close) = (minutes(a)?, minutes(b)?);
        if open >= close {
            return None;
        }
        out.push(Interval { open, close });
    }
    out.sort_unstable_by_key(|i| i.open);
    if out.len() > MAX_INTERVALS || out.windows(2).any(|w| w[1].open < w[0].close) {
        return None;
    }
    Some(out)
}

/// Whether `name` is a time zone Baton knows (an IANA name).
pub fn valid_time_zone(name: &str) -> bool {
    TimeZone::get(name.trim()).is_ok()
}

/// The Settings form for business hours, checked field by field. `week` holds the seven days'
/// texts, Monday first; `closed_dates` one `YYYY-MM-DD` per line (or separated by commas).
pub fn parse_business_hours(
    time_zone: &str,
    week: &[String; 7],
    closed_dates: &str,
    out_of_hours: &str,
    out_of_hours_en: &str,
    page_anyway: bool,
) -> Result<BusinessHours, Vec<FieldError>> {
    let mut errors = Vec::new();
    let time_zone = time_zone.trim().to_string();
    if !time_zone.is_empty() && !valid_time_zone(&time_zone) {
        errors.push(FieldError::new("time_zone", Problem::TimeZoneUnknown));
    }
    let mut days: [Vec<Interval>; 7] = Default::default();
    for (i, text) in week.iter().enumerate() {
        match parse_day(text) {
            Some(d) => days[i] = d,
            None => errors.push(FieldError::new(&format!("day{i}"), Problem::HoursInvalid)),
        }
    }
    let mut dates = Vec::new();
    for part in closed_dates
        .split([',', '\n', ' ', ';'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        match part.parse::<Date>() {
            Ok(d) => dates.push(d.to_string()),
            Err(_) => {
                errors.push(FieldError::new("closed_dates", Problem::DateInvalid));
                break;
            }
        }
    }
    dates.sort_unstable();
    dates.dedup();
    if dates.len() > MAX_CLOSED_DATES {
        errors.push(FieldError::new("closed_dates", Problem::DateInvalid));
    }
    for (field, text) in [
        ("out_of_hours", out_of_hours),
        ("out_of_hours_en", out_of_hours_en),
    ] {
        if text.chars().count() > REPLY_MAX_CHARS {
            errors.push(FieldError::new(
                field,
                Problem::TextLength {
                    min: 0,
                    max: REPLY_MAX_CHARS as i64,
                },
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(BusinessHours {
        time_zone,
        week: days,
        closed_dates: dates,
        out_of_hours: out_of_hours.trim().to_string(),
        out_of_hours_en: out_of_hours_en.trim().to_string(),
        page_anyway,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;
    const HOUR: i64 = 60 * MIN;

    /// Unix ms of a local time in `tz`.
    fn at(tz: &str, s: &str) -> i64 {
        let dt: DateTime = s.parse().unwrap();
        TimeZone::get(tz)
            .unwrap()
            .to_timestamp(dt)
            .unwrap()
            .as_millisecond()
    }

    fn madrid() -> BusinessHours {
        let mut week: [Vec<Interval>; 7] = Default::default();
        for d in week.iter_mut().take(5) {
            *d = parse_day("09:00-18:00").unwrap();
        }
        week[5] = parse_day("10:00-14:00").unwrap();
        BusinessHours {
            time_zone: "Europe/Madrid".into(),
            week,
            ..Default::default()
        }
    }

    #[test]
    fn an_empty_schedule_is_always_open() {
        let h = BusinessHours::default();
        assert!(!h.in_force());
        let t = at("UTC", "2026-12-06T03:00");
        assert!(h.is_open(t));
        assert_eq!(h.next_open(t), Some(t));
        assert_eq!(h.open_ms_between(t, t + 5 * HOUR), 5 * HOUR);
        assert_eq!(
            h.sla_clock(t, t + HOUR),
            SlaClock {
                waited_ms: HOUR,
                running: true
            }
        );
    }

    #[test]
    fn open_is_inside_an_interval_in_local_time() {
        let h = madrid();
        // Monday 7 December 2026.
        assert!(!h.is_open(at("Europe/Madrid", "2026-12-07T08:59:59")));
        assert!(h.is_open(at("Europe/Madrid", "2026-12-07T09:00")));
        assert!(h.is_open(at("Europe/Madrid", "2026-12-07T17:59")));
        assert!(!h.is_open(at("Europe/Madrid", "2026-12-07T18:00")));
        // Saturday mornings, never on Sunday.
        assert!(h.is_open(at("Europe/Madrid", "2026-12-12T13:00")));
        assert!(!h.is_open(at("Europe/Madrid", "2026-12-12T14:30")));
        assert!(!h.is_open(at("Europe/Madrid", "2026-12-13T12:00")));
        // 08:30 UTC is 09:30 in Madrid in winter.
        assert!(h.is_open(at("UTC", "2026-12-07T08:30")));
    }

    #[test]
    fn next_open_skips_nights_weekends_and_closed_dates() {
        let mut h = madrid();
        let friday_night = at("Europe/Madrid", "2026-12-04T20:00");
        assert_eq!(
            h.next_open(friday_night),
            Some(at("Europe/Madrid", "2026-12-05T10:00"))
        );
        let saturday_after = at("Europe/Madrid", "2026-12-05T15:00");
        assert_eq!(
            h.next_open(saturday_after),
            Some(at("Europe/Madrid", "2026-12-07T09:00"))
        );
        // Christmas is a Friday; Saturday the 26th opens at 10.
        h.closed_dates = vec!["2026-12-25".into()];
        let eve = at("Europe/Madrid", "2026-12-24T19:00");
        assert_eq!(
            h.next_open(eve),
            Some(at("Europe/Madrid", "2026-12-26T10:00"))
        );
        assert!(!h.is_open(at("Europe/Madrid", "2026-12-25T11:00")));
        let open = at("Europe/Madrid", "2026-12-24T11:00");
        assert_eq!(h.next_open(open), Some(open));
    }

    #[test]
    fn closed_dates_alone_close_whole_days() {
        let h = BusinessHours {
            closed_dates: vec!["2027-01-01".into()],
            ..Default::default()
        };
        assert!(h.in_force());
        assert!(!h.is_open(at("UTC", "2027-01-01T12:00")));
        assert!(h.is_open(at("UTC", "2026-12-31T23:59")));
        assert_eq!(
            h.next_open(at("UTC", "2027-01-01T12:00")),
            Some(at("UTC", "2027-01-02T00:00"))
        );
    }

    #[test]
    fn open_time_between_two_moments_counts_business_time_only() {
        let h = madrid();
        // Friday 17:00 to Monday 10:00: 1 h Friday, 4 h Saturday, 1 h Monday.
        let a = at("Europe/Madrid", "2026-12-04T17:00");
        let b = at("Europe/Madrid", "2026-12-07T10:00");
        assert_eq!(h.open_ms_between(a, b), 6 * HOUR);
        assert_eq!(h.open_ms_between(b, a), 0);
        // Overnight: nothing until 09:00, then the minutes since.
        let night = at("Europe/Madrid", "2026-12-07T23:00");
        let morning = at("Europe/Madrid", "2026-12-08T09:05");
        assert_eq!(h.open_ms_between(night, morning), 5 * MIN);
        let c = h.sla_clock(night, morning);
        assert_eq!(
            c,
            SlaClock {
                waited_ms: 5 * MIN,
                running: true
            }
        );
        let paused = h.sla_clock(night, at("Europe/Madrid", "2026-12-08T08:00"));
        assert_eq!(
            paused,
            SlaClock {
                waited_ms: 0,
                running: false
            }
        );
        let anyway = BusinessHours {
            page_anyway: true,
            ..h
        }
        .sla_clock(night, morning);
        assert_eq!(
            anyway,
            SlaClock {
                waited_ms: 10 * HOUR + 5 * MIN,
                running: true
            }
        );
    }

    #[test]
    fn clocks_changing_shorten_and_lengthen_the_local_day() {
        // Madrid goes from 02:00 to 03:00 on 29 March 2026 and from 03:00 back to 02:00 on 25
        // October 2026 (both Sundays).
        let mut week: [Vec<Interval>; 7] = Default::default();
        week[6] = parse_day("00:00-24:00").unwrap();
        let h = BusinessHours {
            time_zone: "Europe/Madrid".into(),
            week,
            ..Default::default()
        };
        let spring = at("Europe/Madrid", "2026-03-29T00:00");
        assert_eq!(h.open_ms_between(spring, spring + 48 * HOUR), 23 * HOUR);
        let autumn = at("Europe/Madrid", "2026-10-25T00:00");
        assert_eq!(h.open_ms_between(autumn, autumn + 48 * HOUR), 25 * HOUR);
        // An opening inside the skipped hour moves forward by the gap: 02:30 is 03:30.
        let mut week: [Vec<Interval>; 7] = Default::default();
        week[6] = parse_day("02:30-04:00").unwrap();
        let h = BusinessHours {
            time_zone: "Europe/Madrid".into(),
            week,
            ..Default::default()
        };
        let saturday = at("Europe/Madrid", "2026-03-28T12:00");
        assert_eq!(
            h.next_open(saturday),
            Some(at("Europe/Madrid", "2026-03-29T03:30"))
        );
        assert_eq!(h.open_ms_between(saturday, saturday + 48 * HOUR), 30 * MIN);
    }

    #[test]
    fn a_night_shift_is_written_as_two_days_and_runs_on() {
        let mut week: [Vec<Interval>; 7] = Default::default();
        week[0] = parse_day("22:00-24:00").unwrap();
        week[1] = parse_day("00:00-06:00").unwrap();
        let h = BusinessHours {
            time_zone: "America/Mexico_City".into(),
            week,
            ..Default::default()
        };
        let monday = at("America/Mexico_City", "2026-12-07T21:00");
        assert!(h.is_open(at("America/Mexico_City", "2026-12-07T23:59")));
        assert!(h.is_open(at("America/Mexico_City", "2026-12-08T00:00")));
        assert_eq!(h.open_ms_between(monday, monday + 24 * HOUR), 8 * HOUR);
    }

    #[test]
    fn the_local_day_follows_the_time_zone() {
        let h = madrid();
        assert_eq!(h.local_day(at("UTC", "2026-12-07T23:30")), "2026-12-08");
        assert_eq!(
            BusinessHours::default().local_day(at("UTC", "2026-12-07T23:30")),
            "2026-12-07"
        );
    }

    #[test]
    fn the_form_is_checked_field_by_field() {
        let mut week: [String; 7] = Default::default();
        week[0] = "16:00-19:00, 09:00-14:00".into();
        week[5] = "10:00-14:00".into();
        let h = parse_business_hours(
            " Europe/Madrid ",
            &week,
            "2026-12-25\n2026-01-06, 2026-12-25",
            "Cerrado",
            "Closed",
            true,
        )
        .unwrap();
        assert_eq!(h.time_zone, "Europe/Madrid");
        assert_eq!(day_text(&h.week[0]), "09:00-14:00, 16:00-19:00");
        assert_eq!(h.closed_dates, vec!["2026-01-06", "2026-12-25"]);
        assert!(h.page_anyway);
        week[1] = "09:00-08:00".into();
        week[2] = "09:00-12:00, 11:00-13:00".into();
        week[3] = "25:00-26:00".into();
        let errors =
            parse_business_hours("Mars/Olympus", &week, "2026-13-01", "", "", false).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec!["time_zone", "day1", "day2", "day3", "closed_dates"]
        );
        assert_eq!(parse_day("  "), Some(vec![]));
        assert_eq!(
            parse_day("9:30-24:00"),
            Some(vec![Interval {
                open: 570,
                close: 1440
            }])
        );
    }

    #[test]
    fn the_reply_follows_the_customer_language() {
        let h = BusinessHours {
            out_of_hours: "Cerrado".into(),
            out_of_hours_en: "  ".into(),
            ..Default::default()
        };
        assert_eq!(h.reply_for(true), "Cerrado");
        assert_eq!(h.reply_for(false), "Cerrado");
        let d = BusinessHours::default();
        assert!(d.reply_for(false).starts_with("We are closed"));
    }
}
