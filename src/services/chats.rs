//! Hashtag chats: a teacher here hosts a chat on a hashtag (#edchat) at a time, once
//! or recurring by an RFC 5545 `RRULE` in the chat's time zone. The chat is published
//! as an `Event` (federation/activities/event.rs) and on the tag's iCal feed.
//!
//! During an occurrence (its start to its end) the host's posts that begin with
//! `Q1`, `Q2` … and carry the tag are the questions; a reply to a question, or a post
//! carrying the tag that begins with `A1`, `A2` …, is an answer to that question,
//! from whichever server it came. Only posts anyone may read count (public or
//! unlisted, and visible under the visibility rule to someone signed out). Nothing
//! is stored apart from the posts: a transcript is worked out when it is read, so an
//! edited or deleted post is shown as it now is.

use super::events::Outcome;
use crate::{
    context::AppContext,
    db::{
        accounts::Account,
        chats::{self as rows, Chat, ChatForm},
        statuses::Status,
        visibility, AccountId, StatusId,
    },
    error::{Error, ErrorKind, Result},
    federation::activities::event as federate,
};
use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Utc};
use diesel_async::AsyncConnection;
use std::collections::HashMap;

/// What a host fills in (the web form's fields, as typed).
#[derive(Debug, Clone, Default)]
pub struct ChatInput {
    pub title: String,
    pub tag: String,
    pub description: String,
    /// The first start on the time zone's wall clock: `2026-12-03T19:00`.
    pub start: String,
    pub time_zone: String,
    pub duration_minutes: String,
    /// An RRULE value (`FREQ=WEEKLY;BYDAY=TH`), with or without `RRULE:`; empty: once.
    pub rrule: String,
}

pub const MAX_TITLE: usize = 200;
pub const MAX_DESCRIPTION: usize = 2000;
pub const MIN_MINUTES: i32 = 5;
pub const MAX_MINUTES: i32 = 1440;
/// Occurrences a bounded rule (COUNT or UNTIL) may have: 10 years of weekly chats.
pub const MAX_OCCURRENCES: usize = 520;
/// Occurrences looked at when walking a rule without end (about 40 years weekly).
const MAX_STEPS: usize = 2000;

/// One occurrence of a chat: from `start` to `end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Occurrence {
    /// Its name in URLs: the start in UTC, as iCalendar writes it (`20261203T180000Z`).
    pub fn key(&self) -> String {
        self.start.format("%Y%m%dT%H%M%SZ").to_string()
    }

    pub fn parse_key(key: &str) -> Option<DateTime<Utc>> {
        NaiveDateTime::parse_from_str(key, "%Y%m%dT%H%M%SZ")
            .ok()
            .map(|n| n.and_utc())
    }

    pub fn is_on(&self, now: DateTime<Utc>) -> bool {
        self.start <= now && now < self.end
    }
}

/// When a chat happens: its time zone, first start, length and rule.
pub struct Schedule {
    pub tz: chrono_tz::Tz,
    pub first: DateTime<Utc>,
    pub duration: Duration,
    rule: Option<rrule::RRuleSet>,
}

impl Schedule {
    /// The schedule of a stored chat (whose fields were checked when written).
    pub fn of(chat: &Chat) -> Result<Schedule> {
        let (tz, _) = time_zone(&chat.time_zone)?;
        let rule = match &chat.rrule {
            Some(r) => Some(rule_set(r, tz, chat.starts_local)?),
            None => None,
        };
        Ok(Schedule {
            tz,
            first: chat.starts_at,
            duration: Duration::minutes(i64::from(chat.duration_minutes)),
            rule,
        })
    }

    /// Every occurrence in order (at most [`MAX_STEPS`]).
    pub fn occurrences(&self) -> Box<dyn Iterator<Item = Occurrence> + '_> {
        let duration = self.duration;
        let at = move |start: DateTime<Utc>| Occurrence {
            start,
            end: start + duration,
        };
        match &self.rule {
            None => Box::new(std::iter::once(at(self.first))),
            Some(set) => Box::new(
                set.into_iter()
                    .take(MAX_STEPS)
                    .map(move |d| at(d.with_timezone(&Utc))),
            ),
        }
    }

    /// The occurrence under way at `now`, or else the next one.
    pub fn current_or_next(&self, now: DateTime<Utc>) -> Option<Occurrence> {
        self.occurrences().find(|o| o.end > now)
    }

    /// The occurrences that have started by `now`, latest first, at most `n`.
    pub fn started(&self, now: DateTime<Utc>, n: usize) -> Vec<Occurrence> {
        let mut all: Vec<Occurrence> = self.occurrences().take_while(|o| o.start <= now).collect();
        all.reverse();
        all.truncate(n);
        all
    }

    /// The occurrence starting at `start`, if the schedule has one.
    pub fn at(&self, start: DateTime<Utc>) -> Option<Occurrence> {
        self.occurrences()
            .take_while(|o| o.start <= start)
            .find(|o| o.start == start)
    }

    /// When the last occurrence ends (`None`: the rule has no end).
    fn last_end(&self) -> Result<Option<DateTime<Utc>>> {
        let Some(set) = &self.rule else {
            return Ok(Some(self.first + self.duration));
        };
        let bounded = set
            .get_rrule()
            .iter()
            .all(|r| r.get_count().is_some() || r.get_until().is_some());
        if !bounded {
            return Ok(None);
        }
        let all: Vec<_> = set.into_iter().take(MAX_OCCURRENCES + 1).collect();
        if all.len() > MAX_OCCURRENCES {
            return Err(Error::bad_request(format!(
                "the recurrence has more than {MAX_OCCURRENCES} occurrences: lower COUNT or UNTIL, or leave both out for a chat without end"
            )));
        }
        match all.last() {
            Some(last) => Ok(Some(last.with_timezone(&Utc) + self.duration)),
            None => Err(Error::bad_request(
                "the recurrence has no occurrence at all: check BYDAY, COUNT and UNTIL against the start",
            )),
        }
    }
}

fn time_zone(name: &str) -> Result<(chrono_tz::Tz, rrule::Tz)> {
    let tz: chrono_tz::Tz = name.trim().parse().map_err(|_| {
        Error::bad_request(format!(
            "unknown time zone {:?}: use an IANA name such as Europe/Berlin or America/New_York",
            name.trim()
        ))
    })?;
    Ok((tz, rrule::Tz::Tz(tz)))
}

fn rule_set(value: &str, tz: chrono_tz::Tz, start: NaiveDateTime) -> Result<rrule::RRuleSet> {
    let bad = |e: &dyn std::fmt::Display| {
        Error::bad_request(format!("the recurrence rule is not valid RFC 5545: {e}"))
    };
    let rule: rrule::RRule<rrule::Unvalidated> = value.parse().map_err(|e| bad(&e))?;
    use rrule::Frequency::*;
    if matches!(rule.get_freq(), Hourly | Minutely | Secondly) {
        return Err(Error::bad_request(
            "a chat recurs at most daily: use FREQ=DAILY, WEEKLY, MONTHLY or YEARLY",
        ));
    }
    if !rule.get_by_hour().is_empty()
        || !rule.get_by_minute().is_empty()
        || !rule.get_by_second().is_empty()
    {
        return Err(Error::bad_request(
            "BYHOUR, BYMINUTE and BYSECOND are not supported: a chat starts at the time given as its start",
        ));
    }
    let dt_start = rrule::Tz::Tz(tz)
        .from_local_datetime(&start)
        .earliest()
        .ok_or_else(|| Error::bad_request("the start does not exist in that time zone"))?;
    rule.build(dt_start).map_err(|e| bad(&e))
}

/// The RRULE as stored: upper case, without `RRULE:`, only the characters a rule has.
fn normalize_rule(value: &str) -> Result<Option<String>> {
    let value = value.trim();
    let value = value
        .strip_prefix("RRULE:")
        .or_else(|| value.strip_prefix("rrule:"))
        .unwrap_or(value)
        .trim()
        .to_ascii_uppercase();
    if value.is_empty() {
        return Ok(None);
    }
    if value.len() > 500
        || !value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "=;,+-".contains(c))
    {
        return Err(Error::bad_request(
            "the recurrence rule is not valid RFC 5545: write it as FREQ=WEEKLY;BYDAY=TH;COUNT=10 (letters, digits, = ; , + - only)",
        ));
    }
    Ok(Some(value))
}

/// Checks what a host typed and turns it into a row.
pub fn validate(input: &ChatInput) -> Result<ChatForm> {
    let title = input.title.trim().to_string();
    if title.is_empty() || title.chars().count() > MAX_TITLE {
        return Err(Error::bad_request(format!(
            "a chat needs a title of 1 to {MAX_TITLE} characters"
        )));
    }
    let tag = super::tags::normalize(&input.tag)
        .ok_or_else(|| Error::bad_request(format!("{:?} is not a hashtag", input.tag.trim())))?;
    let description = input.description.trim().to_string();
    if description.chars().count() > MAX_DESCRIPTION {
        return Err(Error::bad_request(format!(
            "the description is longer than {MAX_DESCRIPTION} characters"
        )));
    }
    let (tz, _) = time_zone(&input.time_zone)?;
    let start = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(input.start.trim(), f).ok())
        .ok_or_else(|| {
            Error::bad_request(format!(
                "the start {:?} is not a date and time like 2026-12-03T19:00",
                input.start.trim()
            ))
        })?;
    let starts_at = match tz.from_local_datetime(&start) {
        chrono::LocalResult::Single(t) => t,
        // The hour the clocks go back happens twice: the first is meant.
        chrono::LocalResult::Ambiguous(first, _) => first,
        chrono::LocalResult::None => {
            return Err(Error::bad_request(format!(
                "{start} does not exist in {} (the clocks change then): choose another time",
                tz.name()
            )))
        }
    }
    .with_timezone(&Utc);
    let duration_minutes: i32 = input.duration_minutes.trim().parse().map_err(|_| {
        Error::bad_request(format!(
            "the duration is a number of minutes ({MIN_MINUTES} to {MAX_MINUTES})"
        ))
    })?;
    if !(MIN_MINUTES..=MAX_MINUTES).contains(&duration_minutes) {
        return Err(Error::bad_request(format!(
            "a chat lasts {MIN_MINUTES} to {MAX_MINUTES} minutes"
        )));
    }
    let rrule = normalize_rule(&input.rrule)?;
    let rule = match &rrule {
        Some(r) => Some(rule_set(r, tz, start)?),
        None => None,
    };
    let schedule = Schedule {
        tz,
        first: starts_at,
        duration: Duration::minutes(i64::from(duration_minutes)),
        rule,
    };
    let ends_at = schedule.last_end()?;
    Ok(ChatForm {
        title,
        tag,
        description,
        starts_local: start,
        time_zone: tz.name().to_string(),
        starts_at,
        duration_minutes,
        rrule,
        ends_at,
    })
}

/// A chat with its host and schedule, as pages and the federation read it.
pub struct HostedChat {
    pub chat: Chat,
    pub host: Account,
    pub schedule: Schedule,
}

impl HostedChat {
    fn of(chat: Chat, host: Account) -> Result<HostedChat> {
        let schedule = Schedule::of(&chat)?;
        Ok(HostedChat {
            chat,
            host,
            schedule,
        })
    }

    pub fn cancelled(&self) -> bool {
        self.chat.cancelled_at.is_some()
    }

    /// The occurrence an `Event` announces: the one under way or next, else the last.
    pub fn announced(&self, now: DateTime<Utc>) -> Occurrence {
        self.schedule
            .current_or_next(now)
            .or_else(|| self.schedule.started(now, 1).pop())
            .unwrap_or(Occurrence {
                start: self.schedule.first,
                end: self.schedule.first + self.schedule.duration,
            })
    }
}

/// A teacher of ours (not a group) hosts chats.
fn may_host(account: &Account) -> Result<()> {
    if !account.is_local() || account.actor_type == "Group" {
        return Err(Error::new(
            ErrorKind::Forbidden,
            "only a teacher's account here can host a chat",
        ));
    }
    Ok(())
}

/// Schedules a chat and publishes it (`Create{Event}` to the host's followers).
#[tracing::instrument(skip_all, fields(host = %host.username))]
pub async fn create(ctx: &AppContext, host: &Account, input: &ChatInput) -> Result<Chat> {
    may_host(host)?;
    let form = validate(input)?;
    let mut conn = ctx.pool.get().await?;
    let (chat, outcome) = conn
        .transaction::<_, Error, _>(async |conn| {
            let chat = Chat::insert(conn, crate::db::new_id(), host.id, &form).await?;
            let hosted = HostedChat::of(chat.clone(), host.clone())?;
            let sent = federate::send(conn, ctx, &hosted, "Create").await?;
            Ok((chat, Outcome::none().delivering(sent)))
        })
        .await?;
    ctx.dispatch(outcome);
    tracing::info!(chat = chat.id, tag = %chat.tag, "chat scheduled");
    Ok(chat)
}

/// The chat `id` when `host` hosts it; refused otherwise.
async fn hosted_by(ctx: &AppContext, host: &Account, id: i64) -> Result<HostedChat> {
    let chat = find(ctx, id).await?;
    if chat.host.id != host.id {
        return Err(Error::new(
            ErrorKind::Forbidden,
            "only the chat's host can change it",
        ));
    }
    Ok(chat)
}

/// Changes a chat (every field again) and sends its `Update`.
#[tracing::instrument(skip_all, fields(host = %host.username, chat = id))]
pub async fn update(ctx: &AppContext, host: &Account, id: i64, input: &ChatInput) -> Result<Chat> {
    let current = hosted_by(ctx, host, id).await?;
    if current.cancelled() {
        return Err(Error::bad_request("a cancelled chat cannot be changed"));
    }
    let form = validate(input)?;
    let mut conn = ctx.pool.get().await?;
    let (chat, outcome) = conn
        .transaction::<_, Error, _>(async |conn| {
            let chat = Chat::update(conn, id, &form).await?;
            let hosted = HostedChat::of(chat.clone(), host.clone())?;
            let sent = federate::send(conn, ctx, &hosted, "Update").await?;
            Ok((chat, Outcome::none().delivering(sent)))
        })
        .await?;
    ctx.dispatch(outcome);
    tracing::info!(chat = chat.id, "chat changed");
    Ok(chat)
}

/// Cancels a chat and sends its `Delete`. Transcripts of occurrences that took place
/// stay readable.
#[tracing::instrument(skip_all, fields(host = %host.username, chat = id))]
pub async fn cancel(ctx: &AppContext, host: &Account, id: i64) -> Result<()> {
    let current = hosted_by(ctx, host, id).await?;
    if current.cancelled() {
        return Ok(());
    }
    let mut conn = ctx.pool.get().await?;
    let outcome = conn
        .transaction::<_, Error, _>(async |conn| {
            let chat = Chat::cancel(conn, id).await?;
            let hosted = HostedChat::of(chat, host.clone())?;
            let sent = federate::send_delete(conn, ctx, &hosted).await?;
            Ok(Outcome::none().delivering(sent))
        })
        .await?;
    ctx.dispatch(outcome);
    tracing::info!(chat = id, "chat cancelled");
    Ok(())
}

pub async fn find(ctx: &AppContext, id: i64) -> Result<HostedChat> {
    let mut conn = ctx.pool.get().await?;
    let (chat, host) = Chat::find_with_host(&mut conn, id)
        .await?
        .ok_or_else(|| Error::not_found("no such chat"))?;
    HostedChat::of(chat, host)
}

/// A host's chats, newest first.
pub async fn of_host(ctx: &AppContext, host: &Account) -> Result<Vec<HostedChat>> {
    let mut conn = ctx.pool.get().await?;
    Chat::of_host(&mut conn, host.id)
        .await?
        .into_iter()
        .map(|c| HostedChat::of(c, host.clone()))
        .collect()
}

/// The chats on a tag (its iCal feed), newest first.
pub async fn on_tag(ctx: &AppContext, tag: &str) -> Result<Vec<HostedChat>> {
    let tag = super::tags::normalize(tag).ok_or_else(|| Error::not_found("no such hashtag"))?;
    let mut conn = ctx.pool.get().await?;
    Chat::on_tag(&mut conn, &tag)
        .await?
        .into_iter()
        .map(|(c, h)| HostedChat::of(c, h))
        .collect()
}

/// The next chats here (under way or to come), soonest first, at most `n`.
pub async fn upcoming(ctx: &AppContext, n: usize) -> Result<Vec<(HostedChat, Occurrence)>> {
    let now = Utc::now();
    let mut conn = ctx.pool.get().await?;
    let mut next: Vec<(HostedChat, Occurrence)> = Chat::not_over(&mut conn, now)
        .await?
        .into_iter()
        .filter_map(|(c, h)| HostedChat::of(c, h).ok())
        .filter(|c| c.host.suspended_at.is_none())
        .filter_map(|c| c.schedule.current_or_next(now).map(|o| (c, o)))
        .collect();
    next.sort_by_key(|(c, o)| (o.start, c.chat.id));
    next.truncate(n);
    Ok(next)
}

/// Whether posts carrying one of `tags` belong to a chat here (they are kept when
/// they arrive though nobody here follows their author).
pub async fn is_chat_tag(
    conn: &mut diesel_async::AsyncPgConnection,
    tags: &[String],
) -> Result<bool> {
    Ok(Chat::any_on(conn, tags).await?)
}

/// What a post's text begins with, after any mentions: `Q3` → `('Q', 3)`.
pub fn marker(text: &str) -> Option<(char, u32)> {
    let mut rest = text.trim_start();
    // Replies begin with the mentions of those replied to (`@ada@school.example A1 …`).
    while let Some(after) = rest.strip_prefix('@') {
        let end = after.find(char::is_whitespace).unwrap_or(after.len());
        rest = after[end..].trim_start();
    }
    let mut chars = rest.chars();
    let letter = chars.next()?.to_ascii_uppercase();
    if letter != 'Q' && letter != 'A' {
        return None;
    }
    let digits: String = chars.clone().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() || digits.len() > 3 {
        return None;
    }
    // "Q1", "Q1:", "Q1." but not "Q1x" or "Q10k".
    if chars
        .nth(digits.len())
        .is_some_and(|c| c.is_alphanumeric() || c == '_')
    {
        return None;
    }
    Some((letter, digits.parse().ok()?))
}

fn plain_text(status: &Status) -> String {
    match &status.text {
        Some(text) if status.local => text.clone(),
        _ => crate::content::html_to_text(&status.content),
    }
}

/// One question of an occurrence, with its answers, oldest first.
pub struct Question {
    pub number: u32,
    pub post: StatusId,
    pub answers: Vec<StatusId>,
}

/// What an occurrence was made of: its questions in order, the posts (by id, for
/// rendering), and who took part (the host first, then by first answer).
pub struct Transcript {
    pub occurrence: Occurrence,
    pub questions: Vec<Question>,
    pub posts: HashMap<StatusId, Status>,
    pub participants: Vec<AccountId>,
    /// The authors of `posts`.
    pub accounts: HashMap<AccountId, Account>,
}

/// The chat `id` and its occurrence named `key` (see [`Occurrence::key`]), which must
/// have started.
pub async fn occurrence(ctx: &AppContext, id: i64, key: &str) -> Result<(HostedChat, Occurrence)> {
    let chat = find(ctx, id).await?;
    let occurrence = Occurrence::parse_key(key)
        .and_then(|start| chat.schedule.at(start))
        .filter(|o| o.start <= Utc::now())
        .ok_or_else(|| Error::not_found("the chat has no such occurrence (yet)"))?;
    Ok((chat, occurrence))
}

/// Groups the posts of one occurrence of `chat` into questions and answers.
pub async fn transcript(
    ctx: &AppContext,
    chat: &HostedChat,
    occurrence: Occurrence,
) -> Result<Transcript> {
    let mut conn = ctx.pool.get().await?;
    let tag = &chat.chat.tag;
    let (from, to) = (occurrence.start, occurrence.end);
    let tagged = rows::tagged_between(&mut conn, tag, from, to).await?;
    // The host's Qn posts; a number asked twice keeps its first.
    let mut questions: Vec<Question> = Vec::new();
    for s in tagged.iter().filter(|s| s.account_id == chat.host.id) {
        if let Some(('Q', n)) = marker(&plain_text(s)) {
            if !questions.iter().any(|q| q.number == n) {
                questions.push(Question {
                    number: n,
                    post: s.id,
                    answers: Vec::new(),
                });
            }
        }
    }
    let question_ids: Vec<StatusId> = questions.iter().map(|q| q.post).collect();
    let replies = rows::replies_to(&mut conn, &question_ids, to).await?;
    let mut candidates: Vec<Status> = tagged;
    for r in replies {
        if !candidates.iter().any(|c| c.id == r.id) {
            candidates.push(r);
        }
    }
    // Only what anyone may read: the visibility rule for someone signed out.
    let ids: Vec<StatusId> = candidates.iter().map(|s| s.id).collect();
    let visible: std::collections::HashSet<StatusId> =
        visibility::visible_ids(&mut conn, None, &ids)
            .await?
            .into_iter()
            .collect();
    candidates.retain(|s| visible.contains(&s.id));
    questions.retain(|q| visible.contains(&q.post));
    candidates.sort_by_key(|s| (s.created_at, s.id));
    let mut participants: Vec<AccountId> = vec![chat.host.id];
    for s in &candidates {
        if questions.iter().any(|q| q.post == s.id) {
            continue;
        }
        let replied = s
            .in_reply_to_id
            .and_then(|p| questions.iter().position(|q| q.post == p));
        let marked = match marker(&plain_text(s)) {
            Some(('A', n)) if s.created_at >= from => questions.iter().position(|q| q.number == n),
            _ => None,
        };
        // A reply to a question answers it, whatever it begins with.
        if let Some(i) = replied.or(marked) {
            questions[i].answers.push(s.id);
            if !participants.contains(&s.account_id) {
                participants.push(s.account_id);
            }
        }
    }
    questions.sort_by_key(|q| q.number);
    // Only the posts shown: the questions and their answers.
    let shown: std::collections::HashSet<StatusId> = questions
        .iter()
        .flat_map(|q| std::iter::once(q.post).chain(q.answers.iter().copied()))
        .collect();
    candidates.retain(|s| shown.contains(&s.id));
    let authors: Vec<AccountId> = candidates.iter().map(|s| s.account_id).collect();
    let mut accounts: HashMap<AccountId, Account> = Account::find_many(&mut conn, &authors)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    accounts.insert(chat.host.id, chat.host.clone());
    let posts = candidates.into_iter().map(|s| (s.id, s)).collect();
    Ok(Transcript {
        occurrence,
        questions,
        posts,
        participants,
        accounts,
    })
}

/// The transcript's posts as `viewer` sees them (filters are not applied: a chat's
/// page shows the conversation as it was), by id.
pub async fn views(
    ctx: &AppContext,
    t: &Transcript,
    viewer: Option<&Account>,
) -> Result<HashMap<StatusId, super::status_views::StatusView>> {
    let mut conn = ctx.pool.get().await?;
    let mut posts: Vec<Status> = t.posts.values().cloned().collect();
    posts.sort_by_key(|s| s.id);
    Ok(super::status_views::views(&mut conn, posts, viewer)
        .await?
        .into_iter()
        .map(|v| (v.status.id, v))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(start: &str, rrule: &str) -> ChatInput {
        ChatInput {
            title: "Edchat".into(),
            tag: "#EdChat".into(),
            description: "".into(),
            start: start.into(),
            time_zone: "Europe/Berlin".into(),
            duration_minutes: "60".into(),
            rrule: rrule.into(),
        }
    }

    #[test]
    fn markers_are_read_after_mentions() {
        assert_eq!(marker("Q1: what do you teach? #edchat"), Some(('Q', 1)));
        assert_eq!(marker("  q12 . #edchat"), Some(('Q', 12)));
        assert_eq!(marker("@ada@school.example @bo A2 maths"), Some(('A', 2)));
        assert_eq!(marker("A3"), Some(('A', 3)));
        assert_eq!(marker("Q1x"), None);
        assert_eq!(marker("Quick one"), None);
        assert_eq!(marker("I think A1"), None);
    }

    #[test]
    fn weekly_rule_keeps_the_wall_clock_across_daylight_saving() {
        let form = validate(&input("2026-10-22T19:00", "RRULE:FREQ=WEEKLY;COUNT=3")).unwrap();
        assert_eq!(form.tag, "edchat");
        assert_eq!(form.rrule.as_deref(), Some("FREQ=WEEKLY;COUNT=3"));
        let chat = Chat {
            id: 1,
            host_id: AccountId(1),
            title: form.title,
            tag: form.tag,
            description: form.description,
            starts_local: form.starts_local,
            time_zone: form.time_zone,
            starts_at: form.starts_at,
            duration_minutes: form.duration_minutes,
            rrule: form.rrule,
            ends_at: form.ends_at,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            cancelled_at: None,
        };
        let starts: Vec<String> = Schedule::of(&chat)
            .unwrap()
            .occurrences()
            .map(|o| o.key())
            .collect();
        // 19:00 in Berlin: CEST (UTC+2), then CET (UTC+1) after 25 October.
        assert_eq!(
            starts,
            ["20261022T170000Z", "20261029T180000Z", "20261105T180000Z"]
        );
        assert_eq!(
            form.ends_at.unwrap().to_rfc3339(),
            "2026-11-05T19:00:00+00:00"
        );
    }

    #[test]
    fn rules_without_end_and_bad_input_are_told_apart() {
        let open = validate(&input(
            "2026-12-03T19:00",
            "FREQ=DAILY;INTERVAL=2;BYDAY=MO,TH",
        ))
        .unwrap();
        assert_eq!(open.ends_at, None);
        let until = validate(&input(
            "2026-12-03T19:00",
            "FREQ=WEEKLY;UNTIL=20261231T235959Z",
        ))
        .unwrap();
        assert_eq!(
            until.ends_at.unwrap().to_rfc3339(),
            "2026-12-31T19:00:00+00:00"
        );
        for (rule, says) in [
            ("FREQ=HOURLY", "at most daily"),
            ("FREQ=FORTNIGHTLY", "not valid RFC 5545"),
            ("FREQ=WEEKLY;BYDAY=XX", "not valid RFC 5545"),
            ("FREQ=WEEKLY;COUNT=5000", "more than 520"),
            ("FREQ=WEEKLY\nDTSTART:2020", "not valid RFC 5545"),
        ] {
            let e = validate(&input("2026-12-03T19:00", rule)).unwrap_err();
            assert!(e.to_string().contains(says), "{rule}: {e}");
        }
        let mut bad = input("2026-12-03T19:00", "");
        bad.time_zone = "Mars/Olympus".into();
        assert!(validate(&bad).unwrap_err().to_string().contains("IANA"));
        let gap = validate(&input("2026-03-29T02:30", "")).unwrap_err();
        assert!(gap.to_string().contains("does not exist"), "{gap}");
    }
}
