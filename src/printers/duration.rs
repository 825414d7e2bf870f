//! How kubectl turns elapsed time into text: apimachinery's `duration.HumanDuration` (the AGE
//! and LAST SEEN columns, the events table of `describe`, `RESTARTS (5m ago)`) and
//! `duration.ShortHumanDuration` (what kubectl printed before v1.13, as in the StatefulSet
//! tutorial transcripts: `1m`, `2h`, `13h`).
//!
//! Elapsed time is always computed from a `now: SimTime` argument and a timestamp of the
//! object, never from a clock.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, Time};

use crate::engine::time::{EPOCH_UNIX_SECONDS, SimTime};

const SECOND_MS: i64 = 1000;
const MINUTE_MS: i64 = 60 * SECOND_MS;
const HOUR_MS: i64 = 60 * MINUTE_MS;

/// `duration.HumanDuration`: `0s`, `59s`, `119s`, `2m3s`, `9m59s`, `10m`, `179m`, `3h4m`, `8h`,
/// `47h`, `2d3h`, `8d`, `729d`, `2y3d`, `8y`; `<invalid>` for more than a second in the future.
pub fn human_duration(ms: i64) -> String {
    let seconds = ms / SECOND_MS;
    if seconds < -1 {
        return "<invalid>".to_string();
    }
    if seconds < 0 {
        return "0s".to_string();
    }
    if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = ms / MINUTE_MS;
    if minutes < 10 {
        let s = seconds % 60;
        if s == 0 {
            return format!("{minutes}m");
        }
        return format!("{minutes}m{s}s");
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = ms / HOUR_MS;
    if hours < 8 {
        let m = minutes % 60;
        if m == 0 {
            return format!("{hours}h");
        }
        return format!("{hours}h{m}m");
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        if h == 0 {
            return format!("{}d", hours / 24);
        }
        return format!("{}d{h}h", hours / 24);
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let dy = (hours / 24) % 365;
        if dy == 0 {
            return format!("{}y", hours / 24 / 365);
        }
        return format!("{}y{dy}d", hours / 24 / 365);
    }
    format!("{}y", hours / 24 / 365)
}

/// `duration.ShortHumanDuration`: one unit only (`59s`, `1m`, `59m`, `1h`, `23h`, `1d`, `364d`,
/// `1y`).
pub fn short_human_duration(ms: i64) -> String {
    let seconds = ms / SECOND_MS;
    if seconds < -1 {
        return "<invalid>".to_string();
    }
    if seconds < 0 {
        return "0s".to_string();
    }
    if seconds < 60 {
        return format!("{seconds}s");
    }
    let minutes = ms / MINUTE_MS;
    if minutes < 60 {
        return format!("{minutes}m");
    }
    let hours = ms / HOUR_MS;
    if hours < 24 {
        return format!("{hours}h");
    }
    if hours < 24 * 365 {
        return format!("{}d", hours / 24);
    }
    format!("{}y", hours / 24 / 365)
}

/// `now` as Unix milliseconds.
pub fn unix_ms(now: SimTime) -> i64 {
    EPOCH_UNIX_SECONDS * 1000 + i64::try_from(now.as_ms()).unwrap_or(i64::MAX / 2)
}

/// Milliseconds from `t` to `now` (negative when `t` is in the future).
pub fn since_ms(t: &Time, now: SimTime) -> i64 {
    unix_ms(now) - t.0.as_millisecond()
}

/// The printers' `translateTimestampSince`: `<unknown>` for an unset timestamp, else the
/// [`human_duration`] since it.
pub fn translate_timestamp_since(t: Option<&Time>, now: SimTime) -> String {
    match t {
        Some(t) => human_duration(since_ms(t, now)),
        None => "<unknown>".to_string(),
    }
}

/// `translateMicroTimestampSince`, for `eventTime` and `series.lastObservedTime`.
pub fn translate_micro_timestamp_since(t: Option<&MicroTime>, now: SimTime) -> String {
    match t {
        Some(t) => human_duration(unix_ms(now) - t.0.as_millisecond()),
        None => "<unknown>".to_string(),
    }
}

/// Go's `time.RFC1123Z` layout in UTC (`Wed, 01 Jan 2025 00:00:05 +0000`), as describe prints
/// timestamps. kubectl uses the local zone; the simulator's users are in UTC.
pub fn rfc1123z(t: &Time) -> String {
    let ts = t.0;
    k8s_openapi::jiff::fmt::strtime::format("%a, %d %b %Y %H:%M:%S +0000", ts)
        .unwrap_or_else(|_| String::new())
}

/// Go's zero `time.Time` in RFC1123Z, as describe prints an unset condition timestamp.
pub const ZERO_TIME_RFC1123Z: &str = "Mon, 01 Jan 0001 00:00:00 +0000";

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1000;
    const M: i64 = 60 * S;
    const H: i64 = 60 * M;
    const D: i64 = 24 * H;
    const Y: i64 = 365 * D;

    #[test]
    fn human_duration_matches_apimachinery() {
        let cases: &[(i64, &str)] = &[
            (-2 * S, "<invalid>"),
            (-1999, "0s"),
            (-S, "0s"),
            (-1, "0s"),
            (0, "0s"),
            (999, "0s"),
            (S, "1s"),
            (59 * S, "59s"),
            (60 * S, "60s"),
            (119 * S + 999, "119s"),
            (2 * M, "2m"),
            (2 * M + 3 * S, "2m3s"),
            (9 * M + 59 * S, "9m59s"),
            (10 * M, "10m"),
            (10 * M + 59 * S, "10m"),
            (179 * M + 59 * S, "179m"),
            (3 * H, "3h"),
            (3 * H + 4 * M, "3h4m"),
            (7 * H + 59 * M, "7h59m"),
            (8 * H, "8h"),
            (47 * H + 59 * M, "47h"),
            (2 * D, "2d"),
            (2 * D + 3 * H, "2d3h"),
            (7 * D + 23 * H, "7d23h"),
            (8 * D, "8d"),
            (729 * D, "729d"),
            (2 * Y, "2y"),
            (3 * Y + 45 * D, "3y45d"),
            (7 * Y + 364 * D, "7y364d"),
            (8 * Y, "8y"),
            (123 * Y + 5 * D, "123y"),
        ];
        for (ms, want) in cases {
            assert_eq!(human_duration(*ms), *want, "{ms} ms");
        }
    }

    #[test]
    fn short_human_duration_matches_apimachinery() {
        let cases: &[(i64, &str)] = &[
            (-2 * S, "<invalid>"),
            (-S, "0s"),
            (0, "0s"),
            (59 * S, "59s"),
            (60 * S, "1m"),
            (119 * S, "1m"),
            (59 * M + 59 * S, "59m"),
            (H, "1h"),
            (23 * H + 59 * M, "23h"),
            (D, "1d"),
            (364 * D, "364d"),
            (Y, "1y"),
            (3 * Y + 45 * D, "3y"),
        ];
        for (ms, want) in cases {
            assert_eq!(short_human_duration(*ms), *want, "{ms} ms");
        }
    }

    #[test]
    fn ages_come_from_the_sim_clock() {
        let created = SimTime::from_ms(5_000).to_k8s_time();
        let now = SimTime::from_ms(5_000 + 125_000);
        assert_eq!(translate_timestamp_since(Some(&created), now), "2m5s");
        assert_eq!(translate_timestamp_since(None, now), "<unknown>");
        assert_eq!(rfc1123z(&created), "Wed, 01 Jan 2025 00:00:05 +0000");
    }
}
