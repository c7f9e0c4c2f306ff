"""Reminder settings and actions: what /remind, /timezone, /pause … and the buttons do.

Every method takes the caller, changes the store in one transaction and returns a neutral
``Reply``. Bad input gets a friendly reply and changes nothing.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.catalogue import Catalogue
from bot.core.chat import CommandInfo, expired
from bot.core.clock import Clock
from bot.core.replies import Button, Menu, Reply
from bot.core.router import Caller
from bot.core.schedule import (
    DAY_NAMES,
    DEFAULT_DAILY_AT,
    DEFAULT_INTERVAL,
    INTERVAL_CHOICES,
    KINDS,
    InputError,
    Rule,
    UnknownZone,
    Window,
    canonical_zone_name,
    describe_days,
    end_of_local_day,
    next_due,
    parse_clock,
    parse_days,
    parse_duration,
    parse_hours,
    resolve_zone,
    stored_rule,
    stored_window,
    whole_number,
    zone_from_name,
)
from bot.reminders import proposal as proposals
from bot.reminders.plain import understand
from bot.reminders.stats import tally
from bot.reminders.texts import KIND_LABELS, SNOOZE_MINUTES, Part, combined_reply
from bot.storage.models import Delivery, Subscriber, Subscription
from bot.storage.store import ReminderStore

SECTION = "Reminders"
COMMANDS = (
    CommandInfo("remind", "Reminder settings: posture, water, stretch, daily tip", SECTION),
    CommandInfo("reminders", "What is on and when it comes next", SECTION),
    CommandInfo("timezone", "Set your time zone, e.g. /timezone Europe/Berlin", SECTION),
    CommandInfo("hours", "Active hours, e.g. /hours 09:00-18:00", SECTION),
    CommandInfo("days", "Active days, e.g. /days mon-fri", SECTION),
    CommandInfo("pause", "Pause reminders: /pause 2h, today or tomorrow", SECTION),
    CommandInfo("resume", "Resume reminders now", SECTION),
    CommandInfo("stop", "Turn all reminders off (settings are kept)", SECTION),
    CommandInfo("stats", "Breaks done today and this week, your streak", SECTION),
    CommandInfo("forget", "Delete everything stored about you", SECTION),
)
DAILY_CHOICES = (time(7, 0), time(8, 0), time(8, 30), time(9, 0), time(12, 0), time(18, 0), time(20, 0))
KIND_WORDS = {"posture": "posture", "break": "posture", "breaks": "posture", "water": "water", "drink": "water",
              "stretch": "stretch", "stretching": "stretch", "tip": "daily", "daily": "daily", "tips": "daily"}
PRIVATE_ONLY = "Reminders are personal, so I set them up in a private chat. Message me directly and send /remind."
DONE_VALID = timedelta(hours=24)
SNOOZE_VALID = timedelta(hours=3)
ASK_ZONE = ("What's your time zone? Until you tell me I use UTC. Send for example /timezone Europe/Berlin, "
            "/timezone Berlin or /timezone +05:30.")


def fmt_time(value: time) -> str:
    return value.strftime("%H:%M")


def fmt_when(zone: tzinfo, moment: datetime, now: datetime) -> str:
    """A moment as the user reads it: "today 10:30", "tomorrow 00:00", "Wed 25 Nov 09:00"."""
    local = moment.astimezone(zone)
    today = now.astimezone(zone).date()
    if local.date() == today:
        return f"today {local:%H:%M}"
    if local.date() == today + timedelta(days=1):
        return f"tomorrow {local:%H:%M}"
    return f"{local:%a %d %b %H:%M}"


def pause_until(zone: tzinfo, now: datetime, word: str) -> datetime:
    """When a pause of ``word`` (what /pause takes: today, tomorrow, 2h, 30m) ends."""
    if word == "today":
        return end_of_local_day(zone, now, 0)
    if word == "tomorrow":
        return end_of_local_day(zone, now, 1)
    if word:
        return now + parse_duration(word)
    raise InputError("How long? Try /pause 2h, /pause 30m, /pause today or /pause tomorrow.")


def private_chat(caller: Caller) -> str | None:
    """The caller's private chat, where their own reminders go; None when they write in a group
    (a person's reminders never move to a group because they pressed something there)."""
    return caller.chat_id if caller.private else None


async def reschedule(store: ReminderStore, session: AsyncSession, subscriber: Subscriber,
                     now: datetime) -> list[Subscription]:
    """Recompute every subscription's next due time from the subscriber's current settings
    (a person's, a group's or a channel's): nothing while off, stopped or unreachable."""
    subs = await store.subscriptions(session, subscriber.id)
    zone = zone_from_name(subscriber.timezone)
    window = user_window(subscriber)
    start_after = max(now, subscriber.paused_until) if subscriber.paused_until else now
    for sub in subs:
        if sub.enabled and not subscriber.stopped and not subscriber.blocked:
            sub.next_due_at = next_due(rule_of(sub), window, zone, start_after,
                                       phase=timedelta(seconds=subscriber.phase_seconds or 0))
            sub.last_error = None
        else:
            sub.next_due_at = None
    return subs


async def subscription_of(store: ReminderStore, session: AsyncSession, subscriber: Subscriber,
                          kind: str) -> Subscription:
    """The subscriber's reminder of ``kind``, created switched off with the defaults if new."""
    for sub in await store.subscriptions(session, subscriber.id):
        if sub.kind == kind:
            return sub
    sub = Subscription(subscriber_id=subscriber.id, kind=kind, enabled=False, attempts=0, shown_tips="",
                       interval_minutes=DEFAULT_INTERVAL.get(kind),
                       at_time=fmt_time(DEFAULT_DAILY_AT) if kind == "daily" else None)
    session.add(sub)
    await session.flush()
    return sub


def settings_menu() -> Menu:
    """Every interval and daily time on offer, to pick one directly (where menus exist)."""
    options = [Button(f"{KIND_LABELS[kind]}: every {minutes} min", f"r:v:{kind}:{minutes}")
               for kind in KINDS if kind != "daily" for minutes in INTERVAL_CHOICES[kind]]
    options += [Button(f"{KIND_LABELS['daily']}: at {fmt_time(at)}", f"r:v:daily:{at:%H%M}") for at in DAILY_CHOICES]
    return Menu("Set an interval or a time…", tuple(options))


def user_window(user: Subscriber) -> Window:
    return stored_window(user.window_start, user.window_end, user.days)


def rule_of(sub: Subscription) -> Rule:
    return stored_rule(sub.kind, sub.interval_minutes, sub.at_time)


class ReminderService:
    def __init__(self, store: ReminderStore, catalogue: Catalogue, clock: Clock) -> None:
        self.store = store
        self.catalogue = catalogue
        self.clock = clock

    commands = COMMANDS

    def handles(self, name: str) -> bool:
        return any(c.name == name for c in COMMANDS)

    # -- helpers -----------------------------------------------------------------
    def _local(self, user: Subscriber, moment: datetime) -> datetime:
        return moment.astimezone(zone_from_name(user.timezone))

    def _fmt_local(self, user: Subscriber, moment: datetime, now: datetime) -> str:
        return fmt_when(zone_from_name(user.timezone), moment, now)

    async def _reschedule(self, session: AsyncSession, user: Subscriber, now: datetime) -> list[Subscription]:
        return await reschedule(self.store, session, user, now)

    async def _subscription(self, session: AsyncSession, user: Subscriber, kind: str) -> Subscription:
        return await subscription_of(self.store, session, user, kind)

    async def _first_subscription(self, session: AsyncSession, user: Subscriber) -> bool:
        """No zone set and nothing switched on yet: the moment to ask for the time zone."""
        return user.timezone is None and not any(s.enabled for s in await self.store.subscriptions(session, user.id))

    async def _user(self, session: AsyncSession, caller: Caller, now: datetime) -> Subscriber:
        user = await self.store.get_or_create_user(session, caller.platform, caller.user_id, caller.chat_id, now)
        await self._talking_again(session, user, private_chat(caller), now)
        return user

    async def _talking_again(self, session: AsyncSession, user: Subscriber, chat_id: str | None, now: datetime) -> None:
        """The user is talking to us: note a new chat, and if they had blocked the bot, unblock them.

        Blocking made the dispatcher mark the user and unschedule every reminder, so unblocking puts
        the ones that are on back on schedule (a stop or a pause still holds)."""
        if chat_id is not None and user.chat_id != chat_id:
            user.chat_id = chat_id
        if not user.blocked:
            return
        user.blocked = False
        user.blocked_reason = None
        try:
            await self._reschedule(session, user, now)
        except UnknownZone:
            pass  # nothing can be scheduled until /timezone sets a zone again, and that reschedules

    def _status_line(self, user: Subscriber, now: datetime) -> str:
        zone = canonical_zone_name(user.timezone) if user.timezone else "UTC (not set yet)"
        window = user_window(user)
        line = (f"Time zone {zone}, active {fmt_time(window.start)}-{fmt_time(window.end)}, "
                f"{describe_days(window.days)}.")
        if user.stopped:
            line += "\nAll reminders are stopped; /resume turns them back on."
        elif user.paused_until and user.paused_until > now:
            line += f"\nPaused until {self._fmt_local(user, user.paused_until, now)}; /resume to restart now."
        return line

    def _describe(self, sub: Subscription, user: Subscriber, now: datetime) -> str:
        label = KIND_LABELS[sub.kind]
        how = f"at {sub.at_time}" if sub.kind == "daily" else f"every {sub.interval_minutes} min"
        if not sub.enabled:
            return f"{label}: off"
        if sub.next_due_at is None:
            if sub.last_error:  # parked by the dispatcher after an error with this reminder alone
                return (f"{label}: {how}, stopped after an error on my side. Send /remind {sub.kind} on "
                        "to start it again, or /timezone to set your time zone again.")
            return f"{label}: {how}, not scheduled"
        return f"{label}: {how}, next {self._fmt_local(user, sub.next_due_at, now)}"

    # -- commands ------------------------------------------------------------------
    async def command(self, caller: Caller, name: str, args: str) -> Reply:
        if not caller.private:
            return Reply(text=PRIVATE_ONLY)
        try:
            handler = {
                "remind": self.remind, "reminders": self.list_active, "timezone": self.set_timezone,
                "hours": self.set_hours, "days": self.set_days, "pause": self.pause, "resume": self.resume,
                "stop": self.stop, "stats": self.stats, "forget": self.forget,
            }[name]
            return await handler(caller, args.strip())
        except InputError as exc:
            return Reply(text=str(exc))

    async def panel(self, caller: Caller, notice: str | None = None, intro: str = "") -> Reply:
        now = self.clock.now()
        async with self.store.session() as session, session.begin():
            user = await self._user(session, caller, now)
            subs = {s.kind: s for s in await self.store.subscriptions(session, user.id)}
            lines = []
            rows: list[tuple[Button, ...]] = []
            for kind in KINDS:
                sub = subs.get(kind)
                on = bool(sub and sub.enabled)
                lines.append(self._describe(sub, user, now) if sub else f"{KIND_LABELS[kind]}: off")
                if kind == "daily":
                    value = (sub.at_time if sub and sub.at_time else fmt_time(DEFAULT_DAILY_AT))
                    setting = Button(f"at {value} ▸", "r:i:daily")
                else:
                    minutes = sub.interval_minutes if sub and sub.interval_minutes else DEFAULT_INTERVAL[kind]
                    setting = Button(f"every {minutes} min ▸", f"r:i:{kind}")
                rows.append((Button(f"{'✅' if on else '⬜'} {KIND_LABELS[kind]}", f"r:t:{kind}"), setting))
            text = (intro + "\n\n" if intro else "") + "\n".join(lines) + "\n\n" + self._status_line(user, now)
            text += "\n\nTap a reminder to switch it on or off, tap its setting to change it."
        return Reply(text=text, title="Your reminders", buttons=tuple(rows), notice=notice, menus=(settings_menu(),))

    async def remind(self, caller: Caller, args: str) -> Reply:
        if not args:
            return await self.panel(caller)
        words = args.lower().split()
        kind = KIND_WORDS.get(words[0])
        if kind is None or len(words) > 3:
            raise InputError("I didn't get that. Try /remind water every 60m, /remind tip at 08:30, "
                             "/remind posture off, or just /remind for the settings panel.")
        rest = words[1:]
        now = self.clock.now()
        async with self.store.session() as session, session.begin():
            user = await self._user(session, caller, now)
            sub = await self._subscription(session, user, kind)
            first_time = await self._first_subscription(session, user)
            if rest in (["off"], ["stop"]):
                sub.enabled = False
            elif rest in ([], ["on"]):
                sub.enabled = True
            elif kind == "daily" and len(rest) == 2 and rest[0] == "at":
                sub.at_time = fmt_time(parse_clock(rest[1]))
                sub.enabled = True
            elif kind != "daily" and len(rest) == 2 and rest[0] == "every":
                sub.interval_minutes = self._parse_interval(kind, rest[1])
                sub.enabled = True
            else:
                example = "/remind tip at 08:30" if kind == "daily" else f"/remind {kind} every 30m"
                raise InputError(f"I didn't get that. Try {example} or /remind {words[0]} off.")
            if sub.enabled:
                user.stopped = False
            subs = await self._reschedule(session, user, now)
            changed = next(s for s in subs if s.kind == kind)
            summary = self._describe(changed, user, now)
            ask = f"\n\n{ASK_ZONE}" if first_time and sub.enabled else ""
        return Reply(text=f"Saved. {summary}.{ask}")

    @staticmethod
    def _parse_interval(kind: str, text: str) -> int:
        choices = INTERVAL_CHOICES[kind]
        allowed = ", ".join(str(c) for c in choices)
        raw = text.lower().removesuffix("min").removesuffix("m")
        if not whole_number(raw) or int(raw) not in choices:
            raise InputError(f"{text[:12]!r} isn't an interval I offer for {KIND_LABELS[kind].lower()}. "
                             f"Pick one of {allowed} minutes, e.g. /remind {kind} every {choices[1]}m.")
        return int(raw)

    async def set_timezone(self, caller: Caller, args: str) -> Reply:
        if not args:
            raise InputError("Send your time zone with the command, e.g. /timezone Europe/Berlin, "
                             "/timezone Berlin or /timezone +05:30.")
        name, zone = resolve_zone(args)
        now = self.clock.now()
        async with self.store.session() as session, session.begin():
            user = await self._user(session, caller, now)
            user.timezone = name
            await self._reschedule(session, user, now)
        local = now.astimezone(zone)
        return Reply(text=f"Time zone set to {name}. Your local time is {local:%H:%M} ({local:%a %d %b}). "
                          "Reminders follow it from now on.")

    async def set_hours(self, caller: Caller, args: str) -> Reply:
        start, end = parse_hours(args)
        now = self.clock.now()
        async with self.store.session() as session, session.begin():
            user = await self._user(session, caller, now)
            user.window_start, user.window_end = fmt_time(start), fmt_time(end)
            await self._reschedule(session, user, now)
        overnight = " (crossing midnight)" if end <= start else ""
        return Reply(text=f"Active hours set to {fmt_time(start)}-{fmt_time(end)}{overnight}. Posture, water and "
                          "stretch reminders come only inside them.")

    async def set_days(self, caller: Caller, args: str) -> Reply:
        if not args:
            raise InputError("Send the days with the command, e.g. /days mon-fri or /days every day.")
        days = parse_days(args)
        now = self.clock.now()
        async with self.store.session() as session, session.begin():
            user = await self._user(session, caller, now)
            user.days = "".join(str(d) for d in sorted(days))
            await self._reschedule(session, user, now)
        return Reply(text=f"Active days set to {describe_days(days)}.")

    async def pause(self, caller: Caller, args: str) -> Reply:
        word = args.lower()
        now = self.clock.now()
        async with self.store.session() as session, session.begin():
            user = await self._user(session, caller, now)
            until = pause_until(zone_from_name(user.timezone), now, word)
            user.paused_until = until
            await self._reschedule(session, user, now)
            when = self._fmt_local(user, until, now)
        return Reply(text=f"Paused until {when}. Reminders restart by themselves then; /resume restarts them now.")

    async def resume(self, caller: Caller, args: str) -> Reply:
        now = self.clock.now()
        async with self.store.session() as session, session.begin():
            user = await self._user(session, caller, now)
            user.paused_until = None
            user.stopped = False
            subs = await self._reschedule(session, user, now)
            active = [s for s in subs if s.enabled]
        if not active:
            return Reply(text="Nothing to resume: no reminder is switched on. Send /remind to choose some.")
        return Reply(text="Reminders are back on. /reminders shows when each comes next.")

    async def stop(self, caller: Caller, args: str) -> Reply:
        now = self.clock.now()
        async with self.store.session() as session, session.begin():
            user = await self._user(session, caller, now)
            user.stopped = True
            await self._reschedule(session, user, now)
        return Reply(text="All reminders are off. Your settings are kept: /resume turns them back on, "
                          "/forget deletes everything.")

    async def forget(self, caller: Caller, args: str) -> Reply:
        return Reply(
            text="This deletes your reminder settings and your history for good. Are you sure?",
            title="Forget me",
            buttons=((Button("Yes, delete everything", "r:f:yes"), Button("Cancel", "r:f:no")),),
        )

    async def list_active(self, caller: Caller, args: str) -> Reply:
        now = self.clock.now()
        async with self.store.session() as session, session.begin():
            user = await self.store.get_user(session, caller.platform, caller.user_id)
            if user is not None:
                await self._talking_again(session, user, private_chat(caller), now)
            subs = [s for s in await self.store.subscriptions(session, user.id) if s.enabled] if user else []
            if user is None or not subs:
                return Reply(text="No reminders are on. Send /remind to choose posture breaks, water, stretching "
                                  "or a daily tip.")
            lines = [self._describe(s, user, now) for s in subs]
            text = "\n".join(lines) + "\n\n" + self._status_line(user, now)
        return Reply(text=text, title="Your reminders")

    async def stats(self, caller: Caller, args: str) -> Reply:
        now = self.clock.now()
        async with self.store.session() as session, session.begin():
            user = await self.store.get_user(session, caller.platform, caller.user_id)
            if user is None:
                return Reply(text="Nothing logged yet. Press ✅ Done on a reminder and it counts here.")
            await self._talking_again(session, user, private_chat(caller), now)
            done = await self.store.done_since(session, user.id, now - timedelta(days=400))
            counted = tally(done, zone_from_name(user.timezone), now)
        lines = [f"{KIND_LABELS[k]}: {counted.today[k]} today, {counted.week[k]} this week" for k in KINDS]
        lines.append(f"Glasses of water: {counted.today['water']} today, {counted.week['water']} this week")
        streak = counted.streak
        lines.append(f"Streak: {streak} day{'s' if streak != 1 else ''} in a row with a break done")
        return Reply(text="\n".join(lines), title="Your stats")

    async def plain_words(self, caller: Caller, text: str) -> Reply | None:
        """A reminder request in plain words: the change it would make, with Confirm and Cancel.
        Nothing changes here; None if the message is not about reminders (or not in a private chat)."""
        if not caller.private:
            return None
        proposal = understand(text)
        if proposal is None:
            return None
        if proposal.action == proposals.LIST:
            return await self.list_active(caller, "")
        now = self.clock.now()
        async with self.store.session() as session:
            user = await self.store.get_user(session, caller.platform, caller.user_id)
            subs = await self.store.subscriptions(session, user.id) if user else []
            current = {s.kind: proposals.Setting(s.kind, s.interval_minutes,
                                                 parse_clock(s.at_time) if s.at_time else None) for s in subs}
        until = ""
        if proposal.action == proposals.PAUSE and proposal.pause:
            try:
                zone = zone_from_name(user.timezone if user else None)
                until = fmt_when(zone, pause_until(zone, now, proposal.pause), now)
            except InputError:
                pass  # a zone that no longer resolves: the Confirm reply says so
        return proposals.proposal_reply(proposals.with_current(proposal, current), proposals.stamp(now), until)

    # -- buttons -------------------------------------------------------------------
    async def button(self, caller: Caller, payload: str) -> Reply:
        parts = payload.split(":")
        if len(parts) == 4 and parts[:2] == ["r", "ok"]:
            return await self._confirm(caller, parts[2], parts[3])
        if len(parts) == 4 and parts[:2] == ["r", "v"] and parts[2] in KINDS:
            return await self._set_from_menu(caller, parts[2], parts[3])
        if len(parts) != 3 or parts[0] != "r":
            return expired()
        action, arg = parts[1], parts[2]
        if action == "no" and proposals.issued(arg) is not None:
            return Reply(text="Okay, nothing changed.")
        if action in {"t", "i"} and arg in KINDS:
            if not caller.private:
                return expired()
            return await self._panel_button(caller, action, arg)
        if action == "f" and arg in {"yes", "no"}:
            return await self._forget_button(caller, arg == "yes")
        if action in {"d", "s", "p"} and whole_number(arg) and len(arg) < 19:
            return await self._delivery_button(caller, action, int(arg))
        return expired()

    async def _panel_button(self, caller: Caller, action: str, kind: str) -> Reply:
        now = self.clock.now()
        intro = ""
        async with self.store.session() as session, session.begin():
            user = await self._user(session, caller, now)
            sub = await self._subscription(session, user, kind)
            first_time = await self._first_subscription(session, user)
            if action == "t":
                sub.enabled = not sub.enabled
                if sub.enabled:
                    user.stopped = False
                    if first_time:
                        intro = ASK_ZONE
            elif kind == "daily":
                current = parse_clock(sub.at_time or fmt_time(DEFAULT_DAILY_AT))
                later = [t for t in DAILY_CHOICES if t > current]
                sub.at_time = fmt_time(later[0] if later else DAILY_CHOICES[0])
            else:
                choices = INTERVAL_CHOICES[kind]
                current_minutes = sub.interval_minutes or DEFAULT_INTERVAL[kind]
                bigger = [c for c in choices if c > current_minutes]
                sub.interval_minutes = bigger[0] if bigger else choices[0]
            await self._reschedule(session, user, now)
        return await self.panel(caller, intro=intro)

    async def _set_from_menu(self, caller: Caller, kind: str, value: str) -> Reply:
        """A pick from the settings menu: only a value the menu offers; anything else is expired."""
        offered = {b.payload for b in settings_menu().options}
        if not caller.private or f"r:v:{kind}:{value}" not in offered:
            return expired()
        setting = f"at {value[:2]}:{value[2:]}" if kind == "daily" else f"every {value}m"
        saved = await self.remind(caller, f"{kind} {setting}")
        return await self.panel(caller, notice=saved.text.split("\n", 1)[0][:200])

    async def _confirm(self, caller: Caller, spec: str, made: str) -> Reply:
        """Confirm under a plain-words proposal: apply it through the commands' own methods."""
        proposal = proposals.decode(spec)
        if proposal is None or not caller.private or not proposals.fresh(made, self.clock.now()):
            return expired()
        try:
            if proposal.action == proposals.STOP:
                done = [await self.stop(caller, "")]
            elif proposal.action == proposals.RESUME:
                done = [await self.resume(caller, "")]
            elif proposal.action == proposals.PAUSE:
                done = [await self.pause(caller, proposal.pause or "")]
            else:
                window = []  # hours and days first, so the reminders' next times follow them
                if proposal.hours is not None:
                    window.append(await self.set_hours(caller, "{:%H:%M}-{:%H:%M}".format(*proposal.hours)))
                if proposal.days is not None:
                    window.append(await self.set_days(caller, ",".join(DAY_NAMES[d] for d in sorted(proposal.days))))
                done = window + [await self.remind(caller, proposals.remind_args(s)) for s in proposal.settings]
        except InputError as exc:  # decode checked the values; a vanished zone can still say no
            return Reply(text=str(exc))
        return Reply(text="\n\n".join(r.text for r in done), notice="Saved.")

    async def _forget_button(self, caller: Caller, confirmed: bool) -> Reply:
        if not confirmed:
            return Reply(text="Nothing was deleted.", title="Forget me")
        async with self.store.session() as session, session.begin():
            user = await self.store.get_user(session, caller.platform, caller.user_id)
            if user is not None:
                await self.store.delete_user(session, user.id)
            # Groups and channels they set up keep their posts, without their name on them.
            await self.store.forget_person(session, caller.platform, caller.user_id)
        return Reply(text="Done: everything I stored about you is deleted. /remind starts afresh.", title="Forget me")

    async def _delivery_button(self, caller: Caller, action: str, delivery_id: int) -> Reply:
        now = self.clock.now()
        async with self.store.session() as session, session.begin():
            delivery = await self.store.get_delivery(session, delivery_id)
            user = await session.get(Subscriber, delivery.subscriber_id) if delivery else None
            if delivery is None or user is None:
                return expired()
            if user.platform != caller.platform or user.person_id != caller.user_id:
                return Reply(text="", notice="That button belongs to someone else's reminder.")
            await self._talking_again(session, user, None, now)
            tip = self.catalogue.entries.get(delivery.tip_id)
            if tip is None:
                return expired()
            age = now - delivery.sent_at
            if action == "d":
                if delivery.done_at is not None:
                    return Reply(text="", notice="Already logged. Nice work!")
                if age > DONE_VALID:
                    return Reply(text="", notice="That reminder is more than a day old, so it can't be logged.")
                delivery.done_at = now
                status = f"✅ Done at {self._local(user, now):%H:%M}"
                notice = "Logged. Nice work!"
            elif action == "s":
                if age > SNOOZE_VALID:
                    return Reply(text="", notice="That reminder is too old to snooze; the next one is on its way.")
                sub = await self._subscription(session, user, delivery.kind)
                if not sub.enabled or user.stopped:
                    return Reply(text="", notice="That reminder is switched off now; /remind to turn it on.")
                at = now + timedelta(minutes=SNOOZE_MINUTES)
                if sub.next_due_at is None or at < sub.next_due_at:
                    sub.next_due_at = at
                status = f"⏰ Snoozed until {self._local(user, at):%H:%M}"
                notice = f"I'll remind you again in {SNOOZE_MINUTES} minutes."
            else:
                zone = zone_from_name(user.timezone)
                user.paused_until = end_of_local_day(zone, now, 0)
                await self._reschedule(session, user, now)
                status = "⏸ Paused for the rest of today"
                notice = "Paused until tomorrow."
            edited = await self._redraw(session, delivery, status, whole_message=action == "p")
        return Reply(text=edited.text, title=edited.title, buttons=edited.buttons, notice=notice)

    async def _redraw(self, session: AsyncSession, delivery: Delivery, status: str, whole_message: bool) -> Reply:
        """The reminder message after a button: a combined message keeps the other parts'
        buttons; the part pressed (or, for a pause, the whole message) shows its status."""
        if not whole_message:
            delivery.status = status
        parts = await self.store.group_parts(session, delivery.group_id) if delivery.group_id else [delivery]
        shown = [Part(p.kind, self.catalogue.entries[p.tip_id], p.id, p.status)
                 for p in parts if p.tip_id in self.catalogue.entries]
        return combined_reply(self.catalogue, shown, notice_status=status if whole_message else None)
