"""Chat message builders: one long message (single) or a 1:1 / group thread (stacked).

Each document is one message, "Name: text". When a later message changes the plan, the key
facts hold the final plan and the replaced values are listed as superseded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from evalkit.summarization import pools
from evalkit.summarization.gen_common import DocMaker, Slots, assemble, pads_for, phrases
from evalkit.summarization.world import Doc, Draft, Person, World


def msg(sender: Person, *sentences: str) -> Doc:
    return Doc("message", sender.first, [s for s in sentences if s])


def said(w: World, who: Person | Sequence[Person], template: str, slots: Slots) -> DocMaker:
    """A message of one `World.say` sentence by `who` (or by one of them, picked when it is
    written, before its slots are drawn)."""

    def make() -> Doc:
        sender = who if isinstance(who, Person) else w.pick(who)
        return msg(sender, w.say(template, **slots()))

    return make


def casual_time(w: World, t: str) -> str:
    """'7:30 PM' as people type it: 7:30pm, 7:30, 7:30 PM."""
    clock, half = t.split()
    return w.pick([f"{clock}{half.lower()}", f"{clock} {half.lower()}", t, t])


def _chat_pads(w: World, people: list[Person]) -> list[Callable[[], str]]:
    return phrases(
        w,
        (
            "[Sorry|Sry], [slow replies today|I'm slammed] - [the {t} is due|{p} moved the {t} "
            "up to] {d}.",
            lambda: dict(t=w.topic(), p=w.person().first, d=w.day(1, 6).wd),
        ),
        (
            "[Forecast says|Apparently] [rain|{k} degrees|wind] in {c} [on {d}|all weekend]"
            "[, so bring a jacket|, lol|].",
            lambda: dict(k=w.number(-5, 34), c=w.city(), d=w.day(1, 7).wd),
        ),
        (
            "[Also|Btw|Oh and] {p} [got the job at|just signed with|is leaving for] {c}[!!| "
            "- she starts {d}.| apparently.]",
            lambda: dict(p=w.person().first, c=w.company(), d=w.day(5, 40).md),
        ),
        (
            "[I still owe|Reminder I owe] {p} {a} [for the tickets|from the {v} night|for "
            "gas][, will send it {d}|].",
            lambda: dict(p=w.pick(people).first, a=w.money(8, 95), v=w.venue(), d=w.day(1, 4).wd),
        ),
        (
            "[Sending|Here are] the [pics|photos] from {v}[ on {d}|] - {p} [looks great|blinked "
            "in all of them].",
            lambda: dict(v=w.venue(), d=w.day(-20, -2).md, p=w.person().first),
        ),
        (
            "[Has anyone seen|Anyone watched] [the new|that] {h} [documentary|series] [{p} "
            "recommended|set in {c}]?",
            lambda: dict(h=w.pick(pools.HOBBIES), p=w.person().first, c=w.city()),
        ),
        (
            "[Gotta|Need to] [drop off|pick up] {p}'s {thing} at {a} [first|before {t}].",
            lambda: dict(
                p=w.person().first,
                thing=w.pick(["bike", "keys", "package", "laptop", "jacket"]),
                a=w.address(),
                t=w.time(9, 18),
            ),
        ),
        (
            "[My phone is at|Battery at|Phone on] {k}%[ so if I go quiet that's why| - charging "
            "at {v}|].",
            lambda: dict(k=w.number(2, 14), v=w.venue()),
        ),
    )


# --------------------------------------------------------------------------------------
def planning(w: World, n: int, size: str) -> Draft:
    group = w.people(max(2, min(n, 5)))
    host = group[0]
    t1, t2 = w.time(10, 20), w.time(10, 20)
    hour = int(t1.split(":")[0]) % 12 + (12 if t1.endswith("PM") else 0)
    meal = w.pick(
        ["brunch", "coffee"]
        if hour < 12
        else ["lunch", "coffee"]
        if hour < 15
        else ["drinks", "tapas", "dessert"]
        if hour < 18
        else ["dinner", "drinks"]
    )
    place1 = w.pick([w.venue(), f"the {w.unique(pools.ACTIVITY_PLACES)} on {w.address()}"])
    place2 = w.pick([w.venue(), f"the {w.unique(pools.ACTIVITY_PLACES)} near {w.address()}"])
    activity = f"{meal} at {place1}" if not place1.startswith("the ") else place1
    day = w.day(1, 12)
    heads = w.number(3, 9)
    cost = w.money(12, 60, cents=False)
    changed = (
        (n > 2 and w.chance(0.75))
        or (n == 2 and w.chance(0.5))
        or (n == 1 and size == "long" and w.chance(0.4))
    )
    final_place, final_time = (place2, t2) if changed else (place1, t1)

    def fact_of(place: str) -> str:
        """The checkable name of a place: 'comedy club' for 'the comedy club near 12 Elm St'."""
        if place.startswith("the "):
            return place[4:].split(" near ")[0].split(" on ")[0]
        return place

    def proposal() -> Doc:
        first = w.say(
            "[[Who's up for|Anyone free for|Anyone up for] {a} on {d} at {t}?|[Thinking|How "
            "about] {a} on {d}, [around|at] {t}[?| 🙂|!]]",
            a=activity,
            d=day.full,
            t=casual_time(w, t1),
        )
        extra = ""
        if size != "short":
            extra = w.say(
                "[It's about|Should be around] {c} [each|per person][ incl. tip|], "
                "[I'll get a table for|they take groups up to] {k}.",
                c=cost,
                k=heads,
            )
        return msg(host, first, extra)

    def change_text() -> str:
        reason = w.say(
            "[{p1} is closed for a private event|{p1} is fully booked|{x} can't do early]",
            p1=place1,
            x=w.pick(group).first,
            _capitalize=False,
        )
        return w.say(
            "[Update|Change of plan|Ok small change]: {r}, so [let's do|we're doing] {p2} at "
            "{t} instead.",
            r=reason,
            p2=place2,
            t=casual_time(w, t2),
        )

    facts = [fact_of(final_place), day.full, final_time, host.first, cost]
    superseded = [fact_of(place1), t1] if changed else []

    pads = pads_for(
        w,
        _chat_pads(w, group),
        topical=phrases(
            w,
            (
                "[Dress code is|It's] [casual|smart casual|outdoor shoes] [btw|fyi|], "
                "[{p} asked|in case {p} wonders]",
                lambda: dict(p=w.pick(group[1:]).first),
            ),
            (
                "[They do|There's] a {d} special on {wd}s[ for {a}|]",
                lambda: dict(d=w.pick(pools.DISHES), wd=day.wd, a=w.money(9, 25, cents=False)),
            ),
            (
                "{p} can only stay until {t}[, early flight| - babysitter]",
                lambda: dict(p=w.pick(group[1:]).first, t=casual_time(w, w.time(20, 23))),
            ),
            (
                "[Closest stop is|Take the] {k} [bus|tram] [to|from] {s}[, 10 min walk|]",
                lambda: dict(
                    k=w.number(2, 99), s=w.pick(pools.STREETS) + " " + w.pick(pools.STREET_TYPES)
                ),
            ),
            (
                "[We can split it on|I'll put it on] [the app|my card], [send me|pay me] "
                "[back|] [by {d}|after]",
                lambda: dict(d=w.day(1, 4, after=day).wd),
            ),
            (
                "[It's also|Don't forget it's] {p}'s birthday that week[, I'll bring a "
                "cake| so maybe a card?]",
                lambda: dict(p=w.pick(group).first),
            ),
        ),
    )
    if n == 1:
        doc = proposal()
        doc.body.insert(0, w.say("[Hey all|Hi guys|Okay team|Hiii]!"))
        if changed:
            doc.body.append(change_text())
        return Draft([doc], facts, superseded, pads)

    others = group[1:]

    def im_in() -> Doc:
        p = w.pick(others)
        return msg(
            p,
            w.say(
                "[I'm in|Count me in|Yesss]! [Can I bring {q}?|{q} might come "
                "too|I'll be 10 min late]",
                q=w.person().first,
            ),
        )

    def cant_early() -> Doc:
        p = w.pick(others)
        return msg(
            p,
            w.say(
                "[Can't do before {t}|I'm at {v} until {t}], [but after works|then I'm free]",
                t=casual_time(w, w.time(9, 19)),
                v=w.pick(pools.ACTIVITY_PLACES),
            ),
        )

    def drive() -> Doc:
        p = w.pick(others)
        return msg(
            p,
            w.say(
                "I can drive[, my car fits {k}|], [meet at|pickup from] {a}?",
                k=w.number(3, 6),
                a=w.address(),
            ),
        )

    def price() -> Doc:
        p = w.pick(others)
        return msg(
            p,
            w.say(
                "How much [is it|was it] [again|last time]? [I think|Wasn't it] {a}?",
                a=w.money(10, 70, cents=False),
            ),
        )

    def weather_q() -> Doc:
        p = w.pick(others)
        return msg(
            p,
            w.say(
                "[Is it outdoors|Indoor or outdoor]? [{c} forecast|Weather app] says {k} degrees",
                c=w.city(),
                k=w.number(3, 33),
            ),
        )

    ack = said(
        w,
        host,
        "[Nice|Perfect|Ok great], [so that's|we're] {k} [people|of us][ so far|]",
        lambda: dict(k=heads),
    )

    def change() -> Doc:
        return msg(w.pick(group), change_text())

    confirm = said(
        w,
        host,
        "[Booked|Done|Confirmed]: {p} on {d} at {t}[ under my name| for {k}|]",
        lambda: dict(p=final_place, d=day.wd, t=casual_time(w, final_time), k=heads),
    )

    tail = [change, confirm] if changed else [confirm]
    docs = assemble(w, n, proposal, [im_in, cant_early, drive, price, weather_q, ack], tail)
    return Draft(docs, facts, superseded, pads)


# --------------------------------------------------------------------------------------
def logistics(w: World, n: int, size: str) -> Draft:
    traveler, driver, backup = w.people(3)
    mode = w.pick(["flight", "train", "bus"])
    code = {
        "flight": f"{w.pick(['LX', 'BA', 'AF', 'KL', 'IB', 'TP', 'SK', 'AY', 'EI', 'LH'])} "
        f"{w.number(100, 2999)}",
        "train": f"train {w.number(100, 9999)}",
        "bus": f"bus {w.number(10, 999)}",
    }[mode]
    station = {
        "flight": f"Terminal {w.number(1, 5)}",
        "train": f"{w.city()} Central, platform {w.number(1, 14)}",
        "bus": f"the {w.pick(pools.STREETS)} Street stop",
    }[mode]
    day = w.day(1, 10)
    t1 = w.time(6, 22)
    delayed = (
        (n > 2 and w.chance(0.7))
        or (n == 2 and w.chance(0.5))
        or (n == 1 and size != "short" and w.chance(0.3))
    )
    t2 = w.time(6, 23)
    swapped = n > 3 and w.chance(0.4)
    final_driver = backup if swapped else driver
    bags = w.number(2, 4)
    final_time = t2 if delayed else t1

    def arrival() -> Doc:
        body = [
            w.say(
                "[My|I'm on] {m} {c} [gets in|lands|arrives] at {t} on {d} at {s}[. Can you pick "
                "me up, {dr}?|, can you grab me {dr}?|!]",
                m="" if mode != "flight" else "flight",
                c=code,
                t=casual_time(w, t1),
                dr=driver.first,
                d=day.full,
                s=station,
            )
        ]
        if size != "short":
            body.append(
                w.say(
                    "I've got {k} [bags|suitcases][ and the {thing}|], [so the big "
                    "car would help|so no bike lol]",
                    k=bags,
                    thing=w.pick(["guitar", "stroller", "ski bag", "dog crate"]),
                )
            )
        return msg(traveler, *body)

    def delay_text() -> str:
        return w.say(
            "[Delayed|Ugh, delayed] - [now|new time is] {t}[, sorry!| 😩|]",
            t=casual_time(w, t2),
        )

    facts = [code, final_time, station, final_driver.first, day.full]
    superseded = [t1] if delayed else []
    if swapped:
        superseded.append(driver.first)

    pads = pads_for(
        w,
        _chat_pads(w, [traveler, driver, backup]),
        topical=phrases(
            w,
            (
                "[The {thing} is|My {thing} is] [huge|heavy] so [the back seat|the trunk] "
                "[should be empty|needs space]",
                lambda: dict(thing=w.pick(["suitcase", "box", "cello case"])),
            ),
            (
                "[If I don't answer|If you can't find me], [call|text] {p} on {ph}",
                lambda: dict(p=backup.first, ph=f"0{w.code(3)} {w.code(3)} {w.code(3)}"),
            ),
            (
                "[Meet|I'll wait] [by|at] the {x} [near|next to] exit {k}",
                lambda: dict(
                    x=w.pick(["coffee stand", "info desk", "taxi rank", "flower shop"]),
                    k=w.pick("ABCDEFG"),
                ),
            ),
            (
                "[I'm staying|Staying] [until|till] {d}[, flying back at {t}|]",
                lambda: dict(d=w.day(2, 10, after=day).full, t=casual_time(w, w.time(7, 21))),
            ),
        ),
    )

    if n == 1:
        doc = arrival()
        doc.body.append(
            w.say(
                "[{d} said|{d} offered to] [pick me up|come get me] if you "
                "can't[, his number is {ph}|]",
                d=driver.first,
                ph=f"0{w.code(3)} {w.code(3)} {w.code(3)}",
            )
        )
        if delayed:
            doc.body.append(delay_text())
        return Draft([doc], facts, superseded, pads)

    yes = said(
        w,
        driver,
        "[Yep|Sure|Of course], [I'll be there|I'll be at arrivals|I'll wait] [at|by] {s}",
        lambda: dict(s=station),
    )

    parking = said(
        w,
        driver,
        "[Parking there is|The short-stay lot is] {a} an hour so "
        "[text me when you land|I'll circle]",
        lambda: dict(a=w.money(3, 12)),
    )

    car = said(
        w,
        driver,
        "[I'll be in|Look for] the {c} {car}[, plate ends {k}|]",
        lambda: dict(
            c=w.pick(pools.COLORS),
            car=w.pick(["Golf", "Corolla", "Civic", "van", "Skoda", "Prius"]),
            k=w.code(3),
        ),
    )

    food = said(
        w,
        traveler,
        "[Can we|Could we] [stop for food|grab {d}] on the way? [Starving|No food on the {m}]",
        lambda: dict(d=w.pick(pools.DISHES), m=mode),
    )

    keys = said(
        w,
        driver,
        "[Spare key|The key] is [with|under the mat at] {p}'s[ at {a}|] if you get in before me",
        lambda: dict(p=w.person().first, a=w.address()),
    )

    swap = said(
        w,
        driver,
        "[Something came up|Stuck at work] - {b} will [pick you up|get you] instead[, same place|]",
        lambda: dict(b=backup.first),
    )

    def delay() -> Doc:
        return msg(traveler, delay_text())

    confirm = said(
        w,
        final_driver,
        "[Ok|Got it|No problem], [see you at|I'll be at] {s} at {t}",
        lambda: dict(s=station, t=casual_time(w, final_time)),
    )

    tail = ([delay] if delayed else []) + ([swap] if swapped else []) + [confirm]
    docs = assemble(w, n, arrival, [yes, parking, car, food, keys], tail)
    return Draft(docs, facts, superseded, pads)


# --------------------------------------------------------------------------------------
def social(w: World, n: int, size: str) -> Draft:
    a, b = w.person(), w.person()
    friends = w.people(3)
    news = w.pick(["new job", "engagement", "marathon", "move", "promotion", "band gig"])
    company, city = w.company(), w.city()
    day = w.day(3, 40)
    place = w.venue()
    minutes = f"{w.number(3, 5)}:{w.number(0, 59):02d}"
    text = {
        "new job": ("I got the job at {c}!! Start {d}", [company, day.full]),
        "engagement": (
            "{p} and I got engaged!! Party at {v} on {d}",
            [friends[0].first, place, day.full],
        ),
        "marathon": ("Finished the {c} marathon in {m}!!", [city, minutes]),
        "move": ("We're moving to {c} on {d} 😱", [city, day.full]),
        "promotion": ("I'm officially team lead at {c} from {d}", [company, day.full]),
        "band gig": ("Our band plays {v} on {d}, doors at {t}", [place, day.full]),
    }[news]
    gig_time = w.time(18, 22)
    headline = w.say(
        text[0],
        c=company if news != "marathon" and news != "move" else city,
        d=day.full,
        p=friends[0].first,
        v=place,
        m=minutes,
        t=gig_time,
    )
    facts = [*text[1]]
    if news == "band gig":
        facts.append(gig_time)
    facts += [a.first]
    superseded: list[str] = []
    pads = pads_for(w, _chat_pads(w, [a, b, *friends]))

    def opener() -> Doc:
        body = [w.say("[Guess what|Okay news|Sooo]!"), headline]
        if size != "short":
            body.append(
                w.say(
                    "[Been waiting since|Found out on] {d}[ and couldn't tell anyone|] - [{p} "
                    "knew first|you're the first to know]",
                    d=w.day(-20, -1).md,
                    p=friends[1].first,
                )
            )
        return msg(a, *body)

    if n == 1:
        doc = opener()
        doc.body.append(
            w.say(
                "[Also|And] [we should celebrate|drinks on me] at {v}[ soon| next {wd}]!",
                v=w.venue(),
                wd=w.day(1, 7).wd,
            )
        )
        return Draft([doc], facts, superseded, pads)

    group = [b, *friends]

    congrats = said(
        w,
        group,
        "[OMG congrats|Congrats!!|Amazing], {a}[!! 🎉|!|, so proud]",
        lambda: dict(a=a.first),
    )

    question = said(
        w,
        group,
        "[Wait|Hold on], [when did this happen|since when]? [Tell me everything|Call me {t}]",
        lambda: dict(t=casual_time(w, w.time(17, 21))),
    )

    memory = said(
        w,
        group,
        "[Remember|Still thinking about] [{v} in {y}|the trip "
        "to {c}][? Full circle|, you called it]",
        lambda: dict(v=w.venue(), y=w.number(2012, 2023), c=w.city()),
    )

    plan = said(
        w,
        group,
        "[We need to celebrate|Party time]: [{v} on {d}?|how about {v} {d}?]",
        lambda: dict(v=w.venue(), d=w.day(2, 9).wd),
    )

    detail = said(
        w,
        a,
        "[Thanks guys|Love you all]! [{p} helped a lot|Couldn't have done it without {p}]",
        lambda: dict(p=friends[2].first),
    )

    correction = said(
        w,
        a,
        "[Oh and|Also] [it's|to be clear] {x}[ - not the {y} one|, people keep asking]",
        lambda: dict(x=text[1][0], y=w.city()),
    )

    docs = assemble(w, n, opener, [congrats, question, memory, plan, detail, correction], [])
    return Draft(docs, facts, superseded, pads)


# --------------------------------------------------------------------------------------
def family(w: World, n: int, size: str) -> Draft:
    parent, kid, sib = w.people(3)
    errand = w.pick(["grandma", "vet", "school", "groceries", "bill", "dentist"])
    day = w.day(1, 10)
    t1, t2 = w.time(8, 19), w.time(8, 19)
    pet = w.pick(pools.PET_NAMES)
    amount = w.money(35, 480)
    place = w.pick([w.address(), f"{w.city()} Central"])
    items = w.shuffled(pools.GROCERIES)[:4]
    changed = (n > 2 and w.chance(0.6)) or (n == 1 and size != "short" and w.chance(0.3))
    main = {
        "grandma": (
            f"Grandma arrives {day.full} at {{t}}, {place}. Who can get her from {place}?",
            ["Grandma", day.full, "{t}", place],
        ),
        "vet": (
            f"{pet} has the vet on {day.full} at {{t}}, {place}. Can someone take him?",
            [pet, "vet", day.full, "{t}"],
        ),
        "school": (
            f"Parent-teacher meeting {day.full} at {{t}}, room {w.number(2, 40)}B",
            ["parent-teacher meeting", day.full, "{t}"],
        ),
        "groceries": (
            f"Shopping list for {day.wd}: {', '.join(items)}. I'll go at {{t}}",
            [items[0], items[1], day.wd, "{t}"],
        ),
        "bill": (
            f"Electricity bill is {amount}, due {day.full}. I paid it at {{t}}, send me your half",
            [amount, "electricity bill", day.full],
        ),
        "dentist": (
            f"{kid.first}'s dentist appointment is {day.full} at {{t}} at {place}",
            [kid.first, "dentist", day.full, "{t}"],
        ),
    }[errand]
    final_t = t2 if changed else t1
    facts = [f.format(t=final_t) for f in main[1]] + [parent.first]
    superseded = [t1] if changed else []
    pads = pads_for(w, _chat_pads(w, [parent, kid, sib]) + _family_pads(w, pet))

    def first() -> Doc:
        body = [main[0].format(t=casual_time(w, t1))]
        if size != "short":
            body.append(
                w.say(
                    "[Also|And] [don't forget|remember] [{k}'s {thing} on {d}|to "
                    "water {k}'s plants]",
                    k=kid.first,
                    d=w.day(1, 9).wd,
                    thing=w.pick(
                        ["swim class", "recital", "football game", "sleepover", "field trip"]
                    ),
                )
            )
        return msg(parent, *body)

    def change_text() -> str:
        return w.say(
            "[Update|Change|Correction]: [it's now at|moved to|make that] {t}[ - same "
            "place|, sorry|]",
            t=casual_time(w, t2),
        )

    if n == 1:
        doc = first()
        if changed:
            doc.body.append(change_text())
        return Draft([doc], facts, superseded, pads)

    volunteer = said(
        w,
        [kid, sib],
        "[I can do it|I'll go|On it][ after my {c} class| if I can take the car|]",
        lambda: dict(c=w.pick(pools.HOBBIES)),
    )

    busy = said(
        w,
        [kid, sib],
        "[Can't|Not me], I'm at {v} [until {t}|all day]",
        lambda: dict(v=w.pick([w.venue(), w.company()]), t=casual_time(w, w.time(12, 20))),
    )

    question = said(
        w,
        [kid, sib],
        "[Do we still have|Where's] the [spare key|car "
        "seat|umbrella]? [{p} borrowed it|Last seen at {a}]",
        lambda: dict(p=w.person().first, a=w.address()),
    )

    reminder = said(
        w,
        parent,
        "[Also|And] [dinner is|we're having] {d} at {t}[, be home|]",
        lambda: dict(d=w.pick(pools.DISHES), t=casual_time(w, w.time(18, 20))),
    )

    money_note = said(
        w,
        sib,
        "[Sent you|Transferred] {a}[ for {m}| for last month|]",
        lambda: dict(a=w.money(10, 90), m=w.pick(["groceries", "the gift", "gas"])),
    )

    def change() -> Doc:
        return msg(parent, change_text())

    confirm = said(
        w, [kid, sib], "[Ok|👍|Got it], {t} it is", lambda: dict(t=casual_time(w, final_t))
    )

    tail = [change, confirm] if changed else [confirm]
    docs = assemble(w, n, first, [volunteer, busy, question, reminder, money_note], tail)
    return Draft(docs, facts, superseded, pads)


def _family_pads(w: World, pet: str) -> list:
    return phrases(
        w,
        (
            "{p} [ate|chewed] [my|a] {thing} [again|this morning] [lol|😑|]",
            lambda: dict(p=pet, thing=w.pick(["sock", "shoe", "charger", "homework", "slipper"])),
        ),
        (
            "[Bins go out|Recycling is] on {d} [this week|now], [{p}'s turn|not Tuesday]",
            lambda: dict(d=w.day(1, 7).wd, p=w.person().first),
        ),
        (
            "[Aunt|Uncle] {p} [called|says hi] - [she's|he's] [in {c} until {d}|coming for {x}]",
            lambda: dict(
                p=w.person().first,
                c=w.city(),
                d=w.day(3, 20).md,
                x=w.pick(["Easter", "the long weekend", "New Year", "the wedding"]),
            ),
        ),
    )


# --------------------------------------------------------------------------------------
def work(w: World, n: int, size: str) -> Draft:
    lead, dev, ops = w.people(3)
    client = w.company()
    task = w.pick(["deploy", "client call", "shift swap", "demo", "launch", "inventory count"])
    topic = w.topic()
    day = w.day(0, 6)
    t1, t2 = w.time(8, 18), w.time(8, 18)
    count = w.number(120, 9800)
    changed = (n > 2 and w.chance(0.7)) or (n == 1 and size != "short" and w.chance(0.3))
    main = {
        "deploy": (
            "Deploy of the {tp} is set for {d} at {t}. {o} is on call",
            [topic, day.full, "{t}", ops.first],
        ),
        "client call": (
            "Call with {c} about the {tp} on {d} at {t}, I'll send the link",
            [client, topic, day.full, "{t}"],
        ),
        "shift swap": (
            "Can someone cover my {d} shift from {t}? I'll take your {x}",
            [day.full, "{t}", "shift"],
        ),
        "demo": (
            "Demo of the {tp} for {c} is {d} at {t}. {o} runs the slides",
            [client, topic, day.full, "{t}", ops.first],
        ),
        "launch": (
            "{tp} launch is {d} at {t}; we're at {k} signups so far",
            [topic, day.full, "{t}", f"{count:,}"],
        ),
        "inventory count": (
            "Inventory count at {c} on {d} from {t}, {k} items on the list",
            [client, day.full, "{t}", f"{count:,}"],
        ),
    }[task]
    final_t = t2 if changed else t1
    facts = [f.format(t=final_t) for f in main[1]] + [lead.first]
    superseded = [t1] if changed else []
    pads = pads_for(w, _chat_pads(w, [lead, dev, ops]) + _work_pads(w))

    def first() -> Doc:
        body = [
            w.say(
                main[0],
                tp=topic,
                d=day.full,
                t=casual_time(w, t1),
                o=ops.first,
                c=client,
                k=f"{count:,}",
                x=w.pick(["Sunday", "Monday", "next"]),
            )
        ]
        if size != "short":
            body.append(
                w.say(
                    "[Please|Pls] [update|check] the [tracker|board] [before|by] {t}"
                    "[ so {p} can plan|]",
                    t=casual_time(w, w.time(9, 12)),
                    p=dev.first,
                )
            )
        return msg(lead, *body)

    def change_text() -> str:
        return w.say(
            "[Heads up|Update|Change]: [{c} asked to push it|we're moving it|it's "
            "moved] to {t}[ same day| because of the {x} issue|]",
            c=client,
            t=casual_time(w, t2),
            x=w.topic(),
        )

    if n == 1:
        doc = first()
        if changed:
            doc.body.append(change_text())
        return Draft([doc], facts, superseded, pads)

    ok = said(w, [dev, ops], "[Ack|👍 on it|Got it][, {p}|]", lambda: dict(p=lead.first))

    blocker = said(
        w,
        dev,
        "[Blocked on|Still waiting for] [the {t} review|{p}'s approval][ since {d}|]",
        lambda: dict(t=w.topic(), p=w.person().first, d=w.day(-5, -1).wd),
    )

    metric = said(
        w,
        ops,
        "[Dashboard|Error rate] [shows|is at] {x}%[ this morning| since {t}|]",
        lambda: dict(x=f"{w.number(0, 9)}.{w.number(1, 9)}", t=casual_time(w, w.time(6, 10))),
    )

    lunch = said(
        w,
        dev,
        "[Anyone want|Ordering] {d} from {v}[ for lunch|]?",
        lambda: dict(d=w.pick(pools.DISHES), v=w.venue()),
    )

    pr = said(
        w,
        dev,
        "[PR|Ticket] {k} [is ready for review|needs a second pair of eyes][ - {p}?|]",
        lambda: dict(k=w.code(4, prefix="#"), p=ops.first),
    )

    def change() -> Doc:
        return msg(lead, change_text())

    confirm = said(
        w,
        [dev, ops],
        "[Ok|Noted|Works], {t} [then|it is]",
        lambda: dict(t=casual_time(w, final_t)),
    )

    tail = [change, confirm] if changed else [confirm]
    docs = assemble(w, n, first, [ok, blocker, metric, lunch, pr], tail)
    return Draft(docs, facts, superseded, pads)


def _work_pads(w: World) -> list:
    return phrases(
        w,
        (
            "[Standup|Retro] [moves to|is at] {t} [tomorrow|on {d}][, in {r}|]",
            lambda: dict(t=w.time(9, 11), d=w.day(1, 5).wd, r=w.room()),
        ),
        (
            "{p} is on call [this week|until {d}][, ping them not me|]",
            lambda: dict(p=w.person().first, d=w.day(2, 8).md),
        ),
        (
            "[Expenses|Receipts] for {c} [due|go to {p}] by {d}",
            lambda: dict(c=w.city(), p=w.person().first, d=w.day(2, 9).md),
        ),
    )


BUILDERS = {
    "planning": planning,
    "logistics": logistics,
    "social": social,
    "family": family,
    "work": work,
}
