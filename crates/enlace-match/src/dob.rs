//! Dates of birth: parsing (full, year-month, year only) and evidence for or against.

/// A date of birth; `month`/`day` are 0 when unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Dob {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Dob {
    /// Parses `YYYY-MM-DD`, `YYYY-MM`, `YYYY` (FollowTheMoney's forms, also with `/` or `.`)
    /// and the day-first `DD/MM/YYYY` that clerks type.
    pub fn parse(raw: &str) -> Option<Dob> {
        let raw = raw.trim();
        let raw = raw.split(['T', ' ']).next().unwrap_or(raw);
        let parts: Vec<&str> = raw
            .split(['-', '/', '.'])
            .filter(|p| !p.is_empty())
            .collect();
        let num = |s: &str| -> Option<u32> {
            if s.chars().all(|c| c.is_ascii_digit()) && !s.is_empty() && s.len() <= 4 {
                s.parse().ok()
            } else {
                None
            }
        };
        let (y, m, d) = match parts.as_slice() {
            // Eight ASCII digits (`19810409`): sliced by byte, so only when all are digits
            // (eight bytes of other text can end inside a character).
            [y] if y.len() == 8 && y.bytes().all(|b| b.is_ascii_digit()) => {
                (num(&y[0..4])?, num(&y[4..6])?, num(&y[6..8])?)
            }
            [y] => (num(y)?, 0, 0),
            [y, m] if y.len() == 4 => (num(y)?, num(m)?, 0),
            [y, m, d] if y.len() == 4 => (num(y)?, num(m)?, num(d)?),
            [d, m, y] if y.len() == 4 => (num(y)?, num(m)?, num(d)?),
            _ => return None,
        };
        if !(1850..=2100).contains(&y) || m > 12 || d > 31 || (m == 0 && d != 0) {
            return None;
        }
        Some(Dob {
            year: u16::try_from(y).ok()?,
            month: u8::try_from(m).ok()?,
            day: u8::try_from(d).ok()?,
        })
    }

    pub fn is_full(&self) -> bool {
        self.month != 0 && self.day != 0
    }

    /// YYYYMMDD as digits, without formatting (compared for every candidate).
    fn digits(&self) -> [u8; 8] {
        let y = self.year % 10_000;
        [
            (y / 1000) as u8,
            (y / 100 % 10) as u8,
            (y / 10 % 10) as u8,
            (y % 10) as u8,
            self.month / 10 % 10,
            self.month % 10,
            self.day / 10 % 10,
            self.day % 10,
        ]
    }
}

impl std::fmt::Display for Dob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.month, self.day) {
            (0, _) => write!(f, "{:04}", self.year),
            (m, 0) => write!(f, "{:04}-{:02}", self.year, m),
            (m, d) => write!(f, "{:04}-{:02}-{:02}", self.year, m, d),
        }
    }
}

/// How two dates of birth relate, from the strongest agreement to the strongest conflict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DobMatch {
    Exact,
    DayMonthSwapped,
    OneDigitOff,
    TwoSlips,
    SameYear,
    YearOffByOne,
    SameYearMonthDayDiffers,
    SameYearOtherDay,
    CloseYears,
    Different,
}

impl DobMatch {
    /// Log-odds evidence. Strongly negative when both are full dates that do not fit any
    /// plausible clerical error: the same common name born on another day is another person.
    pub fn weight(self) -> f64 {
        match self {
            DobMatch::Exact => 8.6,
            DobMatch::DayMonthSwapped => 7.0,
            DobMatch::OneDigitOff => 4.2,
            DobMatch::TwoSlips => -0.4,
            DobMatch::SameYear => 3.9,
            DobMatch::YearOffByOne => -0.3,
            DobMatch::SameYearMonthDayDiffers => -5.5,
            DobMatch::SameYearOtherDay => -7.9,
            DobMatch::CloseYears => -10.0,
            DobMatch::Different => -11.0,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DobMatch::Exact => "same date",
            DobMatch::DayMonthSwapped => "day and month swapped",
            DobMatch::OneDigitOff => "one digit off",
            DobMatch::TwoSlips => "two slips (swapped and a digit off, or two digits off)",
            DobMatch::SameYear => "same year (one side has the year only)",
            DobMatch::YearOffByOne => "year differs by one (one side has the year only)",
            DobMatch::SameYearMonthDayDiffers => "same year and month, another day",
            DobMatch::SameYearOtherDay => "same year, another day",
            DobMatch::CloseYears => "another date, years close",
            DobMatch::Different => "another date",
        }
    }
}

/// Compares two dates of birth.
pub fn compare(a: &Dob, b: &Dob) -> DobMatch {
    if a.is_full() && b.is_full() {
        if a == b {
            return DobMatch::Exact;
        }
        if a.year == b.year && a.month == b.day && a.day == b.month {
            return DobMatch::DayMonthSwapped;
        }
        let (da, db) = (a.digits(), b.digits());
        let diff = da.iter().zip(db.iter()).filter(|(x, y)| x != y).count();
        let transposed =
            diff == 2 && (0..7).any(|i| da[i] == db[i + 1] && da[i + 1] == db[i] && da[i] != db[i]);
        if diff == 1 || transposed {
            return DobMatch::OneDigitOff;
        }
        if a.month == b.month && a.day == b.day && a.year.abs_diff(b.year) == 1 {
            return DobMatch::OneDigitOff;
        }
        // Two clerical slips at once (the record and the query each carry one).
        let swapped = Dob {
            year: b.year,
            month: b.day,
            day: b.month,
        };
        let ds = if swapped.month <= 12 {
            let sd = swapped.digits();
            da.iter().zip(sd.iter()).filter(|(x, y)| x != y).count()
        } else {
            usize::MAX
        };
        if ds <= 1 || (diff == 2 && a.year.abs_diff(b.year) == 1) {
            return DobMatch::TwoSlips;
        }
        if a.year == b.year && a.month == b.month {
            return DobMatch::SameYearMonthDayDiffers;
        }
        if a.year == b.year {
            return DobMatch::SameYearOtherDay;
        }
        if a.year.abs_diff(b.year) <= 2 {
            return DobMatch::CloseYears;
        }
        return DobMatch::Different;
    }
    // At least one side is partial: compare what both have.
    let months_agree = a.month == 0 || b.month == 0 || a.month == b.month;
    if a.year == b.year && months_agree {
        return DobMatch::SameYear;
    }
    if a.year == b.year {
        return DobMatch::SameYearOtherDay;
    }
    if a.year.abs_diff(b.year) == 1 {
        return DobMatch::YearOffByOne;
    }
    if a.year.abs_diff(b.year) <= 2 {
        return DobMatch::CloseYears;
    }
    DobMatch::Different
}

#[cfg(test)]
mod tests {
    #[test]
    fn digits_are_yyyymmdd() {
        let d = Dob {
            year: 1985,
            month: 3,
            day: 12,
        };
        assert_eq!(d.digits(), [1, 9, 8, 5, 0, 3, 1, 2]);
    }

    use super::*;

    fn d(s: &str) -> Dob {
        Dob::parse(s).unwrap()
    }

    #[test]
    fn parses_forms() {
        assert_eq!(
            d("1985-03-12"),
            Dob {
                year: 1985,
                month: 3,
                day: 12
            }
        );
        assert_eq!(
            d("1985-03"),
            Dob {
                year: 1985,
                month: 3,
                day: 0
            }
        );
        assert_eq!(
            d("1985"),
            Dob {
                year: 1985,
                month: 0,
                day: 0
            }
        );
        assert_eq!(
            d("12/03/1985"),
            Dob {
                year: 1985,
                month: 3,
                day: 12
            }
        );
        assert_eq!(
            d("19850312"),
            Dob {
                year: 1985,
                month: 3,
                day: 12
            }
        );
        assert_eq!(
            d("1985-03-12T00:00:00"),
            Dob {
                year: 1985,
                month: 3,
                day: 12
            }
        );
        assert!(Dob::parse("soon").is_none());
        assert!(Dob::parse("1985-13-01").is_none());
    }

    #[test]
    fn evidence() {
        assert_eq!(compare(&d("1985-03-12"), &d("1985-03-12")), DobMatch::Exact);
        assert_eq!(
            compare(&d("1985-03-12"), &d("1985-12-03")),
            DobMatch::DayMonthSwapped
        );
        assert_eq!(
            compare(&d("1985-03-12"), &d("1985-03-13")),
            DobMatch::OneDigitOff
        );
        assert_eq!(
            compare(&d("1985-03-12"), &d("1986-03-12")),
            DobMatch::OneDigitOff
        );
        assert_eq!(
            compare(&d("1989-03-12"), &d("1990-03-12")),
            DobMatch::OneDigitOff
        );
        assert_eq!(
            compare(&d("1985-03-12"), &d("1958-03-12")),
            DobMatch::OneDigitOff
        );
        assert_eq!(compare(&d("1985"), &d("1985-03-12")), DobMatch::SameYear);
        assert_eq!(
            compare(&d("1979-05-22"), &d("1978-05-23")),
            DobMatch::TwoSlips
        );
        assert_eq!(
            compare(&d("1989-06-04"), &d("1988-04-06")),
            DobMatch::TwoSlips
        );
        assert_eq!(
            compare(&d("1985-03-12"), &d("1985-07-22")),
            DobMatch::SameYearOtherDay
        );
        assert_eq!(
            compare(&d("1985-03-12"), &d("1971-07-22")),
            DobMatch::Different
        );
        assert!(DobMatch::Different.weight() < -5.0);
        assert!(DobMatch::Exact.weight() > 4.0);
    }
}
