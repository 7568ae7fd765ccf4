"""Email builders: one function per content type, each writing a single email or a thread.

A builder returns a Draft whose key facts describe the final state of the thread: when a later
email changes the plan, the new value is the key fact and the old one is listed as superseded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from evalkit.summarization import pools
from evalkit.summarization.gen_common import DocMaker, Slots, assemble, pads_for, phrases
from evalkit.summarization.world import Doc, Draft, Person, World

GREETINGS = [
    "Hi {n},",
    "Hello {n},",
    "{n},",
    "Hey {n},",
    "Dear {n},",
    "Good morning {n},",
    "Hi {n} -",
]
CLOSINGS = [
    "Thanks,\n{f}",
    "Best,\n{f}",
    "Cheers,\n{f}",
    "Thank you,\n{full}",
    "{f}",
    "- {f}",
    "Regards,\n{full}",
    "Talk soon,\n{f}",
    "Many thanks,\n{f}",
    "Best regards,\n{full}",
]


EXTRAS_HEADINGS = [
    "A few other things",
    "Other updates",
    "Unrelated notes",
    "Also, quick notes",
    "Other news",
    "A few more items",
    "For your radar",
    "Before I forget",
    "Loose ends",
    "Other bits",
]


class Mail:
    """Writes the emails of one thread: headers, greeting, body, sign-off."""

    def __init__(
        self,
        w: World,
        subject: str,
        domain: str,
        formal: bool = False,
        headings: list[str] | None = None,
    ) -> None:
        self.w, self.subject, self.domain, self.formal = w, subject, domain, formal
        self.headings = headings or EXTRAS_HEADINGS
        self.count = 0

    def doc(
        self,
        sender: Person,
        to: str,
        body: list[str],
        greet: str | None = None,
        sign: bool = True,
        sender_domain: str | None = None,
        display: str | None = None,
    ) -> Doc:
        w = self.w
        when = w.stamp(5, 600) if self.count else w.stamp(0, 1)
        subject = self.subject[:1].upper() + self.subject[1:]
        subject = subject if self.count == 0 else f"Re: {subject}"
        to = ", ".join(name for name in to.split(", ") if name != sender.full) or to
        self.count += 1
        stamp = f"{when:%a, %b} {when.day}, {when:%Y} {when:%I:%M %p}".replace(" 0", " ")
        if display:  # a company sender, e.g. "Lumen Goods <orders@lumengoods.com>"
            sender_line = f"{display} <{sender.first.lower()}@{sender_domain or self.domain}>"
        else:
            sender_line = f"{sender.full} <{sender.email(sender_domain or self.domain)}>"
        head = f"From: {sender_line}\nTo: {to}\nDate: {stamp}\nSubject: {subject}"
        greeting = ""
        if greet is not None and (self.count == 1 or w.chance(0.6)):
            greeting = w.pick(GREETINGS).format(n=greet)
        closing = ""
        if sign:
            closing = w.pick(CLOSINGS).format(f=sender.first, full=sender.full)
        heading = "" if self.formal else w.pick(self.headings) + ":"
        return Doc("email", head, body, greeting, closing, extras_heading=heading)

    def reply(
        self, sender: Person, to: str, template: str, slots: Slots, **options: Any
    ) -> DocMaker:
        """An email whose body is one `World.say` sentence, written (slots drawn, then the
        headers) when the thread reaches it; `options` are those of `doc`."""
        return lambda: self.doc(sender, to, [self.w.say(template, **slots())], **options)


def _to(people: list[Person]) -> str:
    return ", ".join(p.full for p in people)


def _listing(w: World, heading: str, items: list[str]) -> list[str]:
    """A heading line ending with ':' and '- item' lines (kept together when rendered)."""
    return [w.say(heading).rstrip(".:") + ":", *(f"- {w.say(item)}" for item in items)]


def _generic_pads(w: World, company: str) -> list[Callable[[], str]]:
    """Work-email detail sentences with distractor names, dates and numbers."""
    return phrases(
        w,
        (
            "[I'm|I'll be] [out of office|offline|travelling to {c}] [on|from] {d}[, so {p} can "
            "cover anything urgent|; {p} is my backup| but will check email in the evening].",
            lambda: dict(p=w.person().first, d=w.day(2, 25).full, c=w.city()),
        ),
        (
            "[For context|FYI|As background], {p} [from|in] {dept} [has been handling|looks "
            "after|owns] the {t} [since|as of] {d}.",
            lambda: dict(
                p=w.person().full, dept=w.pick(pools.DEPARTMENTS), t=w.topic(), d=w.day(-40, -5).md
            ),
        ),
        (
            "[Last quarter|In {m}|On the {c} account] we [spent|billed|closed] {a}[ on the {t}| "
            "across {k} orders| with {k} clients], [so|which means] [this is|it's] [in line|not "
            "far off|a bit higher than last year].",
            lambda: dict(
                m=w.day(-90, -30).value.strftime("%B"),
                c=w.company(),
                a=w.money(2000, 90000, cents=False),
                t=w.topic(),
                k=w.number(3, 40),
            ),
        ),
        (
            "[The shared folder|The tracker|The team drive] [now has|has] the {fk} [from|for] "
            "the {t}[ if you want background| that {p} uploaded on {d}|].",
            lambda: dict(
                fk=w.pick(pools.FILE_KINDS), t=w.topic(), p=w.person().first, d=w.day(-20, -1).md
            ),
        ),
        (
            "[Separately|Unrelated], [the|our] {c} [call|review|sync] [moved|is moving] to "
            "{d} at {t}[, in case you were planning to join|; {p} will send notes|].",
            lambda: dict(c=w.company(), d=w.day(2, 30).full, t=w.time(), p=w.person().first),
        ),
        (
            "[Heads-up|Also], [the|our] {city} office [is closed|has no heating|is being "
            "repainted] [on|until] {d}, so [book a desk|plan to work] [at|from] {addr} "
            "[instead|that day].",
            lambda: dict(city=w.city(), d=w.day(1, 20).full, addr=w.address()),
        ),
        (
            "{a} [starts|joins] [on|the {dept} team on] {d} and [will sit with|will shadow|"
            "reports to] {b}[ for the first few weeks|, so please say hello|].",
            lambda: dict(
                a=w.person().full,
                b=w.person().first,
                dept=w.pick(pools.DEPARTMENTS),
                d=w.day(3, 30).full,
            ),
        ),
        (
            "[Travel|Equipment|Software] requests over {a} [now need|still need] "
            "[approval from|a sign-off by] {p} [in {dept}|before {d}].",
            lambda: dict(
                a=w.money(300, 5000, cents=False),
                p=w.person().full,
                dept=w.pick(pools.DEPARTMENTS),
                d=w.day(5, 40).md,
            ),
        ),
        (
            "[The|Our] [client|contact] at {c}, {p}, [mentioned|said] [on {d}|last week] that "
            "[their|the] {t} [is slipping|may slip|is on track] [to|for] {m}.",
            lambda: dict(
                c=w.company(),
                p=w.person().full,
                d=w.day(-14, -1).wd,
                t=w.topic(),
                m=w.day(20, 80).value.strftime("%B"),
            ),
        ),
        (
            "[We're still hiring|The {dept} team is hiring] [a {role}|two {role}s] - "
            "[send referrals to|forward CVs to] {p}[ before {d}|].",
            lambda: dict(
                dept=w.pick(pools.DEPARTMENTS),
                p=w.person().full,
                d=w.day(5, 40).md,
                role=w.pick(["analyst", "designer", "engineer", "coordinator", "account manager"]),
            ),
        ),
        (
            "[The|Our] [expense tool|VPN|CRM|timesheet system] [will be down|goes offline] on "
            "{d} from {t}[ for an upgrade|; {p} will post updates].",
            lambda: dict(d=w.day(1, 20).full, t=w.time(17, 22), p=w.person().first),
        ),
        (
            "[Kudos to|Big thanks to] {p} for [closing|sorting out] the {c} [renewal|dispute|"
            "audit] - [it saved us|that's] {a}[ this year|].",
            lambda: dict(p=w.person().full, c=w.company(), a=w.money(1500, 80000, cents=False)),
        ),
        (
            "[I'm taking|{p} runs] a [workshop|course] on {h} [in {c}|on {d}][, if anyone wants "
            "to join|]. ",
            lambda: dict(
                p=w.person().first,
                h=w.pick(
                    ["negotiation", "data storytelling", "SQL", "public speaking", "Excel modeling"]
                ),
                c=w.city(),
                d=w.day(3, 30).md,
            ),
        ),
        (
            "{c} [sent|quoted] {a} for the {t}[, which is {k}% above last year| - {p} thinks "
            "we can negotiate].",
            lambda: dict(
                c=w.company(),
                a=w.money(800, 40000, cents=False),
                t=w.topic(),
                k=w.number(3, 25),
                p=w.person().first,
            ),
        ),
        (
            "[Numbers so far|Latest figures]: {k} [sign-ups|orders|tickets] in {m}, [up|down] "
            "{x}% [on|from] {m2}.",
            lambda: dict(
                k=f"{w.number(120, 9800):,}",
                m=w.day(-35, -5).value.strftime("%B"),
                x=w.number(2, 30),
                m2=w.day(-70, -36).value.strftime("%B"),
            ),
        ),
    )


# --------------------------------------------------------------------------------------
def work_request(w: World, n: int, size: str) -> Draft:
    boss, owner = w.person(), w.person()
    helper, extra = w.person(), w.person()
    company = w.company()
    mail = Mail(w, "", w.domain(company))
    topic, file = w.topic(), w.pick(pools.FILE_KINDS)
    dept = w.pick(pools.DEPARTMENTS)
    due, due_time = w.day(2, 12, workday=True), w.time(9, 17)
    cap = w.money(1500, 60000, cents=False)
    mail.subject = w.pick([f"Request: {topic}", f"{topic} - need your help", f"{topic} {file}"])
    aspects = w.shuffled(
        [
            "timeline",
            "costs",
            "risks",
            "staffing",
            "open questions",
            "customer feedback",
            "vendor options",
            "headcount",
            "dependencies",
            "milestones",
            "regional split",
        ]
    )

    def ask() -> list[str]:
        body = [
            w.say(
                "[Could you|Can you|Would you be able to] [put together|send me|pull together] "
                "the {file} for the {topic} by {d}[ at {t}| end of day|]?",
                file=file,
                topic=topic,
                d=due.full,
                t=due_time,
            )
        ]
        if size != "short":
            body.append(
                w.say(
                    "[It should cover|Please include|Make sure it covers] the {a} and the {b}"
                    "[, since {h} will present it to {dept}| for the {dept} review| so {h} can "
                    "sign off].",
                    a=aspects[0],
                    b=aspects[1],
                    h=helper.first,
                    dept=dept,
                )
            )
        body.append(
            w.say(
                "[Keep|Please keep] the [estimate|total|budget] under {cap}[, which is what "
                "{dept} approved| - that's the cap {h} signed off on| for now].",
                cap=cap,
                dept=dept,
                h=helper.full,
            )
        )
        return body

    changed = n > 1 and w.chance(0.75) or n == 1 and size != "short" and w.chance(0.3)
    new_due = w.day(1, 6, after=due, workday=True) if w.chance(0.5) else w.day(1, 3, workday=True)
    reason = w.say(
        "[{h} moved the {dept} review|the {c} call got moved|{h} needs it for the board "
        "pre-read|the deadline for the {dept} report changed]",
        h=helper.first,
        dept=dept,
        c=w.company(),
    )

    def change_sentence() -> str:
        return w.say(
            "[Change of plans|Small change|Update|Heads-up]: {r}, so I [need it by|need the {f} "
            "by|now need it on] {d} instead of {old}.",
            r=reason,
            f=file,
            d=new_due.full,
            old=due.md,
        )

    final_due = new_due if changed else due
    facts = [topic, final_due.full, cap, helper.full, boss.full]
    superseded = [due.full] if changed else []

    if n == 1:
        body = ask()
        if size == "long":
            items = [
                w.say(
                    "{a}: [a one-page view of|the numbers for|a short note on|a table of] "
                    "[{c}|the last {k} months|the {m} plan|what {p} flagged]",
                    a=aspect.capitalize(),
                    c=w.company(),
                    k=w.number(3, 18),
                    m=w.day(20, 90).value.strftime("%B"),
                    p=w.person().first,
                )
                for aspect in aspects[3 : 3 + w.number(3, 5)]
            ]
            body += _listing(w, "[Here's what I need|What I have in mind|Rough outline]", items)
        if changed:
            body.append(change_sentence())
        docs = [mail.doc(boss, owner.full, body, greet=owner.first)]
        pads = pads_for(w, _generic_pads(w, company))
        return Draft(docs, facts, superseded, pads)

    everyone = _to([owner, helper])

    question = mail.reply(
        owner,
        _to([boss]),
        "[Quick question|One question] - [should the {f} include|do you want the {f} to "
        "cover] the {c} numbers[ too| as well|], or only the {a}?",
        lambda: dict(f=file, c=w.city(), a=aspects[2]),
        greet=boss.first,
    )

    answer = mail.reply(
        boss,
        everyone,
        "[Only|Just] the {a}[, please|]. {x} [is covering|handles] the {c} side[ this "
        "quarter| separately|].",
        lambda: dict(a=aspects[2], x=extra.full, c=w.city()),
        greet=owner.first,
    )

    helper_note = mail.reply(
        helper,
        everyone,
        "[Adding one thing|One addition|Jumping in]: please use the {m} figures, not "
        "the ones from {d}[ - they were revised| because {c} restated them|].",
        lambda: dict(m=w.day(-60, -20).value.strftime("%B"), d=w.day(-90, -61).md, c=w.company()),
        greet=owner.first,
    )

    template_note = mail.reply(
        helper,
        _to([owner]),
        "[There's a template|I found last year's version|You can reuse the one {x} made] "
        "in the {dept} folder[ - the {t} one| from {d}|].",
        lambda: dict(x=extra.first, dept=dept, t=w.topic(), d=w.day(-300, -100).md),
        greet=owner.first,
    )

    status = mail.reply(
        owner,
        everyone,
        "[Quick status|Update from my side]: [the {a} part is done|I have a first draft "
        "of the {a} section]; [waiting on|still need] [numbers|input] from {x}.",
        lambda: dict(a=aspects[0], x=extra.first),
        greet=boss.first,
    )

    nudge = mail.reply(
        boss,
        _to([extra, owner]),
        "[{x}, can you|{x} - could you] send {o} the {a} [by {d}|today|tomorrow "
        "morning]?[ It's blocking the {f}.|]",
        lambda: dict(x=extra.first, o=owner.first, a=aspects[1], d=w.day(1, 2).wd, f=file),
    )

    def change() -> Doc:
        return mail.doc(boss, everyone, [change_sentence()], greet=owner.first)

    def confirm() -> Doc:
        d = final_due
        body = [
            w.say(
                "[Got it|Understood|No problem|Will do] - [I'll have the {f} to you|you'll have "
                "the {f}|I'll send the {f}] by {d}[ morning| afternoon| end of day|].",
                f=file,
                d=d.wd,
            )
        ]
        return mail.doc(owner, everyone, body, greet=boss.first)

    fillers = [question, answer, helper_note, template_note, status, nudge]
    tail = [change, confirm] if changed else [confirm]
    docs = assemble(w, n, lambda: mail.doc(boss, everyone, ask(), greet=owner.first), fillers, tail)
    return Draft(docs, facts, superseded, pads_for(w, _generic_pads(w, company)))


# --------------------------------------------------------------------------------------
def scheduling(w: World, n: int, size: str) -> Draft:
    org, guest = w.person(), w.person()
    o1, o2, o3 = w.people(3)
    company = w.company()
    topic = w.topic()
    kind = w.pick(
        [
            "review",
            "kickoff",
            "check-in",
            "planning session",
            "walkthrough",
            "sync",
            "workshop",
            "retro",
            "interview loop",
            "budget review",
        ]
    )
    title = f"{topic} {kind}"
    mail = Mail(w, title, w.domain(company))
    d1, t1 = w.day(2, 10, workday=True), w.time(9, 16)
    place1 = w.room() if w.chance(0.7) else f"the {w.city()} office"
    changed = (n > 1 and w.chance(0.75)) or (n == 1 and size != "short" and w.chance(0.3))
    d2 = w.day(1, 8, after=d1, workday=True) if w.chance(0.6) else w.day(1, 3, workday=True)
    t2 = w.time(9, 16)
    place2 = w.room() if w.chance(0.5) else place1
    dept = w.pick(pools.DEPARTMENTS)
    rsvp = w.day(0, 1)

    def invite() -> list[str]:
        body = [
            w.say(
                "[I'd like to|Let's|I want to] [set up|book|schedule] a {k} [on|for] the {t}"
                "[ with {a} and {b}| before the {dept} deadline|].",
                k=kind,
                t=topic,
                a=o1.first,
                b=o2.first,
                dept=dept,
            ),
            w.say(
                "[[I've pencilled in|I'm proposing|I've booked] {d} at {t} in {p}[.|, if that "
                "works.]|Does {d} at {t} in {p} work for everyone?]",
                d=d1.full,
                t=t1,
                p=place1,
            ),
        ]
        if size != "short":
            body.append(
                w.say(
                    "[The goal is to|We'll|I want us to] [agree on|finalize|go through] [the open "
                    "items in|the numbers for|next steps for] the {t}[ and the {t2} timeline|].",
                    t=topic,
                    t2=w.topic(),
                )
            )
            body.append(
                w.say(
                    "Please [reply|confirm] by {r}[ so {a} can send the invite| "
                    "so I can book lunch for {k} people|].",
                    r=rsvp.wd,
                    a=o2.first,
                    k=w.number(4, 12),
                )
            )
        return body

    def move_sentence() -> str:
        reason = w.say(
            "[{a} has to be in {c} on {d}|{p} is double-booked on {m}|the {co} audit got moved "
            "to {d}|{b} is out sick on {d}]",
            a=o1.first,
            c=w.city(),
            d=d1.wd,
            p=place1,
            m=d1.md,
            co=w.company(),
            b=o2.first,
        )
        return w.say(
            "[Sorry to do this|Apologies for the shuffle|Quick change|Change of plan], but {r}. "
            "[Let's move it to|We're moving it to|New time:] {d} at {t}[ in {p}|, same place|].",
            r=reason,
            d=d2.full,
            t=t2,
            p=place2,
        )

    final = (d2, t2, place2) if changed else (d1, t1, place1)
    facts = [topic, final[0].full, final[1], final[2], org.full]
    superseded = [d1.full, t1] if changed else []

    if n == 1:
        body = invite()
        if size == "long":
            items = [
                w.say(
                    "{k} min: [review of|decision on|update on|questions about] the {t} "
                    "[({p})|, led by {p}|]",
                    k=w.pick([5, 10, 15, 20, 25, 30]),
                    t=w.topic(),
                    p=w.person().first,
                )
                for _ in range(w.number(3, 5))
            ]
            body += _listing(w, "[Proposed agenda|Agenda|Plan for the session]", items)
        if changed:
            body.append(move_sentence())
        docs = [mail.doc(org, _to([guest, o1, o2]), body, greet=guest.first)]
        return Draft(docs, facts, superseded, _pads(w, company, kind, topic))

    everyone = _to([guest, o1, o2, o3])

    yes = mail.reply(
        guest,
        _to([org]),
        "[Works for me|That works|I can do that|Count me in]. [Should I|I'll] [bring|"
        "invite] {p} from {dept}[ too|]?",
        lambda: dict(p=o3.first, dept=w.pick(pools.DEPARTMENTS)),
        greet=org.first,
    )

    hard_stop = mail.reply(
        o1,
        everyone,
        "I'm in, but I [have a hard stop|need to leave] at {t}[ for a call with {c}| to "
        "pick up my kid| for a flight to {city}].",
        lambda: dict(t=w.time(12, 18), c=w.company(), city=w.city()),
    )

    agenda = mail.reply(
        o2,
        everyone,
        "[Can we|Could we] add [ten minutes on|a quick item on] the {t}[ to the agenda| "
        "at the end|]? {p} [asked about it|has questions] [on {d}|this morning].",
        lambda: dict(t=w.topic(), p=w.person().first, d=w.day(-5, -1).wd),
        greet=org.first,
    )

    resend = mail.reply(
        o3,
        everyone,
        "[Could|Can] [someone|you] [forward|resend] the {f}? [The link from {d} has "
        "expired|I can't find it in my inbox|{p} only sent it to the {dept} list].",
        lambda: dict(
            f=w.pick(pools.FILE_KINDS),
            d=w.day(-9, -2).md,
            p=o2.first,
            dept=w.pick(pools.DEPARTMENTS),
        ),
    )

    remote = mail.reply(
        o3,
        _to([org]),
        "[Will there be|Is there] a [video link|dial-in] for [people in|anyone joining "
        "from] {c}? [{p} and I|Two of us] [are remote that week|will be there].",
        lambda: dict(c=w.city(), p=w.person().first),
        greet=org.first,
    )

    added = mail.reply(
        org,
        everyone,
        "[Sure|Good idea|Done] - [added it|I've added it] [after the budget item|at the "
        "end|as item {k}], and the [video link|dial-in] is in the invite for {p}.",
        lambda: dict(k=w.number(2, 5), p=o3.first),
    )

    def change() -> Doc:
        return mail.doc(w.pick([o1, org, guest]), everyone, [move_sentence()])

    confirm = mail.reply(
        org,
        everyone,
        "[Done|Confirmed|Updated] - [the invite now says|we're on for|it's now] {d} at "
        "{t} in {p}. [Thanks for flexing, {a}|See you then|I'll send notes after]!",
        lambda: dict(d=final[0].full, t=final[1], p=final[2], a=o1.first),
    )

    fillers = [yes, hard_stop, agenda, resend, remote, added]
    tail = [change, confirm] if changed else [confirm]
    head = lambda: mail.doc(org, everyone, invite(), greet="all")  # noqa: E731
    docs = assemble(w, n, head, fillers, tail)
    return Draft(docs, facts, superseded, _pads(w, company, kind, topic))


def _pads(w: World, company: str, kind: str, topic: str) -> list:
    scene = phrases(
        w,
        (
            "[Parking|Visitor parking] is [free|available] [on level {k}|behind the {s} entrance]"
            "[ if you're driving in| for guests|], and the code is {c}.",
            lambda: dict(k=w.number(1, 5), s=w.pick(pools.STREETS), c=w.code(4)),
        ),
        (
            "{p} will [order|bring] [coffee|lunch|pastries|sandwiches] from {v}[ for the group|, "
            "about {a} on the team card|].",
            lambda: dict(p=w.person().first, v=w.venue(), a=w.money(40, 220, cents=False)),
        ),
        (
            "[Last time|At the {d} session] we [ran over|ran out of time] on the {t}, so "
            "[I've|I have] [kept|capped] the agenda [to {k} items|tight].",
            lambda: dict(d=w.day(-40, -7).md, t=w.topic(), k=w.number(3, 5)),
        ),
        (
            "{p}'s [flight|train] from {c} [lands|gets in] at {t}, so [we shouldn't start "
            "earlier|{p} may be ten minutes late].",
            lambda: dict(p=w.person().first, c=w.city(), t=w.time(7, 12)),
        ),
        (
            "If we need more [time|space], {r} is [free|open] [all afternoon|until {t}] on floor "
            "{k}.",
            lambda: dict(r=w.room(), t=w.time(13, 18), k=w.number(2, 9)),
        ),
    )
    return pads_for(w, scene + _generic_pads(w, company))


# --------------------------------------------------------------------------------------
def newsletter(w: World, n: int, size: str) -> Draft:
    org_kind = w.pick(
        [
            "community garden",
            "running club",
            "makerspace",
            "library friends group",
            "neighborhood association",
            "alumni network",
            "food co-op",
            "climbing gym",
            "film society",
            "parents' association",
        ]
    )
    org = f"{w.pick(pools.STREETS)} {org_kind.title()}"
    editor = w.person()
    domain = org.split()[0].lower() + ".org"
    events = []
    for _ in range(max(5, n) + 1):
        events.append(
            {
                "what": w.unique(
                    [
                        "plant swap",
                        "open day",
                        "volunteer day",
                        "fundraiser dinner",
                        "members' meeting",
                        "workshop on " + w.pick(pools.HOBBIES),
                        "film night",
                        "trail cleanup",
                        "book fair",
                        "repair café",
                        "5K fun run",
                        "potluck",
                        "summer party",
                        "quiz night",
                    ]
                ),
                "day": w.day(5, 40),
                "time": w.time(9, 19),
                "place": w.pick([w.address(), w.venue(), f"{w.pick(pools.STREETS)} Park"]),
            }
        )
    discount = w.number(10, 40)
    promo = w.pick(["SPRING", "MEMBER", "WELCOME", "FALL", "HELLO", "THANKS"]) + str(
        w.number(10, 99)
    )
    fee = w.money(5, 60, cents=False)
    deadline = w.day(3, 20)
    subject_issue = w.number(12, 140)
    main = events[0]
    changed = n > 1 and w.chance(0.5) or n == 1 and size == "long" and w.chance(0.3)
    new_day = w.day(1, 10, after=main["day"])

    def issue(k: int, ev: dict, with_offer: bool) -> list[str]:
        if size == "short" and n > 1:
            return [
                w.say(
                    "[Our|The] {what} is on {d} at {t} at {p}.",
                    what=ev["what"],
                    d=ev["day"].full,
                    t=ev["time"],
                    p=ev["place"],
                )
            ]
        body = [
            w.say(
                "[Welcome to issue {k} of the {o} newsletter|Here's what's happening at the {o}"
                "|This is your {o} update for {m}].",
                k=subject_issue + k,
                o=org,
                m=w.today.value.strftime("%B"),
            ),
            w.say(
                "[Our|The] {what} [is on|takes place on|will be held on] {d} at {t} at {p}"
                "[, and everyone is welcome| - bring a friend|].",
                what=ev["what"],
                d=ev["day"].full,
                t=ev["time"],
                p=ev["place"],
            ),
        ]
        if with_offer:
            body.append(
                w.say(
                    "[Members get|Newsletter readers get|Use code {c} for] {x}% off [tickets|the "
                    "entry fee of {f}|workshop places] [until {d}|if you sign up by {d}].",
                    c=promo,
                    x=discount,
                    f=fee,
                    d=deadline.full,
                )
            )
        if size != "short" and (n == 1 or k == 0):
            body.append(
                w.say(
                    "[Thanks to|A big thank-you to] {p} [for|who spent] [{h} hours|the whole of "
                    "{m}] [fixing the {thing}|organizing the {thing}].",
                    p=w.person().full,
                    h=w.number(10, 80),
                    m=w.day(-60, -20).value.strftime("%B"),
                    thing=w.pick(
                        [
                            "tool shed",
                            "sign-up sheet",
                            "website",
                            "rota",
                            "kitchen",
                            "members' list",
                            "storage room",
                        ]
                    ),
                )
            )
        return body

    facts = [
        org,
        main["what"],
        (new_day if changed else main["day"]).full,
        f"{discount}%",
        promo,
        main["place"],
    ]
    superseded = [main["day"].full] if changed else []
    mail = Mail(w, f"{org}: {main['what']} on {main['day'].md}", domain, formal=True)
    to = f"{org} members <members@{domain}>"
    pads = pads_for(w, _newsletter_pads(w, org))

    def change_sentence() -> str:
        return w.say(
            "[Schedule change|Please note|Update]: [because of|due to] [the forecast|the {x} "
            "closure|a double booking], the {what} [moves|has moved] to {d}[ at the same time| "
            "- same place|].",
            x=w.pick(pools.STREETS) + " Street",
            what=main["what"],
            d=new_day.full,
        )

    if n == 1:
        body = issue(0, main, True)
        if size == "long":
            items = [
                "{w}: {d}, {t}, {p}".format(
                    w=ev["what"][:1].upper() + ev["what"][1:],
                    d=ev["day"].full,
                    t=ev["time"],
                    p=ev["place"],
                )
                for ev in sorted(events[1 : 1 + w.number(3, 5)], key=lambda e: e["day"].value)
            ]
            body += _listing(w, "[Coming up|Also on the calendar|Dates for your diary]", items)
        if changed:
            body.append(change_sentence())
        docs = [mail.doc(editor, to, body, greet=w.pick(["friends", "neighbors", "everyone"]))]
        return Draft(docs, facts, superseded, pads)

    docs: list[Doc] = []
    for k in range(n):
        if k == 0:
            body = issue(0, main, True)
        elif changed and k == n - 1:
            body = [change_sentence()]
            if size != "short":
                body.append(
                    w.say(
                        "[Apologies for the change|Thanks for bearing with us], {p}.",
                        p=w.pick(["everyone", "friends", "all"]),
                    )
                )
        else:
            body = issue(k, events[k], False)
        mail.count = 0  # every issue is its own email from the same sender
        docs.append(mail.doc(editor, to, body, greet=None))
        mail.subject = f"{org}: {events[min(k + 1, len(events) - 1)]['what']}"
    return Draft(docs, facts, superseded, pads)


def _newsletter_pads(w: World, org: str) -> list:
    return phrases(
        w,
        (
            "We still need {k} volunteers for [the front desk|setup|cleanup] on {d}; [reply to "
            "this email|sign up on the board] if you can help.",
            lambda: dict(k=w.number(2, 9), d=w.day(3, 30).full),
        ),
        (
            "[Annual|Membership] dues of {a} are [due|payable] by {d}[, and {p} can take cash at "
            "the desk|; bank details are on the website].",
            lambda: dict(a=w.money(15, 90, cents=False), d=w.day(10, 60).md, p=w.person().first),
        ),
        (
            "[Member spotlight|This month's spotlight]: {p} [has been with us since|joined in] "
            "{y} and [runs the|now leads the] {h} [group|circle] on {wd}s.",
            lambda: dict(
                p=w.person().full,
                y=w.number(2009, 2024),
                h=w.pick(pools.HOBBIES),
                wd=w.day(1, 7).wd,
            ),
        ),
        (
            "[Last month's|Our {m}] [raffle|bake sale|fundraiser] raised {a}, [which will go "
            "toward|enough for] [new {thing}|the {thing} repairs].",
            lambda: dict(
                m=w.day(-50, -25).value.strftime("%B"),
                a=w.money(200, 9000, cents=False),
                thing=w.pick(
                    ["benches", "tools", "lights", "bikes", "chairs", "shelves", "planters"]
                ),
            ),
        ),
        (
            "[Our friends at {v} are offering|{v} offers] {x}% off [for members|with your "
            "card] [through {m}|on {wd}s].",
            lambda: dict(
                v=w.venue(),
                x=w.number(5, 25),
                m=w.day(20, 60).value.strftime("%B"),
                wd=w.day(1, 7).wd,
            ),
        ),
        (
            "[Lost and found|Found after the last event]: a {c} {thing} and [a set of keys|a "
            "water bottle]; ask {p} at {a}.",
            lambda: dict(
                c=w.pick(pools.COLORS),
                thing=w.pick(["umbrella", "scarf", "jacket", "backpack"]),
                p=w.person().first,
                a=w.address(),
            ),
        ),
        (
            "[Opening hours|Our hours] [change|are shorter] from {d}: [{t1} to {t2} on weekdays|"
            "closed on {wd}s].",
            lambda: dict(d=w.day(5, 40).md, t1=w.time(7, 10), t2=w.time(16, 20), wd=w.day(1, 7).wd),
        ),
        (
            "[The board|Our committee] [elected|welcomed] {p} as [treasurer|secretary|chair] "
            "[at the {d} meeting|last month], [taking over from|after] {q}.",
            lambda: dict(p=w.person().full, d=w.day(-40, -10).md, q=w.person().full),
        ),
        (
            "[New this season|Starting soon]: a course of {k} weeks of {h} [on {wd}s|every {wd}] "
            "[with {p}|taught by {p}], {a} for members.",
            lambda: dict(
                k=w.number(4, 10),
                h=w.pick(pools.HOBBIES),
                wd=w.day(1, 7).wd,
                p=w.person().full,
                a=w.money(20, 120, cents=False),
            ),
        ),
        (
            "[Thank you to the|Thanks to all] {k} members who answered [our survey|the {m} "
            "survey]; [the top request was|most of you asked for] {x}.",
            lambda: dict(
                k=w.number(30, 400),
                m=w.day(-60, -20).value.strftime("%B"),
                x=w.pick(
                    [
                        "longer opening hours",
                        "more weekend events",
                        "a kids' program",
                        "better lighting",
                        "a second location",
                    ]
                ),
            ),
        ),
        (
            "[The {thing} is|Our {thing} is] [closed for repairs|being renovated] [until|from] "
            "{d}; [{p} is coordinating|questions to {p}].",
            lambda: dict(
                thing=w.pick(["kitchen", "main hall", "bike shed", "workshop", "reading room"]),
                d=w.day(5, 45).full,
                p=w.person().first,
            ),
        ),
        (
            "[A warm welcome to|Please welcome] our {k} new members [this month|since {m}], "
            "including {p} and {q}.",
            lambda: dict(
                k=w.number(3, 40),
                m=w.day(-45, -20).value.strftime("%B"),
                p=w.person().full,
                q=w.person().full,
            ),
        ),
        (
            "{c} [donated|has pledged] {a} [toward|for] [the {x}|our {x}][, thank you!|.]",
            lambda: dict(
                c=w.company(),
                a=w.money(250, 12000, cents=False),
                x=w.pick(["new roof", "scholarship fund", "youth program", "equipment fund"]),
            ),
        ),
        (
            "[Questions|Ideas for the next issue]? Write to {p} at {e}[ or call {ph}|].",
            lambda: dict(
                p=w.person().first,
                e=f"hello@{org.split()[0].lower()}.org",
                ph=f"{w.code(3)}-{w.code(3)}-{w.code(4)}",
            ),
        ),
    )


# --------------------------------------------------------------------------------------
def order_receipt(w: World, n: int, size: str) -> Draft:
    store = w.store()
    domain = store.lower().replace(" & ", "and").replace(" ", "") + ".com"
    buyer = w.person()
    agent = w.person()
    order_no = w.code(w.pick([5, 6, 7]), prefix=w.pick(["#", "#", "No. ", "#A"]))
    items = [w.product() for _ in range(w.number(3, 5) if size == "long" else w.pick([1, 2, 3]))]
    prices = [w.money(12, 420) for _ in items]
    subtotal = sum(float(p.strip("$").replace(",", "")) for p in prices)
    ship_cost = w.pick([0.0, 4.99, 7.5, 9.95, 12.0])
    tax = round(subtotal * w.pick([0.0, 0.05, 0.07, 0.0825, 0.1]), 2)
    total = f"${subtotal + ship_cost + tax:,.2f}"
    arrive = w.day(2, 8)
    address = w.address() + ", " + w.city()
    carrier = w.pick(pools.CARRIERS)
    tracking = w.code(10, prefix=w.pick(["PP", "SS", "CR", "WP", "RO"]))
    delayed = n > 2 and w.chance(0.6) or n == 2 and w.chance(0.4)
    new_arrive = w.day(1, 6, after=arrive)
    mail = Mail(
        w,
        f"Your {store} order {order_no}",
        domain,
        headings=["Good to know", "More information", "Your account", "The fine print"],
    )
    sender = Person("orders", "")
    shop = {"display": store}

    def confirmation() -> list[str]:
        lines = [
            w.say(
                "[Thanks for your order|We've received your order|Good news: your order is "
                "confirmed], {b}! [Order|Your order] {o} [comes to|totals] {t}[ including "
                "shipping|, tax included|].",
                b=buyer.first,
                o=order_no,
                t=total,
            ),
            w.say(
                "[You ordered|Items]: {items}.",
                items="; ".join(f"{i} ({p})" for i, p in zip(items, prices, strict=True)),
            ),
            w.say(
                "[Estimated delivery: {d}|It should arrive on {d}|Expected arrival: {d}][ to {a}|"
                " at {a}|].",
                d=arrive.full,
                a=address,
            ),
        ]
        return lines

    def fresh(subject: str) -> None:
        """Store notifications are new emails with their own subject, not replies."""
        mail.subject, mail.count = subject, 0

    def shipped() -> Doc:
        fresh(f"Your order {order_no} has shipped")
        body = [
            w.say(
                "[Your package is on its way|Order {o} has shipped|It's on the move]! {c} "
                "tracking number {k}[ - expected {d}|].",
                o=order_no,
                c=carrier,
                k=tracking,
                d=arrive.md,
            )
        ]
        return mail.doc(sender, buyer.full, body, greet=buyer.first, sign=False, **shop)

    def delay() -> Doc:
        fresh(f"Delivery update for order {order_no}")
        body = [
            w.say(
                "[We're sorry|Apologies]: [a weather delay at the {c} hub|high volume at our "
                "warehouse|a missed connection in {c}] means order {o} will now arrive {d}"
                "[ instead of {old}|].",
                c=w.city(),
                o=order_no,
                d=new_arrive.full,
                old=arrive.md,
            )
        ]
        return mail.doc(sender, buyer.full, body, greet=buyer.first, sign=False, **shop)

    def question() -> Doc:
        fresh(f"Order {order_no} delivery")
        mail.count = 1
        body = [
            w.say(
                "[Hi|Hello] - [can you|could you] [leave it with|deliver it to] [the building "
                "manager|my neighbor at {a}|the parcel locker] if nobody's home? [Thanks|Cheers].",
                a=w.address(),
            )
        ]
        return mail.doc(buyer, f"help@{domain}", body, sign=True, sender_domain="mailbox.net")

    reply = mail.reply(
        agent,
        buyer.full,
        "[Of course|Done], {b} - [I've added a note|the courier will see a note] to "
        "[leave it|deliver it] [as you asked|there]. [Ticket|Reference] {r}.",
        lambda: dict(b=buyer.first, r=w.code(6, prefix="T-")),
        sign=True,
    )

    def review() -> Doc:
        fresh(f"How was your {store} order?")
        body = [
            w.say(
                "[How did we do|Tell us what you think]? [Rate|Review] your {i} [and get|for] "
                "{x}% off your next order[ before {d}|].",
                i=items[0],
                x=w.number(5, 20),
                d=w.day(20, 50).md,
            )
        ]
        return mail.doc(sender, buyer.full, body, sign=False, **shop)

    def delivered() -> Doc:
        fresh(f"Delivered: order {order_no}")
        d = new_arrive if delayed else arrive
        body = [
            w.say(
                "[Delivered|Your package was delivered|Order {o} was delivered] on {d} at {t}"
                "[ - left at the front door| and signed for by {p}| to the parcel locker].",
                o=order_no,
                d=d.full,
                t=w.time(9, 19),
                p=w.person().first,
            )
        ]
        return mail.doc(sender, buyer.full, body, sign=False, **shop)

    final_day = new_arrive if delayed else arrive
    facts = [store, order_no, total, items[0], final_day.full]
    superseded = [arrive.full] if delayed else []
    pads = pads_for(w, _order_pads(w, store, order_no, buyer, address), doc=0)

    def head() -> Doc:
        doc = mail.doc(sender, buyer.full, confirmation(), greet=None, sign=False, **shop)
        if size == "long":
            doc.body += _listing(
                w,
                "[Delivery details|Shipping to]",
                [
                    f"Ship to: {buyer.full}, {address}",
                    f"Carrier: {carrier} ({'free' if not ship_cost else 'standard'} shipping)",
                    f"Estimated arrival: {arrive.full}",
                    w.say(
                        "Instructions: [leave at the {x}|ring twice|none]",
                        x=w.pick(["back door", "front porch", "parcel locker"]),
                    ),
                ],
            )
        if size != "short":
            lines = [f"{i} x1: {p}" for i, p in zip(items, prices, strict=True)] + [
                f"Subtotal: ${subtotal:,.2f}",
                f"Shipping: {'free' if not ship_cost else f'${ship_cost:,.2f}'}",
                f"Tax: ${tax:,.2f}",
                f"Total charged: {total}",
            ]
            doc.body[1:2] = _listing(w, "[Order summary|Your items|Receipt]", lines)
        return doc

    if n == 1:
        return Draft([head()], facts, superseded, pads)
    tail = [shipped, delay, delivered] if delayed else [shipped, delivered]
    docs = assemble(w, n, head, [question, reply, review], tail)
    return Draft(docs, facts, superseded, pads)


def _order_pads(w: World, store: str, order_no: str, buyer: Person, address: str) -> list:
    return phrases(
        w,
        (
            "[Paid with|Payment method]: [Visa|Mastercard|debit card] ending in {k}[, charged "
            "on {d}|].",
            lambda: dict(k=w.code(4), d=w.today.md),
        ),
        (
            "[Returns are free|You can return items] within {k} days[ at any {s} store| using "
            "the label in the box|]; [questions|any questions]? Call {ph}.",
            lambda: dict(
                k=w.pick([14, 30, 45, 60, 90]), s=store, ph=f"1-800-{w.code(3)}-{w.code(4)}"
            ),
        ),
        (
            "[You earned|This order earned you] {k} [reward points|points], [bringing your "
            "balance to|for a total of] {t}.",
            lambda: dict(k=w.number(20, 400), t=w.number(400, 9000)),
        ),
        (
            "[Billing address|Billed to]: {b}, {a}[ - {c}|].",
            lambda: dict(b=buyer.full, a=w.address(), c=w.city()),
        ),
        (
            "[Customers who bought this also liked|You might also like] the {a} and the {b}"
            "[ - now {x}% off|].",
            lambda: dict(a=w.product(), b=w.product(), x=w.number(10, 30)),
        ),
        (
            '[Gift message|Note to recipient]: "[Happy birthday|Congrats on the new place|'
            'Enjoy], {p}! [Love|From], {q}."',
            lambda: dict(p=w.person().first, q=buyer.first),
        ),
        (
            "[Care instructions|How to care for it]: [wash at {k} degrees|hand wash only|wipe "
            "with a damp cloth], and [avoid direct sun|do not tumble dry|keep it dry].",
            lambda: dict(k=w.pick([30, 40, 60])),
        ),
        (
            "[Prefer to collect|Changed your mind]? [Our {c} store at {a}|The {c} pickup point "
            "at {a}] holds orders for {k} days.",
            lambda: dict(c=w.city(), a=w.address(), k=w.number(5, 14)),
        ),
        (
            "[Our {m} sale|The members' sale] starts {d}: [up to|an extra] {x}% off {cat}.",
            lambda: dict(
                m=w.day(10, 60).value.strftime("%B"),
                d=w.day(10, 60).md,
                x=w.number(10, 50),
                cat=w.pick(
                    ["home goods", "outdoor gear", "kitchenware", "footwear", "electronics"]
                ),
            ),
        ),
        (
            "[We ship in|Your order comes in] [recycled|plastic-free] packaging; [drop it off|"
            "return the box] at {a} [for {x}% off next time|to earn {k} points].",
            lambda: dict(a=w.address(), x=w.number(5, 15), k=w.number(20, 200)),
        ),
        (
            "[Track your order|See order {o}] [in your account|at {s}.example/orders], signed "
            "in as {e}.",
            lambda: dict(o=order_no, s=store.split()[0].lower(), e=buyer.email("mailbox.net")),
        ),
    )


# --------------------------------------------------------------------------------------
def personal(w: World, n: int, size: str) -> Draft:
    me, friend = w.person(), w.person()
    third = w.person()
    mail = Mail(w, "", "mailbox.net", formal=True)
    occasion = w.pick(
        [
            "birthday dinner",
            "housewarming",
            "engagement party",
            "farewell party",
            "barbecue",
            "reunion lunch",
            "baby shower",
            "graduation party",
            "retirement party",
            "game night",
        ]
    )
    honoree = w.pick([me.first, third.first])
    d1, t1 = w.day(5, 30), w.time(12, 20)
    home = w.address()
    place1 = w.pick([w.venue(), w.address(), f"{third.first}'s place on {home}"])
    news_city = w.city()
    job = w.company()
    changed = (n > 1 and w.chance(0.6)) or (n == 1 and size != "short" and w.chance(0.3))
    d2, t2 = w.day(1, 7, after=d1), w.time(12, 20)
    place2 = w.pick([w.venue(), place1])
    bring = w.pick(pools.DISHES)
    mail.subject = w.pick(
        [
            f"{occasion.title()} on {d1.md}!",
            f"Save the date: {occasion}",
            f"{occasion} plans",
            "Catching up + an invite",
        ]
    )

    def letter() -> list[str]:
        body = [
            w.say(
                "[It's been too long, {f}|I hope you and {k} are well|Long time no see]! [Big news|"
                "Some news]: I [just started at|accepted an offer from] {j} and [we're moving|"
                "I'm moving] to {c} [in|at the end of] {m}.",
                f=friend.first,
                k=w.pick(pools.FIRST_NAMES),
                j=job,
                c=news_city,
                m=w.day(30, 90).value.strftime("%B"),
            ),
            w.say(
                "[We're having|I'm throwing|{h} is hosting] a {o} on {d} at {t} at {p}[ and "
                "I'd love for you to come.| - please come!|.]",
                h=third.first,
                o=occasion,
                d=d1.full,
                t=t1,
                p=place1,
            ),
        ]
        if size != "short":
            body.append(
                w.say(
                    "[Could you bring|Would you mind making] [your famous|a tray of] {b}"
                    "[? Everyone still talks about it|?|, if it's not too much trouble?]",
                    b=bring,
                )
            )
        return body

    def move_sentence() -> str:
        return w.say(
            "[Change of plans|Slight change|Update]: [{h}'s flight got moved|the place "
            "cancelled our booking|half the group is away that weekend], so [it's now|we're "
            "doing it on] {d} at {t} at {p}.",
            h=third.first,
            d=d2.full,
            t=t2,
            p=place2,
        )

    final = (d2, t2, place2) if changed else (d1, t1, place1)
    place_fact = home if final[2].endswith(f"place on {home}") else final[2]
    facts = [occasion, final[0].full, final[1], place_fact, me.full, job]
    superseded = [d1.full] if changed else []
    pads = pads_for(w, _personal_pads(w, me, friend))

    if n == 1:
        body = letter()
        if changed:
            body.append(move_sentence())
        return Draft([mail.doc(me, friend.full, body, greet=friend.first)], facts, superseded, pads)

    both = _to([friend, third])

    congrats = mail.reply(
        friend,
        _to([me]),
        "[Congratulations|Wow, congrats] on {j}! {c} [is a great city|will be amazing]"
        "[ - I visited in {y}|]. [I'll be there|Wouldn't miss it] [and can bring|- "
        "happy to make] the {b}.",
        lambda: dict(j=job, c=news_city, y=w.number(2012, 2024), b=bring),
        greet=me.first,
    )

    plus_one = mail.reply(
        friend,
        _to([me]),
        "[Is it okay if|Can] I bring {p}? [We've been seeing each other since|She's "
        "visiting from] {x}.",
        lambda: dict(
            p=w.person().first, x=w.pick([w.day(-200, -60).value.strftime("%B"), w.city()])
        ),
    )

    gift = mail.reply(
        third,
        both,
        "[Should we|Want to] [chip in for|go in on] a gift for {h}? [I was thinking|"
        "Maybe] a {g}, about {a} each.",
        lambda: dict(h=honoree, g=w.product(), a=w.money(15, 60, cents=False)),
    )

    directions = mail.reply(
        third,
        both,
        "[Parking is tricky|There's no parking] near {p}; [take the|the] {k} bus [stops "
        "right outside|drops you two blocks away].",
        lambda: dict(p=place1, k=w.number(3, 99)),
    )

    kids = mail.reply(
        friend,
        _to([me]),
        "[Are kids welcome|Can we bring the kids]? [{a} is {k} now|Ours are {k} and {k2}] "
        "and [very excited|would love it].",
        lambda: dict(a=w.person().first, k=w.number(3, 12), k2=w.number(2, 9)),
    )

    def change() -> Doc:
        return mail.doc(me, both, [move_sentence()], greet="both")

    confirm = mail.reply(
        friend,
        both,
        "[Perfect|Great|Works for us] - [see you|we'll be there] on {d} at {t}[ with the {b}|]!",
        lambda: dict(d=final[0].wd, t=final[1], b=bring),
    )

    fillers = [congrats, plus_one, gift, directions, kids]
    tail = [change, confirm] if changed else [confirm]
    docs = assemble(w, n, lambda: mail.doc(me, both, letter(), greet=friend.first), fillers, tail)
    return Draft(docs, facts, superseded, pads)


def _personal_pads(w: World, me: Person, friend: Person) -> list:
    return phrases(
        w,
        (
            "[{k} says hi|{k} keeps asking about you] - [she|he] [started|just finished] "
            "[{h} lessons|a {h} course] [in {m}|this spring].",
            lambda: dict(
                k=w.person().first, h=w.pick(pools.HOBBIES), m=w.day(-90, -10).value.strftime("%B")
            ),
        ),
        (
            "We [finally went|got back from a trip] to {c} [in {m}|last month] and [ate far too "
            "much|it rained every single day|I want to move there].",
            lambda: dict(c=w.city(), m=w.day(-100, -20).value.strftime("%B")),
        ),
        (
            "[Also|Oh, and] we adopted a {k} called {n}[ from the {c} shelter|]; [she|he] is "
            "{x} months old and [chews everything|already rules the house].",
            lambda: dict(
                k=w.pick(pools.PETS), n=w.pick(pools.PET_NAMES), c=w.city(), x=w.number(2, 11)
            ),
        ),
        (
            "If you're ever in {c}, [try|go to] {v} - [the {d} is|their {d} is] [unreal|worth "
            "the trip].",
            lambda: dict(c=w.city(), v=w.venue(), d=w.pick(pools.DISHES)),
        ),
        (
            "[I still owe you|Don't let me forget I owe you] {a} for the [concert tickets|cabin|"
            "taxi] from {m}!",
            lambda: dict(a=w.money(20, 180, cents=False), m=w.day(-200, -30).value.strftime("%B")),
        ),
        (
            "[Mum is doing much better after her knee operation|Dad is back home after his "
            "hospital stay|Grandma is doing much better after the surgery] on {d}, [thanks for "
            "asking|so that's a relief].",
            lambda: dict(d=w.day(-30, -5).md),
        ),
        (
            "[I've taken up|I'm obsessed with] {h} [and go every|- there's a class every] {wd} "
            "at {v}[ with {p}|].",
            lambda: dict(
                h=w.pick(pools.HOBBIES), wd=w.day(1, 7).wd, v=w.venue(), p=w.person().first
            ),
        ),
        (
            "[The renovation|Our kitchen project] [is finally done|is taking forever] - "
            "[{k} weeks|since {m}] and [{a} over budget|counting]!",
            lambda: dict(
                k=w.number(3, 20),
                m=w.day(-120, -30).value.strftime("%B"),
                a=w.money(300, 6000, cents=False),
            ),
        ),
        (
            "[I'm reading|Just finished] a [novel|memoir] set in {c} that {p} [lent me|"
            "recommended] - [you'd love it|I'll bring it for you].",
            lambda: dict(c=w.city(), p=w.person().first),
        ),
        (
            "[Work is|Things at {c} are] [busy|calmer] [since|after] {m}; [{p} left|we hired "
            "{k} people] and [I'm|I've been] [leading the {t}|on the {t}].",
            lambda: dict(
                c=w.company(),
                m=w.day(-100, -20).value.strftime("%B"),
                p=w.person().first,
                k=w.number(2, 12),
                t=w.topic(),
            ),
        ),
        (
            "[{k}|Our youngest] [lost a first tooth|started school|learned to ride a bike] "
            "[on {d}|last week] and [won't stop talking about it|is very proud].",
            lambda: dict(k=w.person().first, d=w.day(-20, -2).md),
        ),
        (
            "[The garden|Our balcony] [exploded with|finally has] {x}[ - I'll bring you some|, "
            "{k} jars of jam so far].",
            lambda: dict(
                x=w.pick(["tomatoes", "zucchini", "strawberries", "basil", "figs"]),
                k=w.number(2, 14),
            ),
        ),
        (
            "[I ran|We did] the {c} half marathon on {d} in {t}[ - a personal best|, "
            "slower than I hoped].",
            lambda: dict(
                c=w.city(),
                d=w.day(-40, -3).md,
                t=f"{w.number(1, 2)}:{w.number(10, 59)}:{w.number(10, 59)}",
            ),
        ),
        (
            "[Did you hear|Guess what]: {b} [is touring again|plays {c}] on {d} - [want to "
            "go|tickets are {a}]?",
            lambda: dict(
                b=w.pick(["the Paper Kites", "Lantern Choir", "Blue Hour", "the Night Owls"]),
                c=w.city(),
                d=w.day(20, 90).md,
                a=w.money(35, 120, cents=False),
            ),
        ),
    )


# --------------------------------------------------------------------------------------
def support(w: World, n: int, size: str) -> Draft:
    customer, agent = w.person(), w.person()
    company = w.company()
    domain = w.domain(company)
    brand = company.split()[0]
    product = f"{brand} {w.pick(pools.DEVICES)}"
    ticket = w.code(6, prefix=w.pick(["#", "#", "CS-", "TK-"]))
    problem = w.pick(pools.DEVICE_PROBLEMS).format(e=w.number(10, 99), m=w.number(5, 40))
    bought = w.day(-120, -10)
    amount = w.money(29, 650)
    resolution = w.pick(["replacement", "refund", "repair"])
    switched = n > 2 and w.chance(0.5)
    others = [r for r in ("replacement", "refund", "repair") if r != resolution]
    final = w.pick(others) if switched else resolution
    due = w.day(2, 10)
    carrier = w.pick(pools.CARRIERS)
    mail = Mail(w, f"[Ticket {ticket}] {product}: {problem}", domain)

    def report() -> list[str]:
        body = [
            w.say(
                "[Hi|Hello], my {p} {x}[ since {d}|]. [I bought it on|It was delivered on] {b}"
                "[ for {a}| and paid {a}|].",
                p=product,
                x=problem,
                d=w.day(-9, -1).wd,
                b=bought.md,
                a=amount,
            ),
        ]
        if size != "short":
            body.append(
                w.say(
                    "[I've already tried|So far I've tried] [restarting it|a factory reset|"
                    "updating the firmware] and [reinstalling the {b} app|a different cable], "
                    "[but nothing worked|with no luck].",
                    b=brand,
                )
            )
        body.append(
            w.say(
                "[I'd like a {r} [of the {b} unit|under warranty|before {d}].|Can I get a {r}"
                " [before {d}|on this {b} one]?|Could you arrange a {r} by {d}?]",
                r=resolution,
                b=brand,
                d=w.day(3, 12).wd,
            )
        )
        return body

    def resolution_text(kind: str) -> str:
        return w.say(
            {
                "replacement": "[I've arranged|We're sending] a replacement {p}; it ships by {d}"
                "[ with a prepaid return label|].",
                "refund": "[I've issued|We've approved] a refund of {a} to your original payment "
                "method; [expect it by|it should appear by] {d}.",
                "repair": "[We'll repair it|A technician will repair it] for free: [{c} "
                "collects it on|drop it at the {city} service center by] {d}.",
            }[kind],
            p=product,
            d=due.full,
            a=amount,
            c=carrier,
            city=w.city(),
        )

    def next_steps(kind: str) -> list[str]:
        ref = w.code(6, prefix=w.pick(["RF-", "RMA-", "RP-"]))
        items = {
            "refund": [
                f"Refund amount: {amount}",
                f"Reference: {ref}",
                f"Expected by: {due.full}",
                w.say("[No need to return|You can keep] the {p}[; please recycle it|]", p=product),
            ],
            "replacement": [
                w.say(
                    "[Pack|Box up] the old {p} [in its original box|with the charger]", p=product
                ),
                f"Print the prepaid label (reference {ref})",
                f"{carrier} collects the old unit on {due.full}",
                w.say(
                    "[Your replacement|The new unit] ships [the same day|within {k} hours]",
                    k=w.pick([24, 48]),
                ),
            ],
            "repair": [
                f"Repair reference: {ref}",
                w.say("[Back up your data|Remove any cards or cables] before {d}", d=due.md),
                w.say(
                    "[Repairs take|Expect the repair to take] {k} working days", k=w.number(3, 10)
                ),
                w.say("[We'll text you|You'll get an email] when it's [ready|on its way back]"),
            ],
        }[kind]
        return _listing(w, "[Next steps|What happens now|Here's the plan]", items)

    facts_final = {"replacement": "replacement", "refund": amount, "repair": "repair"}[final]
    facts = [ticket, product, facts_final, due.full, agent.full]
    superseded = [resolution] if switched else []
    pads = pads_for(w, _support_pads(w, company, product))

    if n == 1:
        if w.chance(0.5):  # the agent's resolution email
            body = [
                w.say(
                    "[Thanks for contacting|Thank you for reaching out to] {c} about ticket {t}.",
                    c=company,
                    t=ticket,
                ),
                w.say("[I'm sorry|Sorry] to hear that your {p} {x}.", p=product, x=problem),
                resolution_text(final),
            ]
            if size == "long":
                body += next_steps(final)
            if size != "short":
                body.append(
                    w.say(
                        "[Reply to this email|Just reply here] if [anything else comes up|you have "
                        "questions] - [I'm|I'll be] [on shift until|here until] {t}.",
                        t=w.time(15, 20),
                    )
                )
            doc = mail.doc(agent, customer.full, body, greet=customer.first)
        else:
            facts = [product, amount, resolution, bought.md, customer.full]
            body = report()
            if size == "long":
                details = [
                    f"Order number: {w.code(7, prefix='#')}",
                    f"Purchased: {bought.md}, {amount}",
                    f"Serial: SN{w.code(8)}",
                    w.say(
                        "[Tried|Already tried]: [a reset|a new cable|the {x} app], [a "
                        "different outlet|a firmware update]",
                        x=brand,
                    ),
                    f"Best time to call: {w.time(9, 12)} - {w.time(13, 18)}",
                ]
                body[1:1] = _listing(w, "[Details|My details|Some details]", details)
            doc = mail.doc(
                customer, f"support@{domain}", body, greet=None, sender_domain="mailbox.net"
            )
        return Draft([doc], facts, [], pads)

    ask_info = mail.reply(
        agent,
        customer.full,
        "[Thanks, {c}|Sorry about that, {c}]. [Could you send|Can you share] [the serial "
        "number|a photo of the label|your order number] and [the firmware version|when "
        "it first happened]?",
        lambda: dict(c=customer.first),
    )

    give_info = mail.reply(
        customer,
        f"support@{domain}",
        "[Serial|Serial number] {s}[, firmware {v}|]; it [started|first happened] "
        "[on {d}|after the {d} update].",
        lambda: dict(
            s=w.code(8, prefix="SN"),
            v=f"{w.number(1, 5)}.{w.number(0, 20)}",
            d=w.day(-10, -1).md,
        ),
        sender_domain="mailbox.net",
    )

    escalate = mail.reply(
        agent,
        customer.full,
        "[I've escalated this to|I'm looping in] {p} [from our {dept} team|, our "
        "{dept} lead], who [can approve|handles] cases like this.",
        lambda: dict(
            p=w.person().full, dept=w.pick(["hardware", "billing", "returns", "warranty"])
        ),
    )

    chase = mail.reply(
        customer,
        f"support@{domain}",
        "[Any update?|Just following up.] [It's been {k} days|I need it working by {d}]"
        "[ - it's for my {x}|].",
        lambda: dict(
            k=w.number(3, 9),
            d=w.day(3, 10).wd,
            x=w.pick(["home office", "daughter's school project", "business"]),
        ),
        sender_domain="mailbox.net",
    )

    def offer() -> Doc:
        return mail.doc(agent, customer.full, [resolution_text(resolution)])

    switch = mail.reply(
        customer,
        f"support@{domain}",
        "[Actually|On second thought], [a {r} won't work for me|I'd rather not wait for "
        "a {r}] - [could I|can I] [get a|have a] {f} instead?",
        lambda: dict(r=resolution, f=final),
        sender_domain="mailbox.net",
    )

    def final_doc() -> Doc:
        body = [resolution_text(final)]
        if size == "long":
            body += next_steps(final)
        return mail.doc(agent, customer.full, body)

    head = lambda: mail.doc(customer, f"support@{domain}", report(), sender_domain="mailbox.net")  # noqa: E731
    tail = [offer, switch, final_doc] if switched else [final_doc]
    docs = assemble(w, n, head, [ask_info, give_info, escalate, chase], tail)
    return Draft(docs, facts, superseded, pads)


def _support_pads(w: World, company: str, product: str) -> list:
    return phrases(
        w,
        (
            "[Your warranty|The warranty on the {p}] [runs until|covers it until] {d}[, so there's "
            "no charge|].",
            lambda: dict(p=product, d=w.day(60, 500).full),
        ),
        (
            "[After this ticket closes|Once we're done] you'll get a {k}-question survey from "
            "{c}[ - it takes a minute|].",
            lambda: dict(k=w.number(2, 6), c=company),
        ),
        (
            "[Our phone line|Phone support] is open {t1} to {t2}[ on weekdays|, Monday to "
            "Saturday] at {ph}.",
            lambda: dict(t1=w.time(7, 10), t2=w.time(17, 21), ph=f"1-888-{w.code(3)}-{w.code(4)}"),
        ),
        (
            "[Tip|In the meantime]: [keep it unplugged|avoid charging it overnight|turn off "
            "auto-update] until [the {x} arrives|we've sorted this out][, as {p} suggested|].",
            lambda: dict(x=w.pick(["replacement", "courier", "technician"]), p=w.person().first),
        ),
        (
            "[I see|Our records show] a [similar|previous] case ({t}) from {d}[ on the same "
            "account|], [closed|resolved] by {p}.",
            lambda: dict(t=w.code(6, prefix="#"), d=w.day(-300, -40).md, p=w.person().full),
        ),
        (
            "[There is no recall|No recall has been issued] for {p} units made before {d}[, "
            "so this looks like a one-off|].",
            lambda: dict(p=product, d=w.day(-400, -60).value.strftime("%B %Y")),
        ),
        (
            "[Our community forum|The help center] has a [guide|thread] on this from {d}[ with "
            "{k} replies|], written by {p}.",
            lambda: dict(d=w.day(-200, -10).md, k=w.number(4, 90), p=w.person().first),
        ),
        (
            "[Back up your data|Export your settings] [before|ahead of] the {x}; [our guide|the "
            "steps] take about {k} minutes.",
            lambda: dict(x=w.pick(["repair", "replacement", "reset"]), k=w.number(5, 25)),
        ),
        (
            "[You can also|Alternatively,] [visit|bring it to] our {c} store at {a}[, open "
            "until {t}|] and [ask for|speak with] {p}.",
            lambda: dict(c=w.city(), a=w.address(), t=w.time(17, 21), p=w.person().first),
        ),
        (
            "[As an apology|For the trouble], [we've added|there's] a {a} credit [to your "
            "account|on your next order] valid until {d}.",
            lambda: dict(a=w.money(5, 40, cents=False), d=w.day(30, 120).md),
        ),
    )


# --------------------------------------------------------------------------------------
def announcement(w: World, n: int, size: str) -> Draft:
    sender = w.person()
    company = w.company()
    domain = w.domain(company)
    kind = w.pick(
        [
            "all-hands",
            "office move",
            "benefits enrollment",
            "fire drill",
            "IT maintenance",
            "holiday party",
            "new expense policy",
            "town hall",
            "wellness week",
            "parking change",
        ]
    )
    d1, t1 = w.day(4, 25, workday=True), w.time(9, 17)
    place = w.pick([w.room(), f"the {w.city()} office", w.address()])
    contact = w.person()
    dept = w.pick(pools.DEPARTMENTS)
    deadline = w.day(1, 10)
    corrected = n > 1 and w.chance(0.5) or n == 1 and size != "short" and w.chance(0.25)
    d2, t2 = w.day(1, 5, after=d1, workday=True), w.time(9, 17)
    mail = Mail(w, f"{kind.title()}: {d1.md}", domain)
    everyone = f"All staff <all-staff@{domain}>"

    def body_main() -> list[str]:
        body = [
            w.say(
                "[I'm writing to let you know that|Please note:|A quick announcement:] the {k} "
                "[is scheduled for|will take place on|happens on] {d} at {t} in {p}.",
                k=kind,
                d=d1.full,
                t=t1,
                p=place,
            ),
            w.say(
                "[Please|Kindly] [register|RSVP|sign up] [by|before] {d} [using the form on the "
                "intranet|with {c}|by replying to {c}].",
                d=deadline.full,
                c=contact.full,
            ),
        ]
        if size != "short":
            body.append(
                w.say(
                    "[Questions|Any questions] [go to|can go to] {c} in {dept}[ at extension {x}|"
                    "]; [slides|details] will be [posted|shared] afterwards.",
                    c=contact.first,
                    dept=dept,
                    x=w.code(4),
                )
            )
        return body

    def correction() -> str:
        return w.say(
            "[Correction|Update|Please note the change]: the {k} [has moved to|will now be on|is "
            "now] {d} at {t}[ - same location| in {p}|].",
            k=kind,
            d=d2.full,
            t=t2,
            p=place,
        )

    final_d, final_t = (d2, t2) if corrected else (d1, t1)
    facts = [kind, final_d.full, final_t, place, deadline.full]
    superseded = [d1.full, t1] if corrected else []
    pads = pads_for(w, _generic_pads(w, company) + _announce_pads(w, company))

    if n == 1:
        body = body_main()
        if size == "long":
            items = [
                w.say(
                    "[Who|Audience]: {a} and {b} [teams|staff]", a=dept, b=w.pick(pools.DEPARTMENTS)
                ),
                w.say(
                    "[Bring|Please bring] [your badge|a laptop|questions for {p}]",
                    p=w.person().first,
                ),
                w.say("[Food|Refreshments]: [lunch from|coffee by] {v}", v=w.venue()),
                w.say(
                    "[Remote option|Can't attend]: [a recording|the slides] [by|on] {d}",
                    d=w.day(1, 3, after=d1).md,
                ),
                w.say(
                    "[Contact|Questions]: {c}, [ext.|extension] {x}", c=contact.full, x=w.code(4)
                ),
            ]
            body += _listing(
                w,
                "[What you need to know|Details|At a glance]",
                w.shuffled(items)[: w.number(3, 5)],
            )
        if corrected:
            body.append(correction())
        return Draft([mail.doc(sender, everyone, body, greet="all")], facts, superseded, pads)

    def q_remote() -> Doc:
        p = w.person()
        body = [
            w.say(
                "[Will this be recorded|Is there a stream] for [those of us in|the team in] {c}?",
                c=w.city(),
            )
        ]
        return mail.doc(p, everyone, body, greet=sender.first)

    a_remote = mail.reply(
        sender,
        everyone,
        "[Yes|Good question] - [the link|a recording] will be [in the calendar invite|"
        "posted on the intranet] [by {d}|the same day], {p}.",
        lambda: dict(d=w.day(1, 3, after=d1).md, p=w.pick(["all", "everyone", "folks"])),
    )

    def q_diet() -> Doc:
        body = [
            w.say(
                "[Is there|Will there be] [food|lunch]? {k} of us in {dept} are [vegetarian|"
                "gluten-free] - [happy to|I can] send a list to {c}.",
                k=w.number(2, 9),
                dept=w.pick(pools.DEPARTMENTS),
                c=contact.first,
            )
        ]
        return mail.doc(w.person(), everyone, body)

    def reply_all() -> Doc:
        body = [
            w.say(
                "[Please|Kindly] don't reply-all[, {p}| - write to {c} directly|]; "
                "{k} people are on this list.",
                p=w.pick(["folks", "everyone", "all"]),
                c=contact.full,
                k=w.number(150, 2400),
            )
        ]
        return mail.doc(w.person(), everyone, body)

    def conflict() -> Doc:
        body = [
            w.say(
                "[That clashes with|The timing overlaps] the {c} [client visit|release] - "
                "[is there|could we get] a second session for {dept}?",
                c=w.company(),
                dept=w.pick(pools.DEPARTMENTS),
            )
        ]
        return mail.doc(w.person(), _to([sender]), body)

    def fix() -> Doc:
        return mail.doc(sender, everyone, [correction()], greet="all")

    head = lambda: mail.doc(sender, everyone, body_main(), greet="all")  # noqa: E731
    tail = [fix] if corrected else []
    docs = assemble(w, n, head, [q_remote, a_remote, q_diet, reply_all, conflict], tail)
    return Draft(docs, facts, superseded, pads)


def _announce_pads(w: World, company: str) -> list:
    return phrases(
        w,
        (
            "[Bring your badge|Badges are required]; [visitors|guests] [must be registered|need "
            "a pass] with {p} at reception by {t}.",
            lambda: dict(p=w.person().first, t=w.time(8, 11)),
        ),
        (
            "[The|One] [east|west|north] elevator [will be|is] out of service [from|until] {d}"
            "[, so allow extra time|].",
            lambda: dict(d=w.day(1, 15).md),
        ),
        (
            "[Last year|At the {m} session], {k} people [attended|took part] and {x}% [rated it "
            "useful|asked for a repeat].",
            lambda: dict(
                m=w.day(-200, -40).value.strftime("%B"), k=w.number(40, 900), x=w.number(55, 97)
            ),
        ),
    )


BUILDERS = {
    "work_request": work_request,
    "scheduling": scheduling,
    "newsletter": newsletter,
    "order_receipt": order_receipt,
    "personal": personal,
    "support": support,
    "announcement": announcement,
}
