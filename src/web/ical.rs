//! `/tags/NAME/chats.ics`: a tag's hashtag chats as an iCalendar feed (RFC 5545)
//! that calendar apps subscribe to. One `VEVENT` per chat not cancelled, with its
//! `RRULE`, starting on the wall clock of its time zone (`DTSTART;TZID=…`), and one
//! `VTIMEZONE` per zone used, written from the time zone database's transitions
//! (chrono-tz has no VTIMEZONE writer; the transitions are found by probing offsets).
//! Lines are escaped and folded at 75 octets as the RFC asks.

use crate::{context::AppContext, services::chats::HostedChat};
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Datelike, Duration, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName};
use std::fmt::Write;

/// `GET /tags/{name}/chats.ics`.
pub async fn feed(
    ctx: web::Data<AppContext>,
    name: web::Path<String>,
) -> Result<HttpResponse, crate::error::Error> {
    let chats = crate::services::chats::on_tag(&ctx, &name).await?;
    let tag = crate::services::tags::normalize(&name).unwrap_or_default();
    let body = calendar(&ctx, &tag, &chats, Utc::now());
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=300"))
        .body(body))
}

/// The calendar of `chats` (cancelled ones left out: a subscribed calendar drops them).
pub fn calendar(ctx: &AppContext, tag: &str, chats: &[HostedChat], now: DateTime<Utc>) -> String {
    let mut out = String::new();
    let mut line = |l: &str| fold_into(&mut out, l);
    line("BEGIN:VCALENDAR");
    line("VERSION:2.0");
    line("PRODID:-//Staffroom//Hashtag chats//EN");
    line("CALSCALE:GREGORIAN");
    line("METHOD:PUBLISH");
    line(&format!("X-WR-CALNAME:{}", escape(&format!("#{tag}"))));
    let live: Vec<&HostedChat> = chats.iter().filter(|c| !c.cancelled()).collect();
    let mut zones: Vec<chrono_tz::Tz> = Vec::new();
    for c in &live {
        if !zones.contains(&c.schedule.tz) {
            zones.push(c.schedule.tz);
        }
    }
    for tz in zones {
        // From the earliest chat in this zone to three years past now or its last end.
        let of_zone = live.iter().filter(|c| c.schedule.tz == tz);
        let from = of_zone
            .clone()
            .map(|c| c.schedule.first)
            .min()
            .unwrap_or(now);
        let to = of_zone
            .map(|c| c.chat.ends_at.unwrap_or(now + Duration::days(3 * 366)))
            .max()
            .unwrap_or(now)
            .max(now + Duration::days(366));
        for l in vtimezone(tz, from - Duration::days(1), to) {
            line(&l);
        }
    }
    for c in live {
        let chat = &c.chat;
        line("BEGIN:VEVENT");
        line(&format!("UID:chat-{}@{}", chat.id, ctx.urls.domain()));
        line(&format!("DTSTAMP:{}", utc(chat.updated_at)));
        line(&format!(
            "DTSTART;TZID={}:{}",
            chat.time_zone,
            chat.starts_local.format("%Y%m%dT%H%M%S")
        ));
        line(&format!("DURATION:PT{}M", chat.duration_minutes));
        if let Some(rule) = &chat.rrule {
            line(&format!("RRULE:{rule}"));
        }
        line(&format!("SUMMARY:{}", escape(&chat.title)));
        let description = if chat.description.is_empty() {
            format!("#{}", chat.tag)
        } else {
            chat.description.clone()
        };
        line(&format!("DESCRIPTION:{}", escape(&description)));
        line(&format!("URL:{}", ctx.urls.chat(chat.id)));
        line(&format!(
            "ORGANIZER;CN={}:{}",
            param(crate::web::posts::shown_name(&c.host)),
            ctx.urls.actor_id(&c.host)
        ));
        line("STATUS:CONFIRMED");
        line("END:VEVENT");
    }
    line("END:VCALENDAR");
    out
}

fn utc(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// TEXT values (RFC 5545 3.3.11): backslash, semicolon, comma and newlines escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A parameter value (3.2): quoted, without the characters a quoted value cannot hold.
fn param(text: &str) -> String {
    let clean: String = text
        .chars()
        .filter(|c| *c != '"' && !c.is_control())
        .collect();
    format!("\"{clean}\"")
}

/// Writes one content line, folded after 75 octets (3.1) without splitting a
/// character, ended by CRLF.
pub fn fold_into(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            // The space that starts a continuation line counts towards its 75.
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

/// `VTIMEZONE` lines for `tz` covering `from` to `to`: one observance per offset
/// change in that span (STANDARD or DAYLIGHT as the database says), or a single
/// STANDARD for a zone without changes then.
fn vtimezone(tz: chrono_tz::Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<String> {
    let offset_at = |t: DateTime<Utc>| tz.offset_from_utc_datetime(&t.naive_utc());
    let seconds = |t: DateTime<Utc>| offset_at(t).fix().local_minus_utc();
    let mut lines = vec!["BEGIN:VTIMEZONE".to_string(), format!("TZID:{}", tz.name())];
    let observe = |lines: &mut Vec<String>, at: DateTime<Utc>, before: i32| {
        let offset = offset_at(at);
        let after = offset.fix().local_minus_utc();
        let kind = if offset.dst_offset().num_seconds() != 0 {
            "DAYLIGHT"
        } else {
            "STANDARD"
        };
        let local: NaiveDateTime = at.naive_utc() + Duration::seconds(i64::from(before));
        lines.push(format!("BEGIN:{kind}"));
        lines.push(format!("DTSTART:{}", local.format("%Y%m%dT%H%M%S")));
        lines.push(format!("TZOFFSETFROM:{}", utc_offset(before)));
        lines.push(format!("TZOFFSETTO:{}", utc_offset(after)));
        if let Some(name) = offset.abbreviation() {
            lines.push(format!("TZNAME:{}", escape(name)));
        }
        lines.push(format!("END:{kind}"));
    };
    // The offset in force at the start, as the first observance.
    let start_offset = seconds(from);
    let start = Utc
        .with_ymd_and_hms(from.year(), from.month(), from.day(), 0, 0, 0)
        .single()
        .unwrap_or(from);
    observe(&mut lines, start, start_offset);
    // Day by day (offsets change at most a few times a year), then to the second.
    let mut day = start;
    let mut current = start_offset;
    let mut steps = 0;
    while day < to && steps < 20 * 366 {
        let next = day + Duration::days(1);
        let next_offset = seconds(next);
        if next_offset != current {
            let (mut lo, mut hi) = (day, next);
            while hi - lo > Duration::seconds(1) {
                let mid = lo + (hi - lo) / 2;
                if seconds(mid) == current {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            observe(&mut lines, hi, current);
            current = next_offset;
        }
        day = next;
        steps += 1;
    }
    lines.push("END:VTIMEZONE".into());
    lines
}

fn utc_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.abs();
    let mut out = format!("{sign}{:02}{:02}", s / 3600, (s % 3600) / 60);
    if s % 60 != 0 {
        let _ = write!(out, "{:02}", s % 60);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_fold_between_characters() {
        let mut out = String::new();
        let text = format!("DESCRIPTION:{}", "ä".repeat(60));
        fold_into(&mut out, &text);
        for l in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(l.len() <= 75, "{l:?} is {} octets", l.len());
        }
        let unfolded = out.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(unfolded, text);
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("a;b,c\\d\ne"), "a\\;b\\,c\\\\d\\ne");
    }

    #[test]
    fn berlin_has_its_two_changes_a_year() {
        let from = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let to = Utc.with_ymd_and_hms(2026, 12, 31, 0, 0, 0).unwrap();
        let lines = vtimezone(chrono_tz::Europe::Berlin, from, to);
        let starts: Vec<&String> = lines.iter().filter(|l| l.starts_with("DTSTART")).collect();
        assert_eq!(
            starts,
            [
                "DTSTART:20260101T010000",
                "DTSTART:20260329T020000",
                "DTSTART:20261025T030000"
            ]
        );
        assert!(lines.contains(&"TZOFFSETTO:+0200".to_string()));
        assert!(lines.contains(&"BEGIN:DAYLIGHT".to_string()));
    }
}
