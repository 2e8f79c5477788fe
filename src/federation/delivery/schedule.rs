//! When to try again, and what an answer means.

use chrono::{DateTime, Utc};
use std::time::Duration;

/// The longest wait between two attempts.
pub const MAX_DELAY: Duration = Duration::from_secs(6 * 3600);

/// The wait after the `attempts`-th failed attempt: `base`, doubling each time, at
/// most six hours, with ±20 % jitter so a host that comes back is not hit by every
/// waiting delivery in the same second. With the default 30 s base: 30 s, 1 min,
/// 2 min, … 4 h 16 min, then every 6 h until the delivery is three days old.
pub fn retry_delay(attempts: i32, base: Duration) -> Duration {
    let exp = attempts.clamp(1, 30) as u32 - 1;
    let delay = base.saturating_mul(2u32.saturating_pow(exp)).min(MAX_DELAY);
    let jitter = 0.8 + rand::random::<f64>() * 0.4;
    delay.mul_f64(jitter)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// Worth trying again; the receiver may have said when.
    Retry {
        retry_after: Option<Duration>,
    },
    /// The receiver refused for good (4xx other than 408 and 429).
    Refused,
}

pub fn classify(status: u16, retry_after: Option<&str>, now: DateTime<Utc>) -> Outcome {
    match status {
        200..=299 => Outcome::Delivered,
        408 | 429 | 500..=599 => Outcome::Retry {
            retry_after: retry_after.and_then(|v| parse_retry_after(v, now)),
        },
        // 3xx: we do not follow redirects when posting; the inbox may be back later.
        300..=399 => Outcome::Retry { retry_after: None },
        _ => Outcome::Refused,
    }
}

/// `Retry-After` as seconds or as an HTTP date, at most `MAX_DELAY`.
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    let delay = match value.parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => {
            let at = crate::federation::signatures::parse_http_date(value)?;
            (at - now).to_std().unwrap_or(Duration::ZERO)
        }
    };
    Some(delay.min(MAX_DELAY))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_and_stop_growing_at_six_hours() {
        let base = Duration::from_secs(30);
        let around = |d: Duration, secs: u64| {
            let s = d.as_secs_f64();
            s >= secs as f64 * 0.79 && s <= secs as f64 * 1.21
        };
        assert!(around(retry_delay(1, base), 30));
        assert!(around(retry_delay(2, base), 60));
        assert!(around(retry_delay(5, base), 480));
        assert!(around(retry_delay(20, base), 6 * 3600));
        assert!(retry_delay(1000, base) <= MAX_DELAY.mul_f64(1.2));
    }

    #[test]
    fn answers_are_classified_as_mastodon_does() {
        let now = Utc::now();
        assert_eq!(classify(202, None, now), Outcome::Delivered);
        assert_eq!(classify(410, None, now), Outcome::Refused);
        assert_eq!(classify(401, None, now), Outcome::Refused);
        assert_eq!(
            classify(503, None, now),
            Outcome::Retry { retry_after: None }
        );
        assert_eq!(
            classify(429, Some("120"), now),
            Outcome::Retry {
                retry_after: Some(Duration::from_secs(120))
            }
        );
        assert_eq!(
            classify(408, None, now),
            Outcome::Retry { retry_after: None }
        );
        let later = crate::federation::signatures::http_date(now + chrono::Duration::seconds(90));
        match classify(503, Some(&later), now) {
            Outcome::Retry {
                retry_after: Some(d),
            } => assert!((85..=90).contains(&d.as_secs()), "{d:?}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(parse_retry_after("99999999", now), Some(MAX_DELAY));
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
