"""Reads an iCalendar feed on stdin with icalendar (a parser we did not write),
expands each VEVENT's RRULE from its DTSTART with dateutil, and prints JSON:
one object per event with its UID, SUMMARY, DESCRIPTION, URL, duration in
minutes, time zone and occurrences (UTC, ISO 8601), at most 60 each."""
import itertools
import json
import sys
from datetime import timezone

from dateutil.rrule import rrulestr
from icalendar import Calendar

raw = sys.stdin.buffer.read()
calendar = Calendar.from_ical(raw)
events = []
for event in calendar.walk("VEVENT"):
    start = event.decoded("DTSTART")
    if event.get("DURATION") is not None:
        duration = event.decoded("DURATION")
    else:
        duration = event.decoded("DTEND") - start
    rule = event.get("RRULE")
    if rule is None:
        starts = [start]
    else:
        starts = list(itertools.islice(rrulestr(rule.to_ical().decode(), dtstart=start), 60))
    events.append({
        "uid": str(event["UID"]),
        "summary": str(event["SUMMARY"]),
        "description": str(event.get("DESCRIPTION", "")),
        "url": str(event.get("URL", "")),
        "minutes": int(duration.total_seconds() // 60),
        "tzid": event["DTSTART"].params.get("TZID"),
        "occurrences": [s.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") for s in starts],
    })
print(json.dumps({"timezones": [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")], "events": events}))
