//! Durations as Istio reads and writes them.
//!
//! Istio's proto JSON decoder (golang/protobuf's legacy `jsonpb`) reads a
//! `google.protobuf.Duration` with Go's `time.ParseDuration`, so `"1m30s"`, `"1.5h"` and
//! `"250ms"` are all accepted; its encoder writes seconds with 0, 3, 6 or 9 fractional
//! digits (`"90s"`, `"0.500s"`). Both rules are reproduced here, plus Go's
//! `Duration.String()` for templates that print a duration.

/// A signed span of time in nanoseconds, with Go's `time.Duration` range (int64).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration {
    nanos: i64,
}

const NANOS_PER_MICRO: u64 = 1_000;
const NANOS_PER_MILLI: u64 = 1_000_000;
const NANOS_PER_SECOND: u64 = 1_000_000_000;
const NANOS_PER_MINUTE: u64 = 60 * NANOS_PER_SECOND;
const NANOS_PER_HOUR: u64 = 60 * NANOS_PER_MINUTE;
/// 1 << 63: the magnitude bound Go's parser checks against.
const LIMIT: u64 = 1 << 63;

impl Duration {
    pub const ZERO: Duration = Duration { nanos: 0 };

    pub fn from_nanos(nanos: i64) -> Duration {
        Duration { nanos }
    }

    pub fn from_secs(secs: i64) -> Duration {
        Duration {
            nanos: secs.saturating_mul(NANOS_PER_SECOND as i64),
        }
    }

    pub fn as_nanos(self) -> i64 {
        self.nanos
    }

    /// Go's `time.ParseDuration`: `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`, or a bare `0`.
    pub fn parse_go(text: &str) -> Result<Duration, String> {
        let invalid = || format!("time: invalid duration {text:?}");
        let mut rest = text;
        let mut negative = false;
        if let Some(stripped) = rest.strip_prefix('-') {
            negative = true;
            rest = stripped;
        } else if let Some(stripped) = rest.strip_prefix('+') {
            rest = stripped;
        }
        if rest == "0" {
            return Ok(Duration::ZERO);
        }
        if rest.is_empty() {
            return Err(invalid());
        }
        let mut total: u64 = 0;
        while !rest.is_empty() {
            if !rest.starts_with(|c: char| c == '.' || c.is_ascii_digit()) {
                return Err(invalid());
            }
            let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
            let (int_digits, after_int) = rest.split_at(int_len);
            let mut whole: u64 = 0;
            for digit in int_digits.bytes() {
                if whole > LIMIT / 10 {
                    return Err(invalid());
                }
                whole = whole * 10 + u64::from(digit - b'0');
                if whole > LIMIT {
                    return Err(invalid());
                }
            }
            rest = after_int;
            let mut fraction: u64 = 0;
            let mut scale: f64 = 1.0;
            let mut has_fraction_digits = false;
            if let Some(after_dot) = rest.strip_prefix('.') {
                let frac_len = after_dot.bytes().take_while(u8::is_ascii_digit).count();
                let (frac_digits, after_frac) = after_dot.split_at(frac_len);
                has_fraction_digits = frac_len > 0;
                // Like Go, stop accumulating precision on overflow instead of failing.
                let mut overflow = false;
                for digit in frac_digits.bytes() {
                    if overflow {
                        continue;
                    }
                    if fraction > (LIMIT - 1) / 10 {
                        overflow = true;
                        continue;
                    }
                    let next = fraction * 10 + u64::from(digit - b'0');
                    if next > LIMIT {
                        overflow = true;
                        continue;
                    }
                    fraction = next;
                    scale *= 10.0;
                }
                rest = after_frac;
            }
            if int_len == 0 && !has_fraction_digits {
                return Err(invalid());
            }
            let unit_len = rest
                .find(|c: char| c == '.' || c.is_ascii_digit())
                .unwrap_or(rest.len());
            if unit_len == 0 {
                return Err(format!("time: missing unit in duration {text:?}"));
            }
            let (unit_name, after_unit) = rest.split_at(unit_len);
            rest = after_unit;
            let unit = match unit_name {
                "ns" => 1,
                "us" | "\u{b5}s" | "\u{3bc}s" => NANOS_PER_MICRO,
                "ms" => NANOS_PER_MILLI,
                "s" => NANOS_PER_SECOND,
                "m" => NANOS_PER_MINUTE,
                "h" => NANOS_PER_HOUR,
                _ => {
                    return Err(format!(
                        "time: unknown unit {unit_name:?} in duration {text:?}"
                    ));
                }
            };
            if whole > LIMIT / unit {
                return Err(invalid());
            }
            let mut value = whole * unit;
            if fraction > 0 {
                // Go uses float64 here too, which is nanosecond-exact up to hours.
                value += (fraction as f64 * (unit as f64 / scale)) as u64;
                if value > LIMIT {
                    return Err(invalid());
                }
            }
            total += value;
            if total > LIMIT {
                return Err(invalid());
            }
        }
        if negative {
            // total <= 1 << 63, so the negation always fits.
            let nanos = if total == LIMIT {
                i64::MIN
            } else {
                -(total as i64)
            };
            return Ok(Duration { nanos });
        }
        if total > LIMIT - 1 {
            return Err(invalid());
        }
        Ok(Duration {
            nanos: total as i64,
        })
    }

    /// The proto JSON text of this duration, as golang/protobuf's `jsonpb` writes it:
    /// seconds with 0, 3, 6 or 9 fractional digits and an `s` suffix.
    pub fn to_proto_json(self) -> String {
        let sign = if self.nanos < 0 { "-" } else { "" };
        let magnitude = self.nanos.unsigned_abs();
        let seconds = magnitude / NANOS_PER_SECOND;
        let nanos = magnitude % NANOS_PER_SECOND;
        if nanos == 0 {
            return format!("{sign}{seconds}s");
        }
        let mut fraction = format!("{nanos:09}");
        while fraction.ends_with("000") {
            fraction.truncate(fraction.len() - 3);
        }
        format!("{sign}{seconds}.{fraction}s")
    }

    /// Go's `time.Duration.String()`: `"1h2m3.5s"`, `"1.5ms"`, `"0s"`.
    pub fn to_go_string(self) -> String {
        let negative = self.nanos < 0;
        let magnitude = self.nanos.unsigned_abs();
        let sign = if negative { "-" } else { "" };
        if magnitude < NANOS_PER_SECOND {
            if magnitude == 0 {
                return "0s".to_string();
            }
            let (unit, scale) = if magnitude < NANOS_PER_MICRO {
                ("ns", 1)
            } else if magnitude < NANOS_PER_MILLI {
                ("\u{b5}s", NANOS_PER_MICRO)
            } else {
                ("ms", NANOS_PER_MILLI)
            };
            return format!("{sign}{}{unit}", decimal(magnitude, scale));
        }
        let hours = magnitude / NANOS_PER_HOUR;
        let minutes = (magnitude % NANOS_PER_HOUR) / NANOS_PER_MINUTE;
        let seconds = decimal(magnitude % NANOS_PER_MINUTE, NANOS_PER_SECOND);
        if hours > 0 {
            format!("{sign}{hours}h{minutes}m{seconds}s")
        } else if minutes > 0 {
            format!("{sign}{minutes}m{seconds}s")
        } else {
            format!("{sign}{seconds}s")
        }
    }
}

/// `value / scale` as a decimal without trailing zeros (`1500, 1000` → `"1.5"`).
fn decimal(value: u64, scale: u64) -> String {
    let whole = value / scale;
    let rest = value % scale;
    if rest == 0 {
        return whole.to_string();
    }
    let width = scale.ilog10() as usize;
    let digits = format!("{rest:0width$}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(text: &str) -> i64 {
        Duration::parse_go(text).unwrap().as_nanos()
    }

    #[test]
    fn go_duration_syntax() {
        assert_eq!(parse("23s"), 23_000_000_000);
        assert_eq!(parse("1m30s"), 90_000_000_000);
        assert_eq!(parse("0.5s"), 500_000_000);
        assert_eq!(parse(".5s"), 500_000_000);
        assert_eq!(parse("1.5h"), 5_400_000_000_000);
        assert_eq!(parse("250ms"), 250_000_000);
        assert_eq!(parse("3us"), 3_000);
        assert_eq!(parse("3\u{b5}s"), 3_000);
        assert_eq!(parse("3\u{3bc}s"), 3_000);
        assert_eq!(parse("7ns"), 7);
        assert_eq!(parse("-1.5s"), -1_500_000_000);
        assert_eq!(parse("+2s"), 2_000_000_000);
        assert_eq!(parse("0"), 0);
        assert_eq!(parse("-0"), 0);
        assert_eq!(parse("1h1m1s1ms"), 3_661_001_000_000);
        assert_eq!(parse("2562047h47m16.854775807s"), i64::MAX);
        assert_eq!(parse("-2562047h47m16.854775808s"), i64::MIN);
    }

    #[test]
    fn go_duration_errors() {
        for bad in [
            "", "-", "s", "1", "45", "1.s.", ".s", "1x", "1e3s", " 1s", "1s ", "--1s",
        ] {
            assert!(Duration::parse_go(bad).is_err(), "{bad:?} should not parse");
        }
        assert_eq!(
            Duration::parse_go("45").unwrap_err(),
            "time: missing unit in duration \"45\""
        );
        assert_eq!(
            Duration::parse_go("3d").unwrap_err(),
            "time: unknown unit \"d\" in duration \"3d\""
        );
        assert!(Duration::parse_go("2562047h47m16.854775808s").is_err());
        assert!(Duration::parse_go("99999999999999999999s").is_err());
    }

    #[test]
    fn proto_json_text() {
        assert_eq!(Duration::from_secs(23).to_proto_json(), "23s");
        assert_eq!(Duration::from_secs(45).to_proto_json(), "45s");
        assert_eq!(Duration::from_nanos(500_000_000).to_proto_json(), "0.500s");
        assert_eq!(
            Duration::from_nanos(1_000_001).to_proto_json(),
            "0.001000001s"
        );
        assert_eq!(Duration::from_nanos(1_500_000).to_proto_json(), "0.001500s");
        assert_eq!(
            Duration::from_nanos(-1_500_000_000).to_proto_json(),
            "-1.500s"
        );
        assert_eq!(Duration::ZERO.to_proto_json(), "0s");
    }

    #[test]
    fn go_string_text() {
        assert_eq!(Duration::from_secs(23).to_go_string(), "23s");
        assert_eq!(Duration::from_secs(90).to_go_string(), "1m30s");
        assert_eq!(Duration::from_secs(3600).to_go_string(), "1h0m0s");
        assert_eq!(Duration::from_nanos(1_500_000).to_go_string(), "1.5ms");
        assert_eq!(Duration::from_nanos(1_500).to_go_string(), "1.5\u{b5}s");
        assert_eq!(Duration::from_nanos(12).to_go_string(), "12ns");
        assert_eq!(Duration::from_nanos(-2_500_000_000).to_go_string(), "-2.5s");
        assert_eq!(Duration::ZERO.to_go_string(), "0s");
        assert_eq!(
            Duration::from_nanos(i64::MIN).to_go_string(),
            "-2562047h47m16.854775808s"
        );
    }

    proptest! {
        #[test]
        fn parse_never_panics(text in ".*") {
            let _ = Duration::parse_go(&text);
        }

        #[test]
        fn go_string_round_trips(nanos in any::<i64>()) {
            let d = Duration::from_nanos(nanos);
            prop_assert_eq!(Duration::parse_go(&d.to_go_string()), Ok(d));
        }

        #[test]
        fn proto_text_round_trips(nanos in any::<i64>()) {
            let d = Duration::from_nanos(nanos);
            prop_assert_eq!(Duration::parse_go(&d.to_proto_json()), Ok(d));
        }
    }
}
