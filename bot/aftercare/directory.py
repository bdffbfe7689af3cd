"""``Directory``: the squad's service directory. Leads keep it (``/service add`` in one line
or through a short guided dialogue with buttons, ``/service remove``); members read it
(``/services``, ``/services CATEGORY``, and ``/services CODE``: the nearest to an alert
first). Every list says whether each service is open now, in the squad's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal
from zoneinfo import ZoneInfo

import aiosqlite

from bot.aftercare import entries, lines
from bot.aftercare.entries import EntryError, NewService, Where
from bot.aftercare.hours import ALWAYS, canonical, parse
from bot.aftercare.model import Category, DraftStep, Service, ServiceDraft
from bot.alerts.team import on_team_or_lead
from bot.core import Caller, Core, require_lead, require_private, resolve_single_scope
from bot.domain import Member
from bot.geo import Point, distance_m
from bot.intents import Action, Button, Refused, Reply, Text, refuse, refusing
from bot.messages import t
from bot.text import TooLong, clean
from data import alerts as alerts_q
from data import audit as audit_q
from data import services as services_q
from data import squads as squads_q

# The hours buttons of the dialogue, and what each means.
HOURS_CHOICES = {"always": ALWAYS, "weekdays": "mon-fri 08:00-16:00", "unknown": ""}
PLACES_SHOWN = 8


@dataclass(frozen=True)
class ServiceRequest:
    """``/service add`` (``entry`` None: the guided dialogue), ``/service add …`` in one
    line, ``/service remove [NAME]`` (no name: a button per entry)."""

    verb: Literal["add", "remove"]
    entry: NewService | None = None
    name: str = ""


@dataclass(frozen=True)
class ServicesQuery:
    """``/services`` · ``/services CATEGORY`` · ``/services CODE``."""

    category: Category | None = None
    code: str | None = None


def _refusal(exc: EntryError) -> Refused:
    return Refused(refuse(exc.key, **exc.params))


class Directory:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.settings = core.settings
        self.zone = ZoneInfo(self.settings.timezone)

    # -- /service ----------------------------------------------------------------------------

    @refusing
    async def service(self, caller: Caller, request: ServiceRequest) -> Reply:
        if request.entry is not None:
            # A phone number and a note (a trusted officer's name) are for members, in
            # private: typed in the group, the message goes and nothing is kept.
            require_private(caller)
        async with self.core.store.transaction() as db:
            scope = await resolve_single_scope(db, caller)
            require_lead(scope.member)
            squad_id = scope.squad.id
            if request.verb == "remove":
                return await self._remove(db, caller, squad_id, request.name)
            if request.entry is None:
                rows = lines.rows(
                    [
                        Button(
                            Text("button.category", {"category": lines.category(c)}),
                            Action.SERVICE_CATEGORY,
                            squad_id,
                            c.value,
                        )
                        for c in Category
                    ]
                )
                return Reply(text=Text("service.pick_category"), buttons=rows, private=True)
            entry = request.entry
            name = self._name(entry.name)
            point = await self._where(db, squad_id, entry.where)
            note = self._note(entry.note)
            return await self._save(
                db, caller, squad_id, entry.category, name, point, canonical(entry.hours),
                entry.phone, note,
            )  # fmt: skip

    async def _remove(
        self, db: aiosqlite.Connection, caller: Caller, squad_id: int, name: str
    ) -> Reply:
        if not name.strip():
            found = await services_q.services_of(db, squad_id)
            if not found:
                return refuse("services.empty")
            rows = lines.rows(
                [
                    Button(
                        Text("button.service_remove", {"name": s.name}), Action.SERVICE_REMOVE, s.id
                    )
                    for s in found
                ]
            )
            return Reply(text=Text("service.pick_remove"), buttons=rows, private=True)
        service = await services_q.service_by_name(db, squad_id, name)
        if service is None:
            return refuse("service.unknown", name=name[: entries.SERVICE_NAME_MAX])
        return await self._drop(db, caller, service)

    async def _drop(self, db: aiosqlite.Connection, caller: Caller, service: Service) -> Reply:
        await services_q.remove_service(db, service.id)
        await audit_q.audit(
            db, service.squad_id, caller.user_id, "service:remove", None, self.core.now()
        )
        return Reply(text=Text("service.removed", {"name": service.name}))

    def _name(self, raw: str) -> str:
        try:
            name = clean(raw, limit=entries.SERVICE_NAME_MAX)
        except TooLong as exc:
            raise Refused(refuse("too_long", limit=exc.limit)) from None
        if not name:
            raise Refused(refuse("service.usage", words=entries.CATEGORY_WORDS))
        return name

    def _note(self, raw: str) -> str | None:
        try:
            return clean(raw, limit=entries.SERVICE_NOTE_MAX) or None
        except TooLong as exc:
            raise Refused(refuse("too_long", limit=exc.limit)) from None

    async def _where(self, db: aiosqlite.Connection, squad_id: int, where: Where) -> Point:
        if where.point is not None:
            return where.point
        key = squads_q.place_key(where.place_name)
        for place in await squads_q.places_of(db, squad_id):
            if squads_q.place_key(place.name) == key:
                return Point(place.lat, place.lon)
        raise Refused(refuse("service.unknown_place", name=where.place_name[:48]))

    async def _save(
        self,
        db: aiosqlite.Connection,
        caller: Caller,
        squad_id: int,
        category: Category,
        name: str,
        point: Point,
        hours: str,
        phone: str | None,
        note: str | None,
    ) -> Reply:
        now = self.core.now()
        service_id = await services_q.add_service(
            db, squad_id, category, name, point.lat, point.lon, hours, phone, note, now
        )
        if service_id is None:
            raise Refused(refuse("service.exists", name=name))
        await services_q.drop_draft(db, caller.user_id)
        await audit_q.audit(db, squad_id, caller.user_id, "service:add", None, now)
        service = await services_q.service_by_id(db, service_id)
        assert service is not None
        shown: list[Any] = [t("service.added"), *lines.service_lines(service, now, self.zone)]
        return Reply(text=Text("lines", {"lines": shown}), private=True)

    # -- the guided dialogue -------------------------------------------------------------------

    @refusing
    async def press(self, caller: Caller, action: Action, target: int, arg: str) -> Reply:
        async with self.core.store.transaction() as db:
            if action is Action.SERVICE_REMOVE:
                service = await services_q.service_by_id(db, target)
                if service is None:
                    return refuse("service.gone")
                await self._lead_of(db, caller, service.squad_id)
                return _edit(await self._drop(db, caller, service))
            if action is Action.SERVICE_CATEGORY:
                await self._lead_of(db, caller, target)
                try:
                    kind = Category(arg)
                except ValueError:
                    return refuse("button.invalid")
                until = self._until()
                await services_q.start_draft(db, caller.user_id, target, kind, until)
                text = Text("service.ask_name", {"category": lines.category(kind)})
                return Reply(text=text, edit_pressed=True)
            draft = await self._draft(db, caller)
            if action is Action.SERVICE_PLACE:
                place = next(
                    (p for p in await squads_q.places_of(db, draft.squad_id) if p.id == target),
                    None,
                )
                if place is None or draft.step is not DraftStep.PLACE:
                    return refuse("service.draft_gone")
                return _edit(await self._placed(db, draft, Point(place.lat, place.lon)))
            if draft.squad_id != target:
                return refuse("service.draft_gone")
            if action is Action.SERVICE_HOURS and arg in HOURS_CHOICES:
                if draft.step is not DraftStep.HOURS:
                    return refuse("service.draft_gone")
                return _edit(await self._hours(db, draft, HOURS_CHOICES[arg]))
            if action is Action.SERVICE_SKIP and arg == draft.step.value == DraftStep.PHONE:
                return _edit(await self._phone(db, draft, None))
            if action is Action.SERVICE_SKIP and arg == draft.step.value == DraftStep.NOTE:
                return _edit(await self._finish(db, caller, draft, None))
            return refuse("service.draft_gone")

    async def typed(self, caller: Caller, raw_text: str) -> Reply | None:
        """A private text while the caller is in the dialogue; ``None``: they are not."""
        async with self.core.store.reading() as db:
            draft = await services_q.draft_of(db, caller.user_id, self.core.now())
        if draft is None:
            return None
        return await self._answer(caller, raw_text)

    @refusing
    async def _answer(self, caller: Caller, raw_text: str) -> Reply:
        """One typed answer; a bad one is refused and the question stays open."""
        async with self.core.store.transaction() as db:
            draft = await self._draft(db, caller)
            try:
                if draft.step is DraftStep.NAME:
                    return await self._named(db, draft, self._name(raw_text))
                if draft.step is DraftStep.PLACE:
                    point = await self._where(db, draft.squad_id, entries.where(raw_text))
                    return await self._placed(db, draft, point)
                if draft.step is DraftStep.HOURS:
                    return await self._hours(db, draft, canonical(entries.hours(raw_text)))
                if draft.step is DraftStep.PHONE:
                    return await self._phone(db, draft, entries.phone(raw_text))
                return await self._finish(db, caller, draft, self._note(raw_text))
            except EntryError as exc:
                raise _refusal(exc) from None

    async def _draft(self, db: aiosqlite.Connection, caller: Caller) -> ServiceDraft:
        draft = await services_q.draft_of(db, caller.user_id, self.core.now())
        if draft is None:
            raise Refused(refuse("service.draft_gone"))
        await self._lead_of(db, caller, draft.squad_id)
        return draft

    async def _lead_of(self, db: aiosqlite.Connection, caller: Caller, squad_id: int) -> Member:
        return require_lead(await squads_q.member(db, squad_id, caller.user_id))

    def _until(self) -> float:
        return self.core.now() + self.settings.note_wait.total_seconds()

    async def _step(
        self, db: aiosqlite.Connection, draft: ServiceDraft, to: DraftStep, **values: object
    ) -> None:
        if not await services_q.advance_draft(
            db, draft.user_id, draft.step, to, self._until(), **values
        ):
            raise Refused(refuse("service.draft_gone"))

    async def _named(self, db: aiosqlite.Connection, draft: ServiceDraft, name: str) -> Reply:
        if await services_q.service_by_name(db, draft.squad_id, name) is not None:
            raise Refused(refuse("service.exists", name=name))
        await self._step(db, draft, DraftStep.PLACE, name=name)
        places = (await squads_q.places_of(db, draft.squad_id))[:PLACES_SHOWN]
        rows = lines.rows(
            [
                Button(Text("button.place", {"name": p.name}), Action.SERVICE_PLACE, p.id)
                for p in places
            ]
        )
        return Reply(text=Text("service.ask_place", {"name": name}), buttons=rows)

    async def _placed(self, db: aiosqlite.Connection, draft: ServiceDraft, point: Point) -> Reply:
        await self._step(db, draft, DraftStep.HOURS, lat=point.lat, lon=point.lon)
        sq = draft.squad_id
        rows = (
            (
                Button(Text("button.hours_always"), Action.SERVICE_HOURS, sq, "always"),
                Button(Text("button.hours_weekdays"), Action.SERVICE_HOURS, sq, "weekdays"),
            ),
            (Button(Text("button.hours_unknown"), Action.SERVICE_HOURS, sq, "unknown"),),
        )
        return Reply(text=Text("service.ask_hours"), buttons=rows)

    async def _hours(self, db: aiosqlite.Connection, draft: ServiceDraft, hours: str) -> Reply:
        parse(hours)  # the buttons' and the canonical forms always read
        await self._step(db, draft, DraftStep.PHONE, hours=hours)
        skip = Button(Text("button.skip"), Action.SERVICE_SKIP, draft.squad_id, "phone")
        return Reply(text=Text("service.ask_phone"), buttons=((skip,),))

    async def _phone(
        self, db: aiosqlite.Connection, draft: ServiceDraft, phone: str | None
    ) -> Reply:
        await self._step(db, draft, DraftStep.NOTE, phone=phone)
        skip = Button(Text("button.skip"), Action.SERVICE_SKIP, draft.squad_id, "note")
        key = "service.ask_note_police" if draft.category is Category.POLICE else "service.ask_note"
        return Reply(text=Text(key), buttons=((skip,),))

    async def _finish(
        self, db: aiosqlite.Connection, caller: Caller, draft: ServiceDraft, note: str | None
    ) -> Reply:
        assert draft.name is not None and draft.lat is not None and draft.lon is not None
        return await self._save(
            db, caller, draft.squad_id, draft.category, draft.name,
            Point(draft.lat, draft.lon), draft.hours or "", draft.phone, note,
        )  # fmt: skip

    # -- /services ---------------------------------------------------------------------------------

    @refusing
    async def services(self, caller: Caller, query: ServicesQuery) -> Reply:
        """The directory, in private: nearest to an alert first when one is named."""
        async with self.core.store.reading() as db:
            here: Point | None = None
            code = query.code
            if code is not None:
                alert = await alerts_q.alert_by_code(db, None, code)
                member = (
                    await squads_q.member(db, alert.squad_id, caller.user_id) if alert else None
                )
                if alert is None or member is None:  # a category mistyped, or a code
                    return refuse("services.usage", raw=code, words=entries.CATEGORY_WORDS)
                # Distances from an alert to a few known places give away where it is:
                # only its team and the leads, who may see its pin, get them.
                if not await on_team_or_lead(db, alert, member):
                    return refuse("services.not_on_team", code=alert.code)
                squad = await squads_q.squad_by_id(db, alert.squad_id)
                assert squad is not None
                if alert.lat is not None and alert.lon is not None:
                    here = Point(alert.lat, alert.lon)
            else:
                scope = await resolve_single_scope(db, caller)
                squad, member = scope.squad, scope.member
                if member is None:
                    return refuse("not_member")
            if not member.is_responder:
                return refuse("observer.no")
            found = await services_q.services_of(db, squad.id, query.category)
        now = self.core.now()
        if not found:
            key, params = "services.empty", {}
            if query.category is not None:
                key, params = "services.none_of", {"category": lines.category(query.category)}
            return Reply(text=Text(key, params), private=not caller.private)
        if query.category is not None:
            shown: list[Any] = [
                t(
                    "services.header_category",
                    squad=squad.name,
                    category=lines.category(query.category),
                )
            ]
        elif code is not None:
            shown = [t("services.header_near", squad=squad.name, code=code)]
        else:
            shown = [t("services.header", squad=squad.name)]
        if code is not None and here is None:
            shown.append(t("services.no_location", code=code))

        def far(s: Service) -> float | None:
            return distance_m(here, Point(s.lat, s.lon)) if here is not None else None

        order = list(Category)
        if here is not None:
            found.sort(key=lambda s: (lines.opens(s, now, self.zone).rank, far(s) or 0.0))
        else:
            found.sort(key=lambda s: (order.index(s.category), s.name.casefold()))
        listed = found[: lines.fitting_count([lines.service_size(s) for s in found])]
        for service in listed:
            shown += lines.service_lines(
                service, now, self.zone, distance_m=far(service), code=code
            )
        if len(listed) < len(found):
            shown.append(t("services.more", count=len(found) - len(listed)))
        return Reply(text=Text("lines", {"lines": shown}), private=not caller.private)


def _edit(reply: Reply) -> Reply:
    """A dialogue button's answer takes the place of the question it answered."""
    if not reply.ok:
        return reply
    return Reply(text=reply.text, buttons=reply.buttons, answer=reply.text, edit_pressed=True)
