//! Virtual time: integer milliseconds since the start of a run, and the fixed epoch that turns
//! them into the timestamps users see.
//!
//! Nothing here reads the host clock. `SimTime` only moves when the engine pops an event.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// Unix time (seconds) of virtual time zero: 2025-01-01T00:00:00Z.
///
/// Fixed so that rendered timestamps (creationTimestamp, event times) are identical on every
/// machine and every run.
pub const EPOCH_UNIX_SECONDS: i64 = 1_735_689_600;

/// An instant of virtual time, in milliseconds since the start of the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(u64);

/// A span of virtual time, in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(u64);

impl SimTime {
    /// Time zero, the start of every run.
    pub const ZERO: SimTime = SimTime(0);
    /// The largest representable instant; used as "no limit".
    pub const MAX: SimTime = SimTime(u64::MAX);

    /// An instant `ms` milliseconds after the start of the run.
    pub const fn from_ms(ms: u64) -> Self {
        SimTime(ms)
    }

    /// Milliseconds since the start of the run.
    pub const fn as_ms(self) -> u64 {
        self.0
    }

    /// Time elapsed since `earlier`; zero if `earlier` is later than `self`.
    pub fn saturating_since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }

    /// `self + d`, or `None` on overflow.
    pub fn checked_add(self, d: SimDuration) -> Option<SimTime> {
        self.0.checked_add(d.0).map(SimTime)
    }

    /// Unix time in whole seconds (the epoch plus the virtual time, truncated).
    pub fn unix_seconds(self) -> i64 {
        EPOCH_UNIX_SECONDS + (self.0 / 1000) as i64
    }

    /// The instant as an API timestamp (`metav1.Time`), truncated to seconds as the API
    /// server stores it.
    pub fn to_k8s_time(self) -> k8s_openapi::apimachinery::pkg::apis::meta::v1::Time {
        let ts = k8s_openapi::jiff::Timestamp::from_second(self.unix_seconds())
            .expect("virtual time stays within jiff's range (year 9999)");
        k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(ts)
    }

    /// The instant as an RFC 3339 string with second precision (`2025-01-01T00:00:05Z`).
    pub fn rfc3339(self) -> String {
        let ts = k8s_openapi::jiff::Timestamp::from_second(self.unix_seconds())
            .expect("virtual time stays within jiff's range (year 9999)");
        k8s_openapi::jiff::fmt::strtime::format("%Y-%m-%dT%H:%M:%SZ", ts)
            .expect("a fixed strftime pattern always formats")
    }

    /// The virtual instant a rendered API timestamp stands for, if it is not before the epoch.
    pub fn from_k8s_time(t: &k8s_openapi::apimachinery::pkg::apis::meta::v1::Time) -> Option<Self> {
        let secs = t.0.as_second() - EPOCH_UNIX_SECONDS;
        u64::try_from(secs).ok().map(|s| SimTime(s * 1000))
    }
}

impl SimDuration {
    /// No time at all.
    pub const ZERO: SimDuration = SimDuration(0);

    /// A duration of `ms` milliseconds.
    pub const fn from_ms(ms: u64) -> Self {
        SimDuration(ms)
    }

    /// A duration of `s` seconds.
    pub const fn from_secs(s: u64) -> Self {
        SimDuration(s * 1000)
    }

    /// The duration in milliseconds.
    pub const fn as_ms(self) -> u64 {
        self.0
    }

    /// The duration in whole seconds, truncated.
    pub const fn as_secs(self) -> u64 {
        self.0 / 1000
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(
            self.0
                .checked_add(d.0)
                .expect("virtual time overflowed u64 milliseconds"),
        )
    }
}

impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, d: SimDuration) {
        *self = *self + d;
    }
}

impl Sub<SimTime> for SimTime {
    type Output = SimDuration;
    fn sub(self, earlier: SimTime) -> SimDuration {
        SimDuration(
            self.0
                .checked_sub(earlier.0)
                .expect("subtracting a later instant from an earlier one"),
        )
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, o: SimDuration) -> SimDuration {
        SimDuration(self.0.checked_add(o.0).expect("duration overflowed"))
    }
}

impl fmt::Display for SimTime {
    /// `t=12.345s`: the form used in logs and limit messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t={}.{:03}s", self.0 / 1000, self.0 % 1000)
    }
}

impl fmt::Display for SimDuration {
    /// Go's `time.Duration` style for whole units: `1m30s`, `250ms`, `0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0;
        if ms == 0 {
            return f.write_str("0s");
        }
        if ms < 1000 {
            return write!(f, "{ms}ms");
        }
        let (h, m, s, rest) = (
            ms / 3_600_000,
            (ms / 60_000) % 60,
            (ms / 1000) % 60,
            ms % 1000,
        );
        if h > 0 {
            write!(f, "{h}h")?;
        }
        if h > 0 || m > 0 {
            write!(f, "{m}m")?;
        }
        if rest == 0 {
            write!(f, "{s}s")
        } else {
            let frac = format!("{rest:03}");
            write!(f, "{s}.{}s", frac.trim_end_matches('0'))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_render_from_the_fixed_epoch() {
        assert_eq!(SimTime::ZERO.rfc3339(), "2025-01-01T00:00:00Z");
        assert_eq!(SimTime::from_ms(61_999).rfc3339(), "2025-01-01T00:01:01Z");
        let t = SimTime::from_ms(3_723_000);
        assert_eq!(SimTime::from_k8s_time(&t.to_k8s_time()), Some(t));
    }

    #[test]
    fn durations_print_like_go() {
        assert_eq!(SimDuration::ZERO.to_string(), "0s");
        assert_eq!(SimDuration::from_ms(250).to_string(), "250ms");
        assert_eq!(SimDuration::from_secs(90).to_string(), "1m30s");
        assert_eq!(SimDuration::from_ms(3_601_500).to_string(), "1h0m1.5s");
    }

    #[test]
    #[should_panic(expected = "subtracting a later instant")]
    fn time_never_goes_backwards_silently() {
        let _ = SimTime::from_ms(1) - SimTime::from_ms(2);
    }
}
